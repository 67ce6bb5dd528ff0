"""Stakeholder contacts pages: list (search, filters, sort, pagination, empty states),
create (full page and inline with htmx), inline row edit, edit, delete, vCard, export
and import pages, and who may do what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import Contact

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, cast, contact=None, **extra):
    kwargs = {"client": cast.client.public_id}
    if contact is not None:
        kwargs["pk"] = contact.public_id
    return reverse(f"clients:{name}", kwargs=kwargs)


def add(cast, name, **fields):
    return Contact.objects.create(client=cast.client, name=name, **fields)


# -- list -------------------------------------------------------------------------------


def test_list_shows_the_clients_contacts_and_counts_per_kind(cast, client):
    add(cast, "Ian Insider", kind="internal")
    client.force_login(cast.staff)
    response = client.get(url("contacts", cast))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Jane Reporter" in body and "Ian Insider" in body
    assert "Rival Journalist" not in body
    assert 'id="contact-counts"' in body
    assert "<strong>1</strong> internal" in body
    assert "<strong>2</strong> in all" in body


def test_list_has_the_inline_add_form_and_the_table_body(cast, client):
    client.force_login(cast.staff)
    body = client.get(url("contacts", cast)).content.decode()
    assert 'id="contact-add-form"' in body
    assert 'id="contact-rows"' in body
    for field in ("add-name", "add-kind", "add-email"):
        assert f'for="{field}"' in body


def test_read_only_staff_sees_the_list_without_write_actions(cast, client):
    client.force_login(cast.readonly_staff)
    response = client.get(url("contacts", cast))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Jane Reporter" in body
    assert 'id="contact-add-form"' not in body
    assert url("contacts_import", cast) not in body
    assert url("contact_edit", cast, cast.contact) not in body


def test_search_matches_name_organisation_email_role_tags_and_handles(cast, client):
    add(cast, "Tom Trade", organisation="Grocer Weekly", role="Editor", tags="trade, print")
    add(cast, "Ivy Influencer", kind="influencer", social_handles="@ivyeats")
    client.force_login(cast.staff)
    for q, expected in [
        ("grocer", "Tom Trade"),
        ("editor", "Tom Trade"),
        ("print", "Tom Trade"),
        ("@ivyeats", "Ivy Influencer"),
        ("planet.test", "Jane Reporter"),
        ("daily planet", "Jane Reporter"),
    ]:
        body = client.get(url("contacts", cast), {"q": q}).content.decode()
        assert expected in body, q
        others = {"Tom Trade", "Ivy Influencer", "Jane Reporter"} - {expected}
        assert not any(f">{o}</a>" in body for o in others), q


def test_filters_by_kind_severity_and_tag(cast, client):
    add(cast, "Rex Regulator", kind="regulator", notify_from_severity=1, tags="food safety")
    add(cast, "Pat Partner", kind="partner", notify_from_severity=4, tags="supply, Food Safety")
    client.force_login(cast.staff)

    body = client.get(url("contacts", cast), {"kind": "regulator"}).content.decode()
    assert ">Rex Regulator</a>" in body and ">Pat Partner</a>" not in body

    # Who must hear about a severity-2 incident: thresholds 1 and 2 only.
    body = client.get(url("contacts", cast), {"severity": "2"}).content.decode()
    assert ">Rex Regulator</a>" in body
    assert ">Pat Partner</a>" not in body and ">Jane Reporter</a>" not in body

    body = client.get(url("contacts", cast), {"tag": "food safety"}).content.decode()
    assert ">Rex Regulator</a>" in body and ">Pat Partner</a>" in body
    assert ">Jane Reporter</a>" not in body

    body = client.get(url("contacts", cast), {"tag": "supply"}).content.decode()
    assert ">Pat Partner</a>" in body and ">Rex Regulator</a>" not in body


def test_a_nonsense_filter_value_is_ignored_not_a_server_error(cast, client):
    client.force_login(cast.staff)
    response = client.get(url("contacts", cast), {"kind": "alien", "severity": "9", "page": "x"})
    assert response.status_code == 200
    assert "Jane Reporter" in response.content.decode()


def test_sort_by_reach_puts_the_largest_audience_first(cast, client):
    add(cast, "Small Blog", reach=100)
    add(cast, "Big Network", reach=2_000_000)
    client.force_login(cast.staff)
    body = client.get(url("contacts", cast), {"sort": "reach"}).content.decode()
    assert body.index("Big Network") < body.index("Small Blog") < body.index("Jane Reporter")
    assert "2,000,000" in body


def test_list_is_paginated_by_25_and_keeps_the_filters(cast, client):
    for i in range(30):
        add(cast, f"Reporter {i:02d}", kind="media", email=f"r{i}@news.test")
    client.force_login(cast.staff)
    first = client.get(url("contacts", cast), {"kind": "media"}).content.decode()
    assert first.count('class="contact-row"') == 25
    assert "Page 1 of 2" in first
    assert "?kind=media&amp;page=2" in first
    second = client.get(url("contacts", cast), {"kind": "media", "page": "2"}).content.decode()
    assert second.count('class="contact-row"') == 6  # 31 media contacts in all


def test_htmx_filter_request_gets_only_the_table(cast, client):
    client.force_login(cast.staff)
    response = client.get(url("contacts", cast), {"q": "jane"}, **HTMX)
    body = response.content.decode()
    assert 'id="contact-rows"' in body and "Jane Reporter" in body
    assert "<html" not in body and 'id="contact-add-form"' not in body


def test_history_restore_gets_the_full_page(cast, client):
    client.force_login(cast.staff)
    response = client.get(url("contacts", cast), **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_empty_states_tell_no_contacts_yet_from_no_match(cast, client):
    client.force_login(cast.staff)
    body = client.get(url("contacts", cast), {"q": "nobody-like-this"}).content.decode()
    assert "No contact matches these filters" in body
    assert "No contacts yet" not in body

    cast.contact.delete()
    body = client.get(url("contacts", cast)).content.decode()
    assert "No contacts yet" in body
    assert url("contacts_import", cast) in body  # an action to get started


def test_read_only_staff_empty_state_offers_no_actions(cast, client):
    cast.contact.delete()
    client.force_login(cast.readonly_staff)
    body = client.get(url("contacts", cast)).content.decode()
    assert "No contacts yet" in body
    assert url("contact_create", cast) not in body


# -- create ------------------------------------------------------------------------------


def test_full_page_create_adds_the_contact_and_returns_to_the_list(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("contact_create", cast),
        {
            "name": "  Nora   News ",
            "kind": "media",
            "email": "nora@news.test",
            "reach": "12.5k",
            "notify_from_severity": "2",
            "tags": "tv; national, TV",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("contacts", cast)
    nora = Contact.objects.get(email="nora@news.test")
    assert nora.client == cast.client
    assert nora.name == "Nora News"
    assert nora.reach == 12_500
    assert nora.tags == "tv, national"


def test_inline_add_with_htmx_returns_a_fresh_form_and_the_new_row(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("contact_create", cast),
        {
            "name": "Ola Online",
            "kind": "influencer",
            "email": "ola@web.test",
            "notify_from_severity": "3",
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    ola = Contact.objects.get(email="ola@web.test")
    assert f'id="contact-{ola.public_id}"' in body
    assert 'hx-swap-oob="afterbegin:#contact-rows"' in body
    assert 'id="contact-add-form"' in body
    assert "Added Ola Online" in body
    assert 'hx-swap-oob="true"' in body  # the counts follow


def test_inline_add_with_errors_returns_the_form_with_its_errors(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("contact_create", cast),
        {"name": "", "kind": "media", "email": "not-an-email", "notify_from_severity": "3"},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="contact-add-form"' in body
    assert "This field is required." in body
    assert "Enter a valid email address." in body
    assert "contact-rows" not in body
    assert Contact.objects.filter(client=cast.client).count() == 1


def test_duplicate_email_is_refused_whatever_its_case(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("contact_create", cast),
        {
            "name": "Jane Again",
            "kind": "media",
            "email": "JANE@Planet.test",
            "notify_from_severity": "3",
        },
    )
    assert response.status_code == 200
    assert "A contact with this email already exists for Acme Foods" in response.content.decode()
    assert not Contact.objects.filter(name="Jane Again").exists()


def test_a_duplicate_that_slips_past_validation_is_a_form_error_not_a_crash(cast):
    from clients.contact_forms import ContactForm
    from portal.scoping import Scope

    form = ContactForm(
        {"name": "Twin", "kind": "media", "email": "twin@x.test", "notify_from_severity": "3"},
        client=cast.client,
        scope=Scope(kind="member", user=cast.owner, agency=cast.agency, role="owner"),
    )
    assert form.is_valid()
    add(cast, "Twin first", email="twin@x.test")  # saved meanwhile, by someone else
    assert form.save_or_error() is None
    assert "already exists for Acme Foods" in form.errors["email"][0]


def test_same_email_may_be_a_contact_of_another_client(cast, client):
    client.force_login(cast.owner)
    response = client.post(
        reverse("clients:contact_create", kwargs={"client": cast.second_client.public_id}),
        {
            "name": "Jane Reporter",
            "kind": "media",
            "email": "jane@planet.test",
            "notify_from_severity": "3",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.filter(email="jane@planet.test").count() == 2


# -- inline row edit, edit, delete --------------------------------------------------------


def test_row_edit_gives_the_row_as_a_form_for_htmx(cast, client):
    client.force_login(cast.staff)
    response = client.get(url("contact_row", cast, cast.contact), **HTMX)
    body = response.content.decode()
    assert 'class="contact-row editing"' in body
    assert f'form="row-form-{cast.contact.public_id}"' in body
    assert 'value="Jane Reporter"' in body


def test_row_edit_without_htmx_is_the_full_edit_page(cast, client):
    client.force_login(cast.staff)
    response = client.get(url("contact_row", cast, cast.contact))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Edit Jane Reporter" in body
    assert f'action="{url("contact_edit", cast, cast.contact)}"' in body


def test_row_save_returns_the_row_and_keeps_fields_it_does_not_show(cast, client):
    cast.contact.phone = "+44 20 7946 0000"
    cast.contact.save()
    client.force_login(cast.staff)
    response = client.post(
        url("contact_row", cast, cast.contact),
        {
            "name": "Jane Reporter",
            "kind": "media",
            "organisation": "Evening Planet",
            "email": "jane@planet.test",
            "notify_from_severity": "2",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert "Evening Planet" in body and "editing" not in body
    cast.contact.refresh_from_db()
    assert cast.contact.organisation == "Evening Planet"
    assert cast.contact.phone == "+44 20 7946 0000"
    assert cast.contact.notes == "Internal: prefers calls before 10am"


def test_row_save_with_errors_returns_the_edit_row_with_them(cast, client):
    add(cast, "Other", email="other@x.test")
    client.force_login(cast.staff)
    response = client.post(
        url("contact_row", cast, cast.contact),
        {"name": "Jane", "kind": "media", "email": "other@x.test", "notify_from_severity": "3"},
        **HTMX,
    )
    body = response.content.decode()
    assert "editing" in body
    assert "A contact with this email already exists for Acme Foods" in body
    cast.contact.refresh_from_db()
    assert cast.contact.name == "Jane Reporter"


def test_row_cancel_gives_the_plain_row_back(cast, client):
    client.force_login(cast.staff)
    response = client.get(url("contact_row", cast, cast.contact), {"cancel": "1"}, **HTMX)
    assert "editing" not in response.content.decode()
    assert "Jane Reporter" in response.content.decode()


def test_edit_page_saves_every_field(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("contact_edit", cast, cast.contact),
        {
            "name": "Jane Reporter",
            "kind": "media",
            "email": "jane@planet.test",
            "phone": "+1 555 0100",
            "social_handles": "@jane, linkedin.com/in/jane",
            "notify_from_severity": "1",
            "notes": "Call first",
        },
    )
    assert response.status_code == 302
    cast.contact.refresh_from_db()
    assert cast.contact.handle_list == ["@jane", "linkedin.com/in/jane"]
    assert cast.contact.notify_from_severity == 1


def test_edit_page_may_keep_the_contacts_own_email(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("contact_edit", cast, cast.contact),
        {
            "name": "Jane R.",
            "kind": "media",
            "email": "Jane@planet.test",
            "notify_from_severity": "3",
        },
    )
    assert response.status_code == 302


def test_delete_asks_then_deletes(cast, client):
    client.force_login(cast.staff)
    page = client.get(url("contact_delete", cast, cast.contact))
    assert "Delete Jane Reporter?" in page.content.decode()
    assert Contact.objects.filter(pk=cast.contact.pk).exists()
    response = client.post(url("contact_delete", cast, cast.contact))
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=cast.contact.pk).exists()


def test_delete_with_htmx_returns_nothing_so_the_row_goes(cast, client):
    client.force_login(cast.staff)
    response = client.post(url("contact_delete", cast, cast.contact), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    # Nothing for the row (it goes), and the counts out of band.
    assert "contact-row" not in body
    assert 'id="contact-counts"' in body and 'hx-swap-oob="true"' in body
    assert "<strong>0</strong> in all" in body
    assert not Contact.objects.filter(pk=cast.contact.pk).exists()


# -- detail, vCard, export, import pages ----------------------------------------------------


def test_detail_shows_the_internal_notes_to_agency_staff(cast, client):
    client.force_login(cast.readonly_staff)
    body = client.get(url("contact_detail", cast, cast.contact)).content.decode()
    assert "prefers calls before 10am" in body
    assert url("contact_edit", cast, cast.contact) not in body


def test_vcard_download(cast, client):
    client.force_login(cast.readonly_staff)
    response = client.get(url("contact_vcard", cast, cast.contact))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/vcard")
    assert 'filename="jane-reporter.vcf"' in response["Content-Disposition"]
    assert "FN:Jane Reporter" in response.content.decode()


def test_export_downloads_a_dated_csv_of_the_clients_contacts(cast, client):
    client.force_login(cast.readonly_staff)
    response = client.get(url("contacts_export", cast))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="acme-foods-contacts-' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "Jane Reporter" in text and "Rival Journalist" not in text


def test_export_applies_the_lists_filters(cast, client):
    add(cast, "Rex Regulator", kind="regulator")
    client.force_login(cast.staff)
    text = client.get(url("contacts_export", cast), {"kind": "regulator"}).content.decode()
    assert "Rex Regulator" in text and "Jane Reporter" not in text


def test_import_page_documents_the_columns(cast, client):
    client.force_login(cast.staff)
    body = client.get(url("contacts_import", cast)).content.decode()
    for column in ("name", "kind", "notify_from_severity", "social_handles", "reach"):
        assert f"<code>{column}</code>" in body


def test_import_page_saves_a_good_file(cast, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.staff)
    upload = SimpleUploadedFile("people.csv", b"name,email\nAna,ana@x.test\nBo,bo@x.test\n")
    response = client.post(url("contacts_import", cast), {"file": upload})
    assert response.status_code == 302
    assert Contact.objects.filter(client=cast.client).count() == 3


def test_import_page_lists_problems_by_line_and_saves_nothing(cast, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.staff)
    upload = SimpleUploadedFile("people.csv", b"name,email\nAna,ana@x.test\n,bo@x.test\n")
    response = client.post(url("contacts_import", cast), {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was imported from people.csv" in body
    assert "Line 3: Name: This field is required." in body
    assert Contact.objects.filter(client=cast.client).count() == 1


def test_import_page_without_a_file_says_so(cast, client):
    client.force_login(cast.staff)
    response = client.post(url("contacts_import", cast), {})
    assert "This field is required." in response.content.decode()


# -- who may do what ----------------------------------------------------------------------


WRITES = [
    ("get", "contact_create", False),
    ("post", "contact_create", False),
    ("get", "contact_edit", True),
    ("post", "contact_edit", True),
    ("get", "contact_row", True),
    ("post", "contact_row", True),
    ("get", "contact_delete", True),
    ("post", "contact_delete", True),
    ("get", "contacts_import", False),
    ("post", "contacts_import", False),
]


@pytest.mark.parametrize(("method", "name", "with_pk"), WRITES)
def test_read_only_staff_get_403_on_writes(cast, client, method, name, with_pk):
    client.force_login(cast.readonly_staff)
    target = url(name, cast, cast.contact if with_pk else None)
    data = {"name": "X", "kind": "media", "notify_from_severity": "3"}
    response = getattr(client, method)(target, data) if method == "post" else client.get(target)
    assert response.status_code == 403
    assert Contact.objects.filter(pk=cast.contact.pk, name="Jane Reporter").exists()


@pytest.mark.parametrize(
    "name", ["contact_detail", "contact_edit", "contact_row", "contact_delete", "contact_vcard"]
)
def test_another_agencys_contact_is_404(cast, client, name):
    client.force_login(cast.owner)
    # Our client in the URL, their contact as the object.
    target = reverse(
        f"clients:{name}",
        kwargs={"client": cast.client.public_id, "pk": cast.other_contact.public_id},
    )
    assert client.get(target).status_code == 404
    # Their client in the URL.
    target = reverse(
        f"clients:{name}",
        kwargs={"client": cast.other_client.public_id, "pk": cast.other_contact.public_id},
    )
    assert client.get(target).status_code == 404


def test_a_contact_of_another_client_of_the_same_agency_is_404_under_this_client(cast, client):
    theirs = Contact.objects.create(client=cast.second_client, name="Blue Air Press")
    client.force_login(cast.owner)
    assert client.get(url("contact_detail", cast, theirs)).status_code == 404
    assert client.post(url("contact_delete", cast, theirs)).status_code == 404
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_unassigned_staff_and_outsiders_get_404_on_the_list(cast, client):
    for user in (cast.unassigned_staff, cast.outsider):
        client.force_login(user)
        assert client.get(url("contacts", cast)).status_code == 404
        assert client.get(url("contacts_export", cast)).status_code == 404


def test_outsider_cannot_delete_our_contact(cast, client):
    client.force_login(cast.outsider)
    assert client.post(url("contact_delete", cast, cast.contact)).status_code == 404
    assert Contact.objects.filter(pk=cast.contact.pk).exists()
