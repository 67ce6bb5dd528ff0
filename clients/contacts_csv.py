"""CSV import and export of a client's stakeholder contacts.

The import is hostile-input code: the file's size and row count are capped, its encoding is
detected (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 / Latin-1), binary
files are refused, every row is validated by the same rules as the contact form, and the
import is all or nothing — one bad row and nothing of the file is saved, with each problem
reported as "Line N: …" (line numbers as in the file, the header being line 1).

The export writes every field, and neutralises cells a spreadsheet would run as a formula
(OWASP "CSV injection"): a cell starting with = + - @ tab or carriage return gets a leading
apostrophe. The import removes that apostrophe again, so export → import round-trips.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from clients.contact_forms import CONTACT_FIELDS, ContactRowForm
from clients.models import Client, Contact, ContactKind
from portal.models import User

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5_000
MAX_REPORTED_ERRORS = 100
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

EXPORT_COLUMNS = [*CONTACT_FIELDS, "created_at", "updated_at"]
# Columns the export writes but an import does not set (the database does).
IGNORED_COLUMNS = {"created_at", "updated_at", "id", "public_id"}
# Other spellings people (and other tools) use for the same columns.
COLUMN_ALIASES = {
    "full_name": "name",
    "contact": "name",
    "contact_name": "name",
    "type": "kind",
    "stakeholder_type": "kind",
    "organization": "organisation",
    "company": "organisation",
    "outlet": "organisation",
    "title": "role",
    "job_title": "role",
    "role_or_title": "role",
    "e_mail": "email",
    "email_address": "email",
    "telephone": "phone",
    "phone_number": "phone",
    "handles": "social_handles",
    "social": "social_handles",
    "audience_reach": "reach",
    "followers": "reach",
    "severity": "notify_from_severity",
    "notify_from": "notify_from_severity",
    "notify_at_severity": "notify_from_severity",
    "tag": "tags",
    "note": "notes",
}


class ImportRefused(Exception):
    """The file as a whole cannot be read (size, encoding, binary, no header…)."""


@dataclass
class ImportResult:
    created: int = 0
    errors: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


# -- export -------------------------------------------------------------------------------


def neutralise_cell(value: str) -> str:
    """A leading apostrophe makes spreadsheets show a would-be formula as text."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def restore_cell(value: str) -> str:
    """Undo `neutralise_cell` on import (only where the export would have added it)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def export_filename(*, client: Client, on: date | None = None) -> str:
    day = on or timezone.localdate()
    return f"{slugify(client.name) or 'client'}-contacts-{day.isoformat()}.csv"


def contacts_export(*, contacts: Iterable[Contact], out: IO[str]) -> int:
    """Write the contacts as CSV (header + one row each) to `out`; returns the row count.
    A UTF-8 BOM comes first so that Excel reads accents right."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for contact in contacts:
        row: list[str] = []
        for column in EXPORT_COLUMNS:
            value: Any = getattr(contact, column)
            if value is None:
                text = ""
            elif column in ("created_at", "updated_at"):
                text = value.astimezone(UTC).isoformat(timespec="seconds")
            else:
                text = str(value)
            row.append(neutralise_cell(text))
        writer.writerow(row)
        count += 1
    return count


# -- import -------------------------------------------------------------------------------


