"""Forms of the post-mortem pages. They validate and clean; incidents/postmortems.py and
incidents/postmortem_actions.py save."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from clients.forms import DatePicker, ScopedModelForm
from clients.models import Client
from clients.services import client_team
from incidents.models import ActionItem, PostMortem
from portal.models import User


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PostMortemForm(ScopedModelForm):
    class Meta:
        model = PostMortem
        fields = ["summary", "impact", "went_well", "went_badly", "root_causes", "lessons"]
        widgets = {
            "summary": _textarea(4),
            "impact": _textarea(3),
            "went_well": _textarea(4),
            "went_badly": _textarea(4),
            "root_causes": _textarea(3),
            "lessons": _textarea(4),
        }
        help_texts = {
            "summary": "What happened, in a few lines for someone who was not there.",
            "impact": "On the brand, its customers, its people: reach, sales, trust.",
            "root_causes": "Why it happened, and why it grew (not who is to blame).",
            "lessons": "What the team will do differently; each change becomes an action item.",
        }


class ActionItemForm(ScopedModelForm):
    """An action item; the owner is someone of the client's team (whom the reminder can
    reach and who can open the page) or a role named in words."""

    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label="— nobody in the agency (name a role) —",
    )

    class Meta:
        model = ActionItem
        fields = ["title", "owner", "owner_role", "due_date", "status", "details"]
        widgets = {
            "due_date": DatePicker(),
            "details": _textarea(2),
        }
        labels = {"title": "What is to be done"}

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = User.objects.filter(
            pk__in=[member.user.pk for member in client_team(client=client)]
        ).order_by("full_name", "email")
        owner.error_messages["invalid_choice"] = (
            "That person does not work on this client. Choose someone of the list, or name "
            "a role instead."
        )
        if self.instance.owner_id is not None and self.instance.owner is not None:
            # The choices are keyed by public id, the model's initial by pk.
            self.initial["owner"] = self.instance.owner.public_id
        if self.instance.pk is None:
            del self.fields["status"]

    def clean_due_date(self) -> date | None:
        due: date | None = self.cleaned_data.get("due_date")
        unchanged = self.instance.pk is not None and due == self.instance.due_date
        if due is not None and not unchanged and due < timezone.localdate():
            raise forms.ValidationError("Choose a due date from today on.")
        return due

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not cleaned.get("owner") and not (cleaned.get("owner_role") or "").strip():
            self.add_error(
                "owner_role", "Name an owner: choose a person, or write a role (e.g. Client legal)."
            )
        return cleaned
