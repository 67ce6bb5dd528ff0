"""Invitations: emailed, expiring, single-use links for agency members and client contacts.
Expired, used, revoked and unknown links; another agency's invitations; accepting twice
(also at the same moment); the email and its link; signing up, logging in, the wrong user."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from clients.invitations import (
    InvitationError,
    invitation_accept,
    invitation_create,
    invitation_revoke,
)
from clients.models import Invitation, InvitationKind, Membership, PortalAccess, Role
from portal.middleware import SESSION_AGENCY_KEY
from portal.models import User
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


def invite_member(cast, email="newcomer@example.test", role=Role.STAFF, agency=None, by=None):
    return invitation_create(
        agency=agency or cast.agency,
        kind=InvitationKind.MEMBER,
        email=email,
        role=role,
        by=by or cast.owner,
    )


def invite_contact(cast, email="buyer@acme.test"):
    return invitation_create(
        agency=cast.agency,
        kind=InvitationKind.CONTACT,
        email=email,
        client=cast.client,
        by=cast.manager,
    )


def accept_url(token):
    return reverse("invitations:accept", args=[token])


def link_in(message):
    found = re.search(r"https?://\S+/invite/[\w-]+/", message.body)
    assert found, message.body
    return found.group(0)


# -- the email -----------------------------------------------------------------------------


def test_owner_invites_a_member_and_the_email_carries_a_single_use_link(
    cast, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agency:member_invite"), {"email": "New.Person@Example.test", "role": "manager"}
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.test"]
    assert "Olivia Owner invited you to Northwind Communications" in message.subject
    link = link_in(message)
    assert link.startswith(settings.SITE_URL + "/invite/")
    assert "as manager" in message.body
    token = link.rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.get(email="new.person@example.test")
    # Only the hash is stored: the link exists in the email and nowhere else.
    assert invitation.token_hash == Invitation.hash_token(token) != token
    assert not Invitation.objects.filter(token_hash=token).exists()
    page = client.get(reverse("agency:members")).content.decode()
    assert "Invitation sent to new.person@example.test as manager" in page
    assert "new.person@example.test" in page


def test_no_email_leaves_when_the_invitation_is_rolled_back(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        invite_member(cast)
        transaction.set_rollback(True)
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_contact_invitation_email_names_the_client(
    cast, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agency:portal_invite", kwargs={"client": cast.client.public_id}),
            {"email": "buyer@acme.test"},
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "client portal of Acme Foods" in mailoutbox[0].body
    assert "Acme Foods" in mailoutbox[0].subject
    invitation = Invitation.objects.get(email="buyer@acme.test")
    assert invitation.kind == InvitationKind.CONTACT and invitation.client == cast.client


def test_inviting_someone_already_in_the_agency_is_refused(cast, client):
    client.force_login(cast.owner)
    response = client.post(
        reverse("agency:member_invite"), {"email": "STAFF@northwind.test", "role": "staff"}
    )
    assert response.status_code == 200
    assert "staff@northwind.test is already a member of Northwind Communications" in (
        response.content.decode()
    )
    assert not Invitation.objects.exists()


def test_sending_again_replaces_the_previous_link(cast, client):
    _, old_token = invite_member(cast)
    _, new_token = invite_member(cast)
    assert client.get(accept_url(old_token)).status_code == 410
    assert client.get(accept_url(new_token)).status_code == 200


# -- accepting: who opens the link -----------------------------------------------------


def test_newcomer_signs_up_through_the_link_and_lands_in_the_agency(cast, client):
    invitation, token = invite_member(cast, role=Role.MANAGER)
    page = client.get(accept_url(token))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Olivia Owner" in body and "Northwind Communications" in body and "manager" in body
    assert 'value="newcomer@example.test"' in body and "disabled" in body

    response = client.post(
        accept_url(token),
        {
            # A different email in the POST is ignored: the invitation's is used.
            "email": "attacker@evil.test",
            "full_name": "Nina Newcomer",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    user = User.objects.get(email="newcomer@example.test")
    assert user.full_name == "Nina Newcomer" and user.check_password(NEW_PASSWORD)
    assert not User.objects.filter(email="attacker@evil.test").exists()
    assert Membership.objects.get(agency=cast.agency, user=user).role == Role.MANAGER
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    dashboard = client.get(reverse("portal:dashboard"))
    assert dashboard.status_code == 200
    assert "Welcome to Northwind Communications" in dashboard.content.decode()


def test_sign_up_needs_matching_sound_passwords(cast, client):
    _, token = invite_member(cast)
    response = client.post(
        accept_url(token),
        {"full_name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert "The two passwords differ" in response.content.decode()
    response = client.post(
        accept_url(token), {"full_name": "Nina", "password1": "12345678", "password2": "12345678"}
    )
    assert "This password is entirely numeric" in response.content.decode()
    assert not User.objects.filter(email="newcomer@example.test").exists()


def test_existing_account_is_asked_to_log_in_then_accepts(cast, client):
    make_user("known@example.test", "Kim Known")
    _, token = invite_member(cast, email="known@example.test")
    body = client.get(accept_url(token)).content.decode()
    assert "Log in to accept" in body
    login_link = reverse("accounts:login") + "?next=" + accept_url(token).replace("/", "%2F")
    assert login_link in body
    assert 'name="password1"' not in body

    client.force_login(User.objects.get(email="known@example.test"))
    body = client.get(accept_url(token)).content.decode()
    assert "Accept the invitation" in body
    response = client.post(accept_url(token))
    assert response.status_code == 302
    assert Membership.objects.filter(agency=cast.agency, user__email="known@example.test").exists()


def test_signed_in_as_someone_else_gets_a_clear_message_and_nothing_happens(cast, client):
    _, token = invite_member(cast)
    client.force_login(cast.outsider)
    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert (
        "This invitation was sent to newcomer@example.test, but you are logged in as "
        "owner@rival.test" in page.content.decode()
    )
    response = client.post(accept_url(token))
    assert response.status_code == 403
    assert not Membership.objects.filter(agency=cast.agency, user=cast.outsider).exists()
    assert Invitation.objects.get().status == "pending"
    # The page's "Log out" brings them back to the invitation, signed out.
    logout = client.post(reverse("accounts:logout"), {"next": accept_url(token)})
    assert logout["Location"] == accept_url(token)
    assert "Create your account" in client.get(accept_url(token)).content.decode()


def test_accepting_a_member_invitation_makes_that_agency_the_current_one(cast, client):
    # Sam already works at Northwind (first alphabetically); after joining Rival PR the
    # session points at Rival PR.
    _, token = invite_member(
        cast,
        email="staff@northwind.test",
        role=Role.MANAGER,
        agency=cast.other_agency,
        by=cast.outsider,
    )
    client.force_login(cast.staff)
    response = client.post(accept_url(token))
    assert response.status_code == 302
    assert client.session[SESSION_AGENCY_KEY] == str(cast.other_agency.public_id)
    body = client.get(reverse("portal:dashboard")).content.decode()
    assert "<h1>Rival PR</h1>" in body
    assert "Rival Client" in body and "Acme Foods" not in body


def test_client_contact_accepts_and_reaches_the_portal(cast, client):
    _, token = invite_contact(cast)
    response = client.post(
        accept_url(token),
        {"full_name": "Bea Buyer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clientportal:home")
    user = User.objects.get(email="buyer@acme.test")
    access = PortalAccess.objects.get(user=user)
    assert access.client == cast.client and access.granted_by == cast.manager
    assert not Membership.objects.filter(user=user).exists()
    portal = client.get(reverse("clientportal:home"))
    assert portal.status_code == 200 and "Acme Foods" in portal.content.decode()


# -- links that cannot be used -----------------------------------------------------------


def test_expired_invitation_is_refused_with_410(cast, client):
    invitation, token = invite_member(cast)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = client.get(accept_url(token))
    assert page.status_code == 410
    assert "This invitation has expired" in page.content.decode()
    response = client.post(
        accept_url(token),
        {"full_name": "Late Larry", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="newcomer@example.test").exists()
    with pytest.raises(InvitationError) as refused:
        invitation_accept(token=token, user=cast.unassigned_staff)
    assert refused.value.reason == "expired"


def test_used_invitation_is_refused_with_410(cast, client):
    _, token = invite_member(cast, email="unassigned@northwind.test", agency=cast.other_agency)
    invitation_accept(token=token, user=cast.unassigned_staff)
    client.force_login(cast.unassigned_staff)
    page = client.get(accept_url(token))
    assert page.status_code == 410
    assert "already been used" in page.content.decode()
    assert client.post(accept_url(token)).status_code == 410
    assert Membership.objects.filter(agency=cast.other_agency).count() == 2


def test_revoked_invitation_is_refused_with_410(cast, client):
    invitation, token = invite_member(cast)
    client.force_login(cast.owner)
    response = client.post(reverse("agency:invitation_revoke", kwargs={"pk": invitation.public_id}))
    assert response.status_code == 302
    assert "its link no longer works" in client.get(reverse("agency:members")).content.decode()
    client.logout()
    page = client.get(accept_url(token))
    assert page.status_code == 410
    assert "withdrawn" in page.content.decode()


def test_unknown_token_is_a_404_page(cast, client):
    invite_member(cast)
    page = client.get(accept_url("not-a-real-token"))
    assert page.status_code == 404
    assert "This invitation link is not valid" in page.content.decode()


# -- tenancy -------------------------------------------------------------------------------


def test_token_of_agency_a_only_ever_joins_agency_a(cast, client):
    """The link names no agency: whoever opens it, from whichever agency is current in
    their session, joins the agency that sent it and no other."""
    make_user("dual@example.test")
    dual = User.objects.get(email="dual@example.test")
    Membership.objects.create(agency=cast.other_agency, user=dual, role=Role.OWNER)
    _, token = invite_member(cast, email="dual@example.test", role=Role.STAFF)
    client.force_login(dual)
    session = client.session
    session[SESSION_AGENCY_KEY] = str(cast.other_agency.public_id)
    session.save()
    client.post(accept_url(token))
    assert Membership.objects.get(agency=cast.agency, user=dual).role == Role.STAFF
    # Their membership of agency B is untouched (still owner, not demoted to staff).
    assert Membership.objects.get(agency=cast.other_agency, user=dual).role == Role.OWNER
    assert Membership.objects.filter(agency=cast.other_agency).count() == 2


def test_owner_of_another_agency_cannot_revoke_or_see_the_invitation(cast, client):
    invitation, _ = invite_member(cast)
    client.force_login(cast.outsider)
    response = client.post(reverse("agency:invitation_revoke", kwargs={"pk": invitation.public_id}))
    assert response.status_code == 404
    assert Invitation.objects.get().status == "pending"
    assert "newcomer@example.test" not in client.get(reverse("agency:members")).content.decode()


def test_manager_revokes_contact_invitations_but_not_member_invitations(cast, client):
    member_inv, _ = invite_member(cast)
    contact_inv, _ = invite_contact(cast)
    client.force_login(cast.manager)
    response = client.post(
        reverse("agency:invitation_revoke", kwargs={"pk": member_inv.public_id}), follow=True
    )
    assert "owners can withdraw member invitations" in response.content.decode()
    member_inv.refresh_from_db()
    assert member_inv.status == "pending"
    team = reverse("agency:client_team", kwargs={"client": cast.client.public_id})
    response = client.post(
        reverse("agency:invitation_revoke", kwargs={"pk": contact_inv.public_id}), {"next": team}
    )
    assert response["Location"] == team
    contact_inv.refresh_from_db()
    assert contact_inv.status == "revoked"


def test_revoke_does_not_redirect_off_site(cast, client):
    invitation, _ = invite_member(cast)
    client.force_login(cast.owner)
    response = client.post(
        reverse("agency:invitation_revoke", kwargs={"pk": invitation.public_id}),
        {"next": "https://evil.test/"},
    )
    assert response["Location"] == reverse("agency:members")


def test_revoking_an_accepted_invitation_is_refused(cast):
    invitation, token = invite_member(
        cast, email="unassigned@northwind.test", agency=cast.other_agency
    )
    invitation_accept(token=token, user=cast.unassigned_staff)
    with pytest.raises(InvitationError, match="already accepted"):
        invitation_revoke(invitation=invitation, by=cast.outsider)


def test_a_contact_invitation_must_name_a_client_of_the_same_agency(cast):
    with pytest.raises(InvitationError, match="is not a client of Northwind"):
        invitation_create(
            agency=cast.agency,
            kind=InvitationKind.CONTACT,
            email="x@example.test",
            client=cast.other_client,
            by=cast.owner,
        )


# -- accepting twice -----------------------------------------------------------------------


def test_accepting_twice_creates_one_membership_and_the_second_call_fails_cleanly(cast):
    _, token = invite_member(cast, email="twice@example.test")
    user = make_user("twice@example.test")
    membership = invitation_accept(token=token, user=user)
    assert isinstance(membership, Membership)
    with pytest.raises(InvitationError) as second:
        invitation_accept(token=token, user=user)
    assert second.value.reason == "accepted" and second.value.status == 410
    assert "already been used" in second.value.message
    assert Membership.objects.filter(agency=cast.agency, user=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_create_exactly_one_portal_access(cast):
    """Two requests with the same link at the same moment: the compare-and-set claim
    lets exactly one through, whichever order the database serialises them in."""
    _, token = invite_contact(cast, email="race@acme.test")
    user = make_user("race@acme.test")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        barrier.wait(timeout=10)
        try:
            for _attempt in range(50):
                try:
                    invitation_accept(token=token, user=user)
                    outcomes.append("ok")
                    return
                except InvitationError as e:
                    outcomes.append(e.reason)
                    return
                except OperationalError:
                    # SQLite's shared in-memory test database reports a lock instead of
                    # waiting for it; the whole accept rolled back, so try again.
                    time.sleep(0.02)
            outcomes.append("stuck")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # One got through; the other was told the link had just been used.
    assert sorted(outcomes) == ["accepted", "ok"], outcomes
    assert PortalAccess.objects.filter(client=cast.client, user=user).count() == 1
