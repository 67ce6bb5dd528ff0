"""vCard 3.0 of a stakeholder contact: content, and escaping that keeps every value
inside its own property."""

from __future__ import annotations

import pytest

from clients.models import Contact
from clients.vcard import contact_vcard, escape_text, vcard_filename

pytestmark = pytest.mark.django_db


def lines(contact: Contact) -> list[str]:
    text = contact_vcard(contact=contact)
    assert text.endswith("\r\n")
    return text[:-2].split("\r\n")


def prop(contact: Contact, name: str) -> list[str]:
    return [
        line.split(":", 1)[1]
        for line in lines(contact)
        if line.split(":", 1)[0].split(";")[0] == name
    ]


def test_vcard_has_the_contacts_details(cast):
    c = cast.contact
    c.role = "Health editor"
    c.phone = "+44 20 7946 0000"
    c.reach = 1_200_000
    c.tags = "national, print"
    c.save()
    out = lines(c)
    assert out[0] == "BEGIN:VCARD" and out[1] == "VERSION:3.0" and out[-1] == "END:VCARD"
    assert f"UID:urn:uuid:{c.public_id}" in out
    assert "FN:Jane Reporter" in out
    assert "N:Reporter;Jane;;;" in out
    assert "ORG:Daily Planet" in out
    assert "TITLE:Health editor" in out
    assert "EMAIL;TYPE=INTERNET:jane@planet.test" in out
    assert "TEL;TYPE=VOICE:+44 20 7946 0000" in out
    assert "CATEGORIES:Media,national,print" in out
    note = prop(c, "NOTE")[0]
    assert "Audience reach: 1\\,200\\,000" in note
    assert "Notify from severity 3 — Major" in note
    assert any(line.startswith("REV:") and line.endswith("Z") for line in out)


def test_empty_fields_are_left_out(cast):
    bare = Contact.objects.create(client=cast.client, name="Desk")
    names = {line.split(":")[0].split(";")[0] for line in lines(bare)}
    assert not names & {"ORG", "TITLE", "EMAIL", "TEL", "URL"}
    assert "N:Desk;;;;" in lines(bare)


def test_special_characters_are_escaped(cast):
    c = Contact.objects.create(
        client=cast.client,
        name="Smith, John; Jr.",
        organisation="Back\\slash, Comma; Semi",
        notes="line one\nline two\r\nline three\rfour",
        tags="a,b",
    )
    assert "FN:Smith\\, John\\; Jr." in lines(c)
    assert "N:Smith;John\\; Jr.;;;" in lines(c)
    assert "ORG:Back\\\\slash\\, Comma\\; Semi" in lines(c)
    note = prop(c, "NOTE")[0]
    assert "line one\\nline two\\nline three\\nfour" in note
    # Commas inside one category are escaped; the separators between categories are not.
    assert "CATEGORIES:Media,a,b" in lines(c)


def test_a_newline_in_a_value_cannot_inject_a_property(cast):
    c = Contact.objects.create(
        client=cast.client,
        name="Eve\r\nEMAIL:attacker@evil.test\nEND:VCARD",
        notes="x\nBEGIN:VCARD",
    )
    out = lines(c)
    assert out.count("BEGIN:VCARD") == 1 and out.count("END:VCARD") == 1
    assert not any(line.startswith("EMAIL") for line in out)
    assert "FN:Eve\\nEMAIL:attacker@evil.test\\nEND:VCARD" in out


def test_url_like_handles_become_urls(cast):
    c = cast.contact
    c.social_handles = "@jane, linkedin.com/in/jane, https://mastodon.social/@jane"
    c.save()
    assert prop(c, "URL") == ["https://linkedin.com/in/jane", "https://mastodon.social/@jane"]
    assert (
        "Social: @jane\\, linkedin.com/in/jane\\, https://mastodon.social/@jane"
        in prop(c, "NOTE")[0]
    )


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a,b", "a\\,b"),
        ("a;b", "a\\;b"),
        ("a\\b", "a\\\\b"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\nb"),
    ],
)
def test_escape_text(raw, escaped):
    assert escape_text(raw) == escaped


def test_filename_is_the_slugged_name(cast):
    assert vcard_filename(contact=cast.contact) == "jane-reporter.vcf"
    assert vcard_filename(contact=Contact(name="!!!")) == "contact.vcf"