def decode_upload(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). UTF-8 (BOM or not) first; UTF-16 only with its BOM;
    Windows-1252, then Latin-1, only when UTF-8 fails. Binary data is refused."""
    if not data.strip():
        raise ImportRefused("The file is empty.")
    text: str | None = None
    encoding = ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            text = None
    if text is None:
        try:
            text, encoding = data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError:
            text = None
    if text is None:
        # Both accept (almost) any byte, so the test for binary data below is what
        # catches a file that is not text at all.
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "Latin-1"
    if _looks_binary(text):
        raise ImportRefused(
            "This file does not look like a CSV text file (it contains binary data). "
            "In your spreadsheet, use “Save as” → “CSV UTF-8” and upload that file."
        )
    return text, encoding


def _looks_binary(text: str) -> bool:
    sample = text[:65_536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    controls += sum(1 for ch in sample if 0x7F <= ord(ch) < 0xA0)
    return "\x00" in sample or controls > max(2, len(sample) // 200)


def _column_key(header: str) -> str:
    key = header.strip().strip("\ufeff").lower()
    for ch in " -./":
        key = key.replace(ch, "_")
    while "__" in key:
        key = key.replace("__", "_")
    return key.strip("_")


def _read_header(cells: list[str]) -> list[str | None]:
    """Map each header cell to a contact field (None for ignored columns)."""
    known = ", ".join(CONTACT_FIELDS)
    columns: list[str | None] = []
    problems: list[str] = []
    for cell in cells:
        key = _column_key(cell)
        key = COLUMN_ALIASES.get(key, key)
        if key in IGNORED_COLUMNS or (not key and not cell.strip()):
            columns.append(None)
        elif key in CONTACT_FIELDS:
            if key in columns:
                problems.append(f"the column “{cell.strip()}” appears twice")
            columns.append(key)
        else:
            problems.append(f"unknown column “{cell.strip()}”")
            columns.append(None)
    if "name" not in columns:
        problems.append("a “name” column is required")
    if problems:
        raise ImportRefused(f"Line 1: {'; '.join(problems)}. Known columns: {known}.")
    return columns


def _delimiter(text: str) -> tuple[str, str]:
    """Comma, or the semicolon / tab some spreadsheets write in some locales. Excel's
    "sep=;" first line names it outright; it is then blanked (keeping line numbers)."""
    first, _, rest = text.partition("\n")
    hint = first.strip()
    if hint.lower().startswith("sep=") and len(hint) == 5:
        return hint[4], "\n" + rest
    return max((",", ";", "\t"), key=lambda d: (first.count(d), d == ",")), text


KIND_BY_TEXT = {
    **{value: value for value in ContactKind.values},
    **{str(label).lower(): value for value, label in ContactKind.choices},
}


def _row_data(columns: list[str | None], cells: list[str]) -> dict[str, str]:
    data = dict.fromkeys(CONTACT_FIELDS, "")
    for name, cell in zip(columns, cells, strict=False):
        if name is not None:
            data[name] = restore_cell(cell).strip()
    return data


def _prepare(data: dict[str, str]) -> str | None:
    """Turn spreadsheet spellings into form values; return a problem or None."""
    kind = data["kind"].lower()
    if not kind:
        data["kind"] = ContactKind.MEDIA
    elif kind in KIND_BY_TEXT:
        data["kind"] = KIND_BY_TEXT[kind]
    else:
        return (
            f"“{data['kind']}” is not a kind of contact; use one of {', '.join(ContactKind.values)}"
        )
    severity = data["notify_from_severity"]
    if not severity:
        data["notify_from_severity"] = "3"
    else:
        # "3 — Major" (the label) as well as "3".
        data["notify_from_severity"] = severity.split()[0].rstrip("—-–")
    return None


def _form_problems(form: ContactRowForm) -> list[str]:
    problems: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        prefix = f"{str(label).capitalize()}: " if label else ""
        problems.extend(f"{prefix}{error}" for error in errors)
    return problems


def contacts_import(*, client: Client, data: bytes, by: User | None = None) -> ImportResult:
    """Import contacts from CSV bytes into `client`, all or nothing.

    Returns the number created, or the problems ("Line N: …") and nothing saved."""
    result = ImportResult()
    try:
        if len(data) > MAX_IMPORT_BYTES:
            raise ImportRefused(
                f"This file is larger than {MAX_IMPORT_BYTES // 1_048_576} MB. "
                "Split it into smaller files."
            )
        text, result.encoding = decode_upload(data)
        contacts = _parse(client=client, text=text, errors=result.errors)
    except ImportRefused as refused:
        result.errors = [str(refused)]
        return result
    if len(result.errors) > MAX_REPORTED_ERRORS:
        more = len(result.errors) - MAX_REPORTED_ERRORS
        result.errors = [*result.errors[:MAX_REPORTED_ERRORS], f"… and {more} more problems."]
    if result.errors:
        return result
    if not contacts:
        result.errors = ["The file has a header but no contacts."]
        return result
    try:
        with transaction.atomic():
            Contact.objects.bulk_create(contacts, batch_size=500)
    except IntegrityError:
        # Someone added one of these emails between our check and the insert.
        result.errors = [
            "Another change to this client's contacts happened during the import; "
            "nothing was imported. Please try again."
        ]
        return result
    result.created = len(contacts)
    logger.info(
        "%s imported %d contacts into client %s", by or "someone", result.created, client.pk
    )
    return result


def _parse(*, client: Client, text: str, errors: list[str]) -> list[Contact]:
    delimiter, text = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    existing = {
        email.lower(): name
        for email, name in Contact.objects.filter(client=client)
        .exclude(email="")
        .values_list("email", "name")
    }
    seen_emails: dict[str, int] = {}
    contacts: list[Contact] = []
    columns: list[str | None] | None = None
    line = 0  # the physical line the previous record ended on
    rows = 0
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportRefused(
                f"Line {reader.line_num}: the file cannot be read as CSV ({exc})."
            ) from exc
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = _read_header(cells)
            continue
        rows += 1
        if rows > MAX_IMPORT_ROWS:
            raise ImportRefused(
                f"The file has more than {MAX_IMPORT_ROWS:,} contacts. Split it into smaller files."
            )
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            errors.append(
                f"Line {start}: {len(cells)} cells but the header has {len(columns)} columns "
                "(a comma in a value needs the value in double quotes)."
            )
            continue
        data = _row_data(columns, cells)
        problem = _prepare(data)
        if problem:
            errors.append(f"Line {start}: {problem}.")
            continue
        form = ContactRowForm(data=data, instance=Contact(client=client))
        if not form.is_valid():
            errors.extend(f"Line {start}: {p}" for p in _form_problems(form))
            continue
        contact: Contact = form.save(commit=False)
        email = contact.email.lower()
        if email:
            if email in seen_emails:
                errors.append(
                    f"Line {start}: the email {contact.email} is already on line {seen_emails[email]}."
                )
                continue
            seen_emails[email] = start
            if email in existing:
                errors.append(
                    f"Line {start}: a contact with the email {contact.email} already exists for "
                    f"{client.name} ({existing[email]})."
                )
                continue
        contacts.append(contact)
    if columns is None:
        raise ImportRefused("The file is empty.")
    return contacts
