"""vCard 3.0 (RFC 2426) of one stakeholder contact, for address books and phones.

3.0 rather than 4.0 because it is what Outlook, Apple Contacts and Android import without
complaint. Text values are escaped (backslash, comma, semicolon, newlines) so a value can
never start a new property; lines are not folded (RFC 2426 allows unfolded lines and every
reader we target accepts them).
"""

from __future__ import annotations

from datetime import UTC

from django.utils.text import slugify

from clients.models import Contact


def escape_text(value: str) -> str:
    """RFC 2426 §4 / RFC 6350 §3.4: escape \\ , ; and turn any newline into \\n."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _structured(*parts: str) -> str:
    return ";".join(escape_text(p) for p in parts)


def _split_name(name: str) -> tuple[str, str]:
    """(family, given): "Smith, John" as written, else the last word as family name."""
    if "," in name:
        family, given = name.split(",", 1)
        return family.strip(), given.strip()
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return words[-1], " ".join(words[:-1])


def _looks_like_url(handle: str) -> bool:
    return handle.startswith(("http://", "https://")) or (
        "/" in handle and "." in handle.split("/", 1)[0] and not handle.startswith("@")
    )


def contact_vcard(*, contact: Contact) -> str:
    family, given = _split_name(contact.name)
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"UID:urn:uuid:{contact.public_id}",
        f"FN:{escape_text(contact.name)}",
        f"N:{_structured(family, given, '', '', '')}",
    ]
    if contact.organisation:
        lines.append(f"ORG:{escape_text(contact.organisation)}")
    if contact.role:
        lines.append(f"TITLE:{escape_text(contact.role)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape_text(contact.email)}")
    if contact.phone:
        lines.append(f"TEL;TYPE=VOICE:{escape_text(contact.phone)}")
    for handle in contact.handle_list:
        if _looks_like_url(handle):
            url = handle if "://" in handle else f"https://{handle}"
            lines.append(f"URL:{escape_text(url)}")
    categories = [contact.get_kind_display(), *contact.tag_list]
    lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in categories))
    about = [
        f"Stakeholder: {contact.get_kind_display()}",
        f"Notify from severity {contact.get_notify_from_severity_display()}",
    ]
    if contact.reach is not None:
        about.append(f"Audience reach: {contact.reach:,}")
    if contact.social_handles:
        about.append(f"Social: {contact.social_handles}")
    if contact.notes:
        about.extend(["", contact.notes])
    lines.append("NOTE:" + escape_text("\n".join(about)))
    if contact.updated_at:
        stamp = contact.updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        lines.append(f"REV:{stamp}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def vcard_filename(*, contact: Contact) -> str:
    return f"{slugify(contact.name) or 'contact'}.vcf"
