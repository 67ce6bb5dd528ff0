"""CSV import and export of stakeholder contacts: bad rows reported by line and nothing
saved, duplicate emails, encodings, size and row caps, formula injection, round trip."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from clients import contacts_csv
from clients.contacts_csv import (
    contacts_export,
    contacts_import,
    export_filename,
    neutralise_cell,
)
from clients.models import Contact

pytestmark = pytest.mark.django_db


def imported(cast, text: str | bytes, client=None):
    data = text.encode() if isinstance(text, str) else text
    return contacts_import(client=client or cast.client, data=data, by=cast.staff)


def names(client):
    return sorted(Contact.objects.filter(client=client).values_list("name", flat=True))


def export_text(contacts) -> str:
    out = io.StringIO()
    contacts_export(contacts=contacts, out=out)
    return out.getvalue()


# -- a good file ----------------------------------------------------------------------------


def test_a_good_file_creates_every_contact(cast):
    result = imported(
        cast,
        "name,kind,organisation,email,reach,notify_from_severity,tags\n"
        'Ana Anchor,Media,TV One,ana@tv.test,"1,200,000",2,"tv, national"\n'
        "Rex Regulator,regulator,Food Agency,rex@gov.test,,1,\n"
        "Ivy,influencer,,,12.5k,,\n",
    )
    assert result.ok, result.errors
    assert result.created == 3
    ana = Contact.objects.get(email="ana@tv.test")
    assert ana.client == cast.client
    assert ana.kind == "media" and ana.reach == 1_200_000 and ana.notify_from_severity == 2
    assert ana.tag_list == ["tv", "national"]
    ivy = Contact.objects.get(name="Ivy")
    assert ivy.reach == 12_500 and ivy.notify_from_severity == 3  # the default


def test_columns_may_come_in_any_order_with_other_spellings(cast):
    result = imported(
        cast,
        "Email Address;Organization;Full Name;Job Title;Severity\n"
        "li@x.test;Paper;Li Wei;Editor;4 — Critical\n",
    )
    assert result.ok, result.errors
    li = Contact.objects.get(email="li@x.test")
    assert (li.name, li.organisation, li.role, li.notify_from_severity) == (
        "Li Wei",
        "Paper",
        "Editor",
        4,
    )


def test_blank_lines_are_skipped_and_quoted_newlines_kept(cast):
    result = imported(cast, 'name,notes\n\nAna,"line one\nline two"\n\n')
    assert result.ok, result.errors
    assert Contact.objects.get(name="Ana").notes == "line one\nline two"


# -- bad rows: by line number, and nothing saved --------------------------------------------


def test_bad_rows_are_reported_by_line_number_and_nothing_is_saved(cast):
    result = imported(
        cast,
        "name,kind,email,reach,notify_from_severity\n"  # line 1
        "Good One,media,good1@x.test,10,3\n"  # line 2
        ",media,noname@x.test,,\n"  # line 3: no name
        "Bad Email,media,not-an-email,,\n"  # line 4
        "Bad Kind,journalist,bk@x.test,,\n"  # line 5
        "Bad Reach,media,br@x.test,lots,\n"  # line 6
        "Bad Severity,media,bs@x.test,,7\n"  # line 7
        "Good Two,media,good2@x.test,,\n",  # line 8
    )
    assert not result.ok
    assert result.created == 0
    text = "\n".join(result.errors)
    assert "Line 3: Name: This field is required." in text
    assert "Line 4: Email: Enter a valid email address." in text
    assert "Line 5: “journalist” is not a kind of contact" in text
    assert "Line 6: Audience reach: Enter a whole number." in text
    assert "Line 7: Notify from severity: Select a valid choice." in text
    assert not any(e.startswith(("Line 2:", "Line 8:")) for e in result.errors)
    assert names(cast.client) == ["Jane Reporter"]


def test_line_numbers_count_physical_lines_of_multiline_cells(cast):
    result = imported(cast, 'name,notes,email\nAna,"a\nb\nc",ana@x.test\nBo,,nope\n')
    assert result.errors == ["Line 5: Email: Enter a valid email address."]


def test_a_row_with_too_many_cells_is_reported(cast):
    result = imported(cast, "name,email\nSmith, John,john@x.test\n")
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Line 2: 3 cells but the header has 2 columns")
    assert names(cast.client) == ["Jane Reporter"]


def test_unknown_or_missing_header_columns_are_refused_on_line_1(cast):
    result = imported(cast, "email,favourite colour\nx@x.test,red\n")
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.startswith("Line 1:")
    assert "unknown column “favourite colour”" in error
    assert "a “name” column is required" in error
    assert "Known columns: name, kind" in error


def test_a_header_alone_imports_nothing_and_says_so(cast):
    assert imported(cast, "name,email\n").errors == ["The file has a header but no contacts."]


def test_an_empty_file_is_refused(cast):
    assert imported(cast, b"").errors == ["The file is empty."]
    assert imported(cast, b"\n\n  \n").errors == ["The file is empty."]


def test_many_problems_are_capped_in_the_report(cast):
    rows = "".join(f"Row {i},martian\n" for i in range(150))
    result = imported(cast, "name,kind\n" + rows)
    assert len(result.errors) == contacts_csv.MAX_REPORTED_ERRORS + 1
    assert result.errors[-1] == "… and 50 more problems."


# -- duplicate emails -------------------------------------------------------------------------


def test_duplicate_emails_within_the_file_are_reported_with_both_lines(cast):
    result = imported(cast, "name,email\nAna,ana@x.test\nBo,bo@x.test\nAna Again,ANA@x.test\n")
    assert result.errors == ["Line 4: the email ANA@x.test is already on line 2."]
    assert names(cast.client) == ["Jane Reporter"]


def test_emails_of_existing_contacts_are_reported(cast):
    result = imported(cast, "name,email\nJ. Reporter,Jane@Planet.test\n")
    assert result.errors == [
        "Line 2: a contact with the email Jane@Planet.test already exists for Acme Foods "
        "(Jane Reporter)."
    ]
    assert Contact.objects.filter(client=cast.client).count() == 1


def test_an_existing_email_of_another_client_is_no_duplicate(cast):
    result = imported(
        cast, "name,email\nRJ,rj@rival.test\nJane,jane@planet.test\n", cast.second_client
    )
    assert result.ok, result.errors
    assert result.created == 2


def test_contacts_without_email_are_not_duplicates_of_each_other(cast):
    result = imported(cast, "name,email\nDesk A,\nDesk B,\n")
    assert result.ok and result.created == 2


# -- encodings ---------------------------------------------------------------------------------


def test_windows_1252_file_with_accents_imports_correctly(cast):
    data = "name,organisation,notes\nJosé Núñez,Le Monde,“café” – 5 €\n".encode("cp1252")
    result = imported(cast, data)
    assert result.ok, result.errors
    assert result.encoding == "Windows-1252"
    jose = Contact.objects.get(organisation="Le Monde")
    assert jose.name == "José Núñez"
    assert jose.notes == "“café” – 5 €"


def test_latin_1_bytes_undefined_in_windows_1252_still_decode(cast):
    data = "name\nSøren\x81\n".encode("latin-1")
    result = imported(cast, data)
    assert result.ok, result.errors
    assert result.encoding == "Latin-1"


def test_utf8_with_bom_imports_and_the_bom_is_not_part_of_the_first_column(cast):
    data = "\ufeffname,email\nZoë Zhang,zoe@x.test\n".encode()
    result = imported(cast, data)
    assert result.ok, result.errors
    assert result.encoding == "UTF-8"
    assert Contact.objects.get(email="zoe@x.test").name == "Zoë Zhang"


def test_utf8_without_bom_is_read_as_utf8_not_windows_1252(cast):
    result = imported(cast, "name\nŁukasz Żółć\n".encode())
    assert result.ok and result.encoding == "UTF-8"
    assert names(cast.client) == ["Jane Reporter", "Łukasz Żółć"]


def test_utf16_with_bom_from_excel_unicode_text_imports(cast):
    result = imported(cast, "name\temail\nÅsa\tasa@x.test\n".encode("utf-16"))
    assert result.ok, result.errors
    assert Contact.objects.get(email="asa@x.test").name == "Åsa"


def test_binary_garbage_is_refused_with_a_clear_message(cast):
    garbage = bytes(range(256)) * 40
    result = imported(cast, garbage)
    assert len(result.errors) == 1
    assert "does not look like a CSV text file" in result.errors[0]
    assert names(cast.client) == ["Jane Reporter"]


def test_a_spreadsheet_file_uploaded_instead_of_csv_is_refused(cast):
    xlsx_like = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(200)) * 5
    result = imported(cast, xlsx_like)
    assert "does not look like a CSV text file" in result.errors[0]


# -- caps --------------------------------------------------------------------------------------


def test_a_file_over_the_size_cap_is_refused(cast, monkeypatch):
    monkeypatch.setattr(contacts_csv, "MAX_IMPORT_BYTES", 100)
    result = imported(cast, "name\n" + "A long enough name\n" * 10)
    assert len(result.errors) == 1 and "larger than" in result.errors[0]


def test_a_file_over_the_row_cap_is_refused_and_nothing_saved(cast, monkeypatch):
    monkeypatch.setattr(contacts_csv, "MAX_IMPORT_ROWS", 3)
    result = imported(cast, "name\nA\nB\nC\nD\n")
    assert result.errors == ["The file has more than 3 contacts. Split it into smaller files."]
    assert names(cast.client) == ["Jane Reporter"]


def test_the_real_caps_are_2_mb_and_5000_rows():
    assert contacts_csv.MAX_IMPORT_BYTES == 2 * 1024 * 1024
    assert contacts_csv.MAX_IMPORT_ROWS == 5_000


# -- export: formula injection, filename, round trip -------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(cell, expected):
    assert neutralise_cell(cell) == expected


def test_export_neutralises_formula_injection_in_every_field(cast):
    evil = Contact.objects.create(
        client=cast.client,
        name="=cmd|' /C calc'!A0",
        organisation="+SUM(1,2)",
        role="-1",
        phone="+44 20 7946 0000",
        social_handles="@evil",
        tags='=HYPERLINK("http://x.test")',
        notes="@notes",
    )
    rows = list(csv.DictReader(io.StringIO(export_text([evil]).lstrip("\ufeff"))))
    row = rows[0]
    assert row["name"] == "'=cmd|' /C calc'!A0"
    assert row["organisation"] == "'+SUM(1,2)"
    assert row["role"] == "'-1"
    assert row["phone"] == "'+44 20 7946 0000"
    assert row["social_handles"] == "'@evil"
    assert row["tags"] == '\'=HYPERLINK("http://x.test")'
    assert row["notes"] == "'@notes"
    # No cell of the file starts with a formula character.
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_export_has_every_field_and_a_bom_for_excel(cast):
    text = export_text(Contact.objects.filter(client=cast.client))
    assert text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header == [
        "name",
        "kind",
        "organisation",
        "role",
        "email",
        "phone",
        "social_handles",
        "reach",
        "notify_from_severity",
        "tags",
        "notes",
        "created_at",
        "updated_at",
    ]


def test_export_filename_is_the_client_slug_and_date(cast):
    assert (
        export_filename(client=cast.client, on=date(2025, 3, 9))
        == "acme-foods-contacts-2025-03-09.csv"
    )


def test_export_then_import_round_trips_every_field(cast):
    Contact.objects.create(
        client=cast.client,
        name="Ana Anchor",
        kind="influencer",
        organisation="Ünïcode Media; “Quotes”, Inc.",
        role="Host",
        email="ana@tv.test",
        phone="+1 555 0100",
        social_handles="@ana, linkedin.com/in/ana",
        reach=250_000,
        notify_from_severity=1,
        tags="tv, national",
        notes='Line one\nLine two, with "quotes"\n=not a formula',
    )
    Contact.objects.create(client=cast.client, name="-Dash Desk", kind="internal")
    data = export_text(Contact.objects.filter(client=cast.client)).encode()

    result = contacts_import(client=cast.second_client, data=data, by=cast.owner)
    assert result.ok, result.errors
    assert result.created == 3

    fields = [
        "name",
        "kind",
        "organisation",
        "role",
        "email",
        "phone",
        "social_handles",
        "reach",
        "notify_from_severity",
        "tags",
        "notes",
    ]
    before = list(Contact.objects.filter(client=cast.client).order_by("name").values(*fields))
    after = list(Contact.objects.filter(client=cast.second_client).order_by("name").values(*fields))
    assert after == before


def test_importing_an_export_into_the_same_client_reports_the_duplicates(cast):
    data = export_text(Contact.objects.filter(client=cast.client)).encode()
    result = imported(cast, data)
    assert result.errors == [
        "Line 2: a contact with the email jane@planet.test already exists for Acme Foods "
        "(Jane Reporter)."
    ]
