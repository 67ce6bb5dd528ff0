"""Forms of the stakeholder contacts feature (guide II.A, IV.B): the contact form (full page,
inline add and inline row edit), the CSV import row form, the upload form and the filters
of the contact list.

The field rules (list normalisation, reach written as people write it in spreadsheets) live
in one mixin so that a contact typed in the UI and a contact imported from a CSV file are
held to exactly the same rules.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

from clients.forms import PortalForm, ScopedModelForm
from clients.models import SEVERITY_CHOICES, Client, Contact, ContactKind
from portal.scoping import Scope

CONTACT_FIELDS = [
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
# What the inline row editor of the list shows; the other fields keep their values.
ROW_FIELDS = [
    "name",
    "role",
    "kind",
    "organisation",
    "email",
    "reach",
    "notify_from_severity",
    "tags",
]
# What the inline "add contact" form at the top of the list asks for.
ADD_FIELDS = ["name", "kind", "organisation", "email", "notify_from_severity"]

_SPACES = re.compile(r"\s+")
_REACH = re.compile(r"^(\d+(?:\.\d+)?)([km]?)$")


def normalise_list(value: str) -> str:
    """ "a,b ; A,, c" -> "a, b, c": comma-separated, trimmed, case-insensitively unique."""
    items: list[str] = []
    seen: set[str] = set()
    for raw in re.split(r"[,;\n]", value):
        item = _SPACES.sub(" ", raw).strip()
        if item and item.lower() not in seen:
            seen.add(item.lower())
            items.append(item)
    return ", ".join(items)


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_reach(value: str) -> str:
    """ "12,500", "12 500", "12.5k", "1.2M" -> "12500" etc.; anything else is returned
    unchanged so that the integer field reports it."""
    compact = re.sub(r"[\s,_\u00a0\u202f']", "", value).lower()
    match = _REACH.match(compact)
    if not match:
        return value
    try:
        number = Decimal(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return value
    if number != number.to_integral_value():
        return value
    return str(int(number))


class ReachField(forms.IntegerField):
    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = parse_reach(value)
        result: int | None = super().to_python(value)
        return result


class _ContactRules:
    """Cleaning shared by every contact form (UI and CSV import)."""

    cleaned_data: dict[str, Any]

    def _bounded(self, name: str, value: str) -> str:
        model_field = Contact._meta.get_field(name)
        limit = getattr(model_field, "max_length", None)
        if limit is not None and len(value) > limit:
            raise forms.ValidationError(f"Keep this under {limit} characters.")
        return value

    def clean_name(self) -> str:
        return _SPACES.sub(" ", self.cleaned_data["name"]).strip()

    def clean_email(self) -> str:
        email: str = self.cleaned_data.get("email") or ""
        return email.strip()

    def clean_tags(self) -> str:
        return self._bounded("tags", normalise_list(self.cleaned_data.get("tags") or ""))

    def clean_social_handles(self) -> str:
        return self._bounded(
            "social_handles", normalise_list(self.cleaned_data.get("social_handles") or "")
        )


_WIDGETS: dict[str, forms.Widget] = {
    "reach": forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "e.g. 12,500 or 12k"}),
    "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    "notes": forms.Textarea(attrs={"rows": 4}),
    "role": forms.TextInput(attrs={"placeholder": "Role or title"}),
}


class ContactForm(_ContactRules, ScopedModelForm):
    """A contact of one client. An email is unique per client, whatever its case.

    `fields` narrows the form to a subset (inline add and row edit): fields left out keep
    their values. `html_form` associates the inputs with a <form> elsewhere on the page
    through the HTML `form` attribute, as a <form> cannot wrap a table row.
    """

    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        field_classes = {"reach": ReachField}
        widgets = _WIDGETS

    def __init__(
        self,
        *args: Any,
        client: Client,
        scope: Scope,
        fields: list[str] | None = None,
        html_form: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, scope=scope, **kwargs)
        self.client = client
        if fields is not None:
            for name in list(self.fields):
                if name not in fields:
                    del self.fields[name]
        if html_form:
            for field in self.fields.values():
                field.widget.attrs["form"] = html_form
        if "kind" in self.fields:
            self.fields["kind"].help_text = ""

    def clean_email(self) -> str:
        email = super().clean_email()
        if email:
            clash = (
                Contact.objects.within(self.scope)
                .filter(client=self.client, email__iexact=email)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if clash is not None:
                raise forms.ValidationError(
                    f"A contact with this email already exists for {self.client.name}: "
                    f"{clash.name}."
                )
        return email

    def save(self, commit: bool = True) -> Contact:
        self.instance.client = self.client
        contact: Contact = super().save(commit=commit)
        return contact

    def save_or_error(self) -> Contact | None:
        """Save; None (with the duplicate error on the form) when a concurrent save took
        the same email between validation and insert (the database constraint)."""
        try:
            with transaction.atomic():
                return self.save()
        except IntegrityError:
            self.add_error(
                "email", f"A contact with this email already exists for {self.client.name}."
            )
            return None


class ContactRowForm(_ContactRules, forms.ModelForm):  # type: ignore[type-arg]
    """One row of a CSV import. Duplicates are checked by the import for the whole file
    at once, so this form does not query per row."""

    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        field_classes = {"reach": ReachField}


class ContactImportForm(PortalForm):
    file = forms.FileField(
        label="CSV file",
        help_text="A .csv file of at most 2 MB and 5,000 contacts, with a header row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        # The scope is taken like every form of the app; an upload names no object.
        super().__init__(*args, **kwargs)
        self.scope = scope


SORTS: dict[str, tuple[str, list[Any]]] = {
    "name": ("Name", [Lower("name"), "pk"]),
    "organisation": ("Organisation", [Lower("organisation"), Lower("name"), "pk"]),
    "reach": ("Audience reach", [F("reach").desc(nulls_last=True), Lower("name"), "pk"]),
    "updated": ("Recently updated", ["-updated_at", "pk"]),
}
SEARCHED = ["name", "organisation", "email", "role", "tags", "social_handles"]


class ContactFilterForm(PortalForm):
    """Search, filters and sort of the contact list, read from the query string. A value
    that does not validate is ignored (and shown as an error), never a server error."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, organisation, email, tag, handle…"}
        ),
    )
    kind = forms.ChoiceField(
        label="Stakeholder type",
        required=False,
        choices=[("", "All types"), *ContactKind.choices],
    )
    severity = forms.TypedChoiceField(
        label="Notified at severity",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any severity"), *[(str(v), label) for v, label in SEVERITY_CHOICES]],
    )
    tag = forms.ChoiceField(label="Tag", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(key, label) for key, (label, _) in SORTS.items()],
    )

    FILTERS = ("q", "kind", "severity", "tag")

    def __init__(self, data: Any, *, tags: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(data, **kwargs)
        choices = [("", "Any tag"), *[(t, t) for t in tags]]
        wanted = (data or {}).get("tag", "")
        # A tag that no contact carries any more still filters (to nothing) rather than
        # failing: the URL may come from a bookmark.
        if wanted and wanted not in tags:
            choices.append((wanted, wanted))
        cast(forms.ChoiceField, self.fields["tag"]).choices = choices
        self.is_valid()

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None

    @property
    def is_filtered(self) -> bool:
        return any(self.value(name) for name in self.FILTERS)

    def filter(self, qs: QuerySet[Contact]) -> QuerySet[Contact]:
        for term in (self.value("q") or "").split()[:10]:
            match = Q()
            for field in SEARCHED:
                match |= Q(**{f"{field}__icontains": term})
            qs = qs.filter(match)
        if kind := self.value("kind"):
            qs = qs.filter(kind=kind)
        if severity := self.value("severity"):
            # "Who must hear about a severity-N incident": everyone whose threshold is N or lower.
            qs = qs.filter(notify_from_severity__lte=severity)
        if tag := self.value("tag"):
            qs = qs.filter(tags__iregex=r"(^|,)\s*" + re.escape(tag) + r"\s*(,|$)")
        _, order = SORTS.get(self.value("sort") or "name", SORTS["name"])
        return qs.order_by(*order)


def client_tags(contacts: QuerySet[Contact]) -> list[str]:
    """Every tag used by these contacts, once each (case-insensitively), sorted."""
    tags: dict[str, str] = {}
    for value in contacts.exclude(tags="").values_list("tags", flat=True):
        for tag in split_list(value):
            tags.setdefault(tag.lower(), tag)
    return sorted(tags.values(), key=str.lower)
