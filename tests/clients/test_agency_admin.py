"""Agency administration pages: members and roles (the last owner is protected), staff
assignments per client, client contacts' portal access, agency settings and the logo."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from guardian.shortcuts import assign_perm, get_perms
from PIL import Image

from clients.models import Agency, Invitation, Membership, PortalAccess, Role
from clients.services import assign_staff

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def membership(cast, user, agency=None):
    return Membership.objects.get(agency=agency or cast.agency, user=user)


def role_url(m):
    return reverse("agency:member_role", kwargs={"pk": m.public_id})


def remove_url(m):
    return reverse("agency:member_remove", kwargs={"pk": m.public_id})


def team_url(cast, name="client_team", client=None, **extra):
    return reverse(f"agency:{name}", kwargs={"client": (client or cast.client).public_id, **extra})


def image_bytes(fmt="PNG", size=(8, 8)):
    buf = io.BytesIO()
    Image.new("RGB", size, "orange").save(buf, fmt)
    return buf.getvalue()


# -- members -----------------------------------------------------------------------------


def test_members_page_lists_members_with_role_badges_and_pending_invitations(cast, client):
    Invitation.objects.all().delete()
    from clients.invitations import invitation_create

    invitation_create(
        agency=cast.agency, kind="member", email="soon@example.test", role="staff", by=cast.owner
    )
    client.force_login(cast.owner)
    body = client.get(reverse("agency:members")).content.decode()
    for name in ("Olivia Owner", "Max Manager", "Sam Staff", "Uma Unassigned"):
        assert name in body
    assert "Oscar Outsider" not in body
    assert '<span class="badge badge-owner">Owner</span>' in body
    assert '<span class="badge badge-manager">Manager</span>' in body
    assert "soon@example.test" in body
    assert "Invite a member" in body and "Change role" in body
    assert reverse("agency:settings") in body


def test_manager_sees_members_without_owner_controls(cast, client):
    client.force_login(cast.manager)
    body = client.get(reverse("agency:members")).content.decode()
    assert "Sam Staff" in body
    assert "Change role" not in body and "Invite a member" not in body
    assert reverse("agency:settings") not in body
    assert client.get(reverse("agency:member_invite")).status_code == 403


def test_staff_cannot_open_the_members_page(cast, client):
    client.force_login(cast.staff)
    assert client.get(reverse("agency:members")).status_code == 403


def test_owner_changes_a_role_and_sees_it(cast, client):
    m = membership(cast, cast.staff)
    client.force_login(cast.owner)
    response = client.post(role_url(m), {"role": "manager"}, follow=True)
    assert "Sam Staff is now manager (was Staff)." in response.content.decode()
    m.refresh_from_db()
    assert m.role == Role.MANAGER


def test_htmx_role_change_returns_the_row_and_the_message(cast, client):
    m = membership(cast, cast.unassigned_staff)
    client.force_login(cast.owner)
    response = client.post(role_url(m), {"role": "manager"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="member-{m.public_id}">')
    assert '<span class="badge badge-manager">Manager</span>' in body
    assert 'id="messages"' in body and 'hx-swap-oob="true"' in body
    assert "Uma Unassigned is now manager" in body
    assert "<html" not in body


def test_an_unknown_role_is_refused(cast, client):
    m = membership(cast, cast.staff)
    client.force_login(cast.owner)
    response = client.post(role_url(m), {"role": "emperor"}, follow=True)
    assert "Choose a role" in response.content.decode()
    m.refresh_from_db()
    assert m.role == Role.STAFF


def test_the_last_owner_cannot_be_demoted(cast, client):
    m = membership(cast, cast.owner)
    client.force_login(cast.owner)
    response = client.post(role_url(m), {"role": "staff"}, follow=True)
    assert "Olivia Owner is the last owner of Northwind Communications" in (
        response.content.decode()
    )
    m.refresh_from_db()
    assert m.role == Role.OWNER


def test_an_owner_can_step_down_when_another_owner_remains(cast, client):
    Membership.objects.filter(agency=cast.agency, user=cast.manager).update(role=Role.OWNER)
    m = membership(cast, cast.owner)
    client.force_login(cast.owner)
    response = client.post(role_url(m), {"role": "manager"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:dashboard")
    m.refresh_from_db()
    assert m.role == Role.MANAGER


def test_owner_removes_a_member_with_their_assignments_in_this_agency_only(cast, client):
    # Sam also works for Rival PR, assigned to its client: that stays.
    Membership.objects.create(agency=cast.other_agency, user=cast.staff, role=Role.STAFF)
    assign_staff(client=cast.other_client, user=cast.staff, write=True)
    m = membership(cast, cast.staff)
    client.force_login(cast.owner)
    confirm = client.get(remove_url(m))
    assert confirm.status_code == 200
    assert "Remove Sam Staff from Northwind Communications?" in confirm.content.decode()

    response = client.post(remove_url(m), follow=True)
    assert "Sam Staff was removed from Northwind Communications" in response.content.decode()
    assert not Membership.objects.filter(agency=cast.agency, user=cast.staff).exists()
    assert get_perms(cast.staff, cast.client) == []
    assert set(get_perms(cast.staff, cast.other_client)) == {"view_client", "change_client"}


def test_removed_member_can_no_longer_open_the_agencys_clients(cast, client):
    m = membership(cast, cast.staff)
    client.force_login(cast.owner)
    client.post(remove_url(m))
    client.force_login(cast.staff)
    overview = reverse("clients:overview", kwargs={"client": cast.client.public_id})
    assert client.get(overview).status_code == 403  # no longer a member of any agency


def test_the_last_owner_cannot_be_removed(cast, client):
    m = membership(cast, cast.owner)
    client.force_login(cast.owner)
    confirm = client.get(remove_url(m)).content.decode()
    assert "is the last owner" in confirm
    response = client.post(remove_url(m), follow=True)
    assert "Olivia Owner is the last owner" in response.content.decode()
    assert Membership.objects.filter(pk=m.pk).exists()


def test_manager_cannot_change_roles_or_remove_members(cast, client):
    m = membership(cast, cast.staff)
    client.force_login(cast.manager)
    assert client.post(role_url(m), {"role": "owner"}).status_code == 403
    assert client.post(remove_url(m)).status_code == 403
    m.refresh_from_db()
    assert m.role == Role.STAFF


def test_owner_of_another_agency_gets_404_on_our_members(cast, client):
    m = membership(cast, cast.staff)
    client.force_login(cast.outsider)
    assert client.post(role_url(m), {"role": "owner"}).status_code == 404
    assert client.get(remove_url(m)).status_code == 404
    assert client.post(remove_url(m)).status_code == 404
    m.refresh_from_db()
    assert m.role == Role.STAFF


# -- staff assignments ---------------------------------------------------------------------


def test_assigning_staff_gives_them_access_to_the_client(cast, client):
    overview = reverse("clients:overview", kwargs={"client": cast.client.public_id})
    client.force_login(cast.unassigned_staff)
    assert client.get(overview).status_code == 404

    client.force_login(cast.manager)
    response = client.post(
        team_url(cast, "client_assign"),
        {"user": str(cast.unassigned_staff.public_id), "access": "read-only"},
        follow=True,
    )
    body = response.content.decode()
    assert "Uma Unassigned now works on Acme Foods (read only)." in body
    assert f'id="assigned-{cast.unassigned_staff.public_id}"' in body

    client.force_login(cast.unassigned_staff)
    assert client.get(overview).status_code == 200
    edit = reverse("clients:edit", kwargs={"client": cast.client.public_id})
    assert client.get(edit).status_code == 403  # read only


def test_assigning_again_changes_the_access(cast, client):
    client.force_login(cast.owner)
    client.post(
        team_url(cast, "client_assign"),
        {"user": str(cast.readonly_staff.public_id), "access": "read-write"},
    )
    assert "change_client" in get_perms(cast.readonly_staff, cast.client)


def test_assign_refuses_a_user_of_another_agency_with_a_clear_message(cast, client):
    client.force_login(cast.owner)
    response = client.post(
        team_url(cast, "client_assign"),
        {"user": str(cast.outsider.public_id), "access": "read-write"},
    )
    assert response.status_code == 200
    assert "That person is not a staff member of Northwind Communications" in (
        response.content.decode()
    )
    assert get_perms(cast.outsider, cast.client) == []


def test_assign_offers_only_the_agencys_staff(cast, client):
    client.force_login(cast.owner)
    body = client.get(team_url(cast)).content.decode()
    assert f'value="{cast.unassigned_staff.public_id}"' in body
    assert f'value="{cast.outsider.public_id}"' not in body
    assert f'value="{cast.manager.public_id}"' not in body
    assert f'value="{cast.contact_user.public_id}"' not in body


def test_unassigning_takes_the_access_away(cast, client):
    overview = reverse("clients:overview", kwargs={"client": cast.client.public_id})
    client.force_login(cast.manager)
    response = client.post(
        team_url(cast, "client_unassign", user=cast.staff.public_id), follow=True
    )
    assert "Sam Staff no longer works on Acme Foods." in response.content.decode()
    client.force_login(cast.staff)
    assert client.get(overview).status_code == 404


def test_unassigning_someone_outside_the_agency_is_a_404(cast, client):
    # Even if they somehow held a permission on our client, the URL names no member.
    assign_perm("clients.view_client", cast.outsider, cast.client)
    client.force_login(cast.owner)
    response = client.post(team_url(cast, "client_unassign", user=cast.outsider.public_id))
    assert response.status_code == 404


def test_team_page_is_for_owners_and_managers_of_this_agency(cast, client):
    client.force_login(cast.staff)
    assert client.get(team_url(cast)).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(team_url(cast)).status_code == 404
    client.force_login(cast.manager)
    body = client.get(team_url(cast)).content.decode()
    assert "Sam Staff" in body and "Read and write" in body
    assert "Rita Readonly" in body and "Read only" in body
    assert "Carla Contact" in body


# -- portal access ---------------------------------------------------------------------------


def test_portal_invite_and_revoke(cast, client, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            team_url(cast, "portal_invite"), {"email": "cfo@acme.test"}, follow=True
        )
    body = response.content.decode()
    assert "Invitation to Acme Foods's portal sent to cfo@acme.test" in body.replace("&#x27;", "'")
    assert "cfo@acme.test" in body
    assert len(mailoutbox) == 1

    access = PortalAccess.objects.get(user=cast.contact_user)
    response = client.post(team_url(cast, "portal_revoke", pk=access.public_id), follow=True)
    assert "Carla Contact can no longer see Acme Foods" in response.content.decode()
    assert not PortalAccess.objects.filter(pk=access.pk).exists()
    client.force_login(cast.contact_user)
    portal = reverse("clientportal:client", kwargs={"client": cast.client.public_id})
    assert client.get(portal).status_code == 403


def test_portal_invite_refuses_someone_who_already_has_access(cast, client):
    client.force_login(cast.manager)
    response = client.post(team_url(cast, "portal_invite"), {"email": "Contact@Acme.test"})
    assert response.status_code == 200
    assert "contact@acme.test already has access to Acme Foods" in response.content.decode()
    assert not Invitation.objects.exists()


def test_portal_access_of_another_client_cannot_be_revoked_through_this_one(cast, client):
    other_access = PortalAccess.objects.create(client=cast.second_client, user=cast.contact_user)
    client.force_login(cast.owner)
    response = client.post(team_url(cast, "portal_revoke", pk=other_access.public_id))
    assert response.status_code == 404
    assert PortalAccess.objects.filter(pk=other_access.pk).exists()


def test_owner_of_another_agency_cannot_touch_our_portal_access(cast, client):
    access = PortalAccess.objects.get(user=cast.contact_user)
    client.force_login(cast.outsider)
    assert client.post(team_url(cast, "portal_revoke", pk=access.public_id)).status_code == 404
    # ... nor through their own client's URL.
    url = team_url(cast, "portal_revoke", client=cast.other_client, pk=access.public_id)
    assert client.post(url).status_code == 404
    assert PortalAccess.objects.filter(pk=access.pk).exists()


# -- settings and logo -----------------------------------------------------------------------


def settings_data(**changes):
    return {"name": "Northwind Communications", "time_zone": "Europe/London", **changes}


def test_owner_changes_name_and_time_zone(cast, client):
    client.force_login(cast.owner)
    response = client.post(
        reverse("agency:settings"),
        settings_data(name="Northwind Comms", time_zone="Asia/Tokyo"),
        follow=True,
    )
    assert "Agency settings saved." in response.content.decode()
    agency = Agency.objects.get(pk=cast.agency.pk)
    assert (agency.name, agency.time_zone) == ("Northwind Comms", "Asia/Tokyo")
    assert "times in Asia/Tokyo" in client.get(reverse("portal:dashboard")).content.decode()


def test_settings_refuse_an_unknown_time_zone(cast, client):
    client.force_login(cast.owner)
    response = client.post(reverse("agency:settings"), settings_data(time_zone="Mars/Olympus"))
    assert response.status_code == 200
    assert "Mars/Olympus” is not a time zone name such as Europe/Paris" in (
        response.content.decode()
    )
    assert Agency.objects.get(pk=cast.agency.pk).time_zone == "Europe/London"


def test_settings_offer_time_zone_names(cast, client):
    client.force_login(cast.owner)
    body = client.get(reverse("agency:settings")).content.decode()
    assert '<option value="Europe/London" selected>' in body
    assert '<option value="America/New_York">America/New York</option>' in body


def test_settings_are_for_owners(cast, client):
    client.force_login(cast.manager)
    assert client.get(reverse("agency:settings")).status_code == 403
    assert (
        client.post(reverse("agency:settings"), settings_data(name="Hijacked")).status_code == 403
    )
    assert Agency.objects.get(pk=cast.agency.pk).name == "Northwind Communications"


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("logo.png", b"This is a text file wearing a .png name.\n"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.gif", None),  # a real image, in a format we do not take
    ],
)
def test_logo_that_is_not_a_png_jpeg_or_webp_image_is_refused(cast, client, filename, content):
    if content is None:
        content = image_bytes("GIF")
    client.force_login(cast.owner)
    upload = SimpleUploadedFile(filename, content, content_type="image/png")
    response = client.post(reverse("agency:settings"), {**settings_data(), "logo": upload})
    assert response.status_code == 200
    assert "That file is not a PNG, JPEG or WebP image" in response.content.decode()
    assert not Agency.objects.get(pk=cast.agency.pk).logo


def test_logo_over_2_mb_is_refused(cast, client):
    client.force_login(cast.owner)
    upload = SimpleUploadedFile("big.png", image_bytes() + b"\0" * (2 * 1024 * 1024))
    response = client.post(reverse("agency:settings"), {**settings_data(), "logo": upload})
    assert "the limit is 2 MB" in response.content.decode()
    assert not Agency.objects.get(pk=cast.agency.pk).logo


@pytest.mark.parametrize(("fmt", "ctype"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_real_logo_is_accepted_and_served_through_the_view(cast, client, fmt, ctype):
    data = image_bytes(fmt)
    client.force_login(cast.owner)
    assert client.get(reverse("agency:logo")).status_code == 404  # none yet
    upload = SimpleUploadedFile("../../etc/My Logo.exe", data, content_type="text/html")
    response = client.post(reverse("agency:settings"), {**settings_data(), "logo": upload})
    assert response.status_code == 302
    agency = Agency.objects.get(pk=cast.agency.pk)
    # Stored under a name we chose, with the extension of what the file really is.
    assert agency.logo.name.startswith("logos/logo-")
    assert agency.logo.name.endswith("." + ctype.split("/")[1].replace("jpeg", "jpg"))

    served = client.get(reverse("agency:logo"))
    assert served.status_code == 200
    assert served["Content-Type"] == ctype
    assert b"".join(served.streaming_content) == data
    # Staff of the agency see it too (it goes on their pages and reports).
    client.force_login(cast.staff)
    assert client.get(reverse("agency:logo")).status_code == 200


def test_replacing_and_removing_the_logo_deletes_the_old_file(
    cast, client, django_capture_on_commit_callbacks
):
    client.force_login(cast.owner)
    first = SimpleUploadedFile("a.png", image_bytes())
    client.post(reverse("agency:settings"), {**settings_data(), "logo": first})
    old = Agency.objects.get(pk=cast.agency.pk).logo
    old_path = old.path
    with django_capture_on_commit_callbacks(execute=True):
        second = SimpleUploadedFile("b.jpg", image_bytes("JPEG"))
        client.post(reverse("agency:settings"), {**settings_data(), "logo": second})
    new = Agency.objects.get(pk=cast.agency.pk).logo
    assert new.name.endswith(".jpg")
    assert not os.path.exists(old_path)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("agency:settings"), {**settings_data(), "logo-clear": "on"})
    assert not Agency.objects.get(pk=cast.agency.pk).logo
    assert not os.path.exists(new.path)
    assert client.get(reverse("agency:logo")).status_code == 404


def test_another_agencys_owner_gets_their_own_logo_or_404(cast, client):
    ours = image_bytes(size=(8, 8))
    client.force_login(cast.owner)
    client.post(
        reverse("agency:settings"),
        {**settings_data(), "logo": SimpleUploadedFile("ours.png", ours)},
    )
    client.force_login(cast.outsider)
    assert client.get(reverse("agency:logo")).status_code == 404  # Rival PR has none

    theirs = image_bytes(size=(16, 16))
    client.post(
        reverse("agency:settings"),
        {
            "name": "Rival PR",
            "time_zone": "America/New_York",
            "logo": SimpleUploadedFile("theirs.png", theirs),
        },
    )
    served = client.get(reverse("agency:logo"))
    assert b"".join(served.streaming_content) == theirs != ours


def test_settings_page_shows_the_current_logo_through_the_view(cast, client):
    client.force_login(cast.owner)
    client.post(
        reverse("agency:settings"),
        {**settings_data(), "logo": SimpleUploadedFile("a.png", image_bytes())},
    )
    body = client.get(reverse("agency:settings")).content.decode()
    assert f'src="{reverse("agency:logo")}"' in body
    assert "/media/" not in body
    assert "Remove the logo" in body
