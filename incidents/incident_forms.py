"""Forms of the war room. They only parse input; the services decide and refuse."""

from __future__ import annotations

from typing import Any

from django import forms

from clients.forms import PortalForm
from clients.models import Client, Contact
from incidents.models import INCIDENT_SEVERITIES, EntryKind, IncidentStatus, Visibility
from plans.models import PlanRevision, Scenario
from portal.scoping import Scope

NOTE_KINDS = [
    (EntryKind.NOTE, "Note"),
    (EntryKind.DECISION, "Decision"),
    (EntryKind.MEETING, "Meeting held"),
]


class IncidentOpenForm(PortalForm):
    title = forms.CharField(max_length=200)
    severity = forms.TypedChoiceField(choices=INCIDENT_SEVERITIES, coerce=int, initial=2)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="None (or suggested from the alert's mentions)",
        help_text="A scenario of the approved plan: its playbook becomes the task list.",
    )

    def __init__(
        self, *args: Any, scope: Scope, revision: PlanRevision | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scenario"]
        assert isinstance(field, forms.ModelChoiceField)
        if revision is None:
            del self.fields["scenario"]
        else:
            field.queryset = Scenario.objects.within(scope).filter(revision=revision)


class EntryForm(PortalForm):
    # Kind and visibility default (note, internal) so that the one-keystroke note needs
    # only its text; the service refuses an empty or oversized one.
    kind = forms.ChoiceField(choices=NOTE_KINDS, initial=EntryKind.NOTE, required=False)
    text = forms.CharField(strip=True, required=False)
    visibility = forms.ChoiceField(
        choices=Visibility.choices, initial=Visibility.INTERNAL, required=False
    )


class StatusForm(PortalForm):
    status = forms.ChoiceField(choices=IncidentStatus.choices)
    reason = forms.CharField(max_length=1000, required=False)


class SeverityForm(PortalForm):
    severity = forms.TypedChoiceField(choices=INCIDENT_SEVERITIES, coerce=int)
    reason = forms.CharField(max_length=1000, required=False)


class StakeholderForm(PortalForm):
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), to_field_name="public_id")
    channel = forms.CharField(max_length=32, initial="phone")
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, scope: Scope, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contact"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Contact.objects.within(scope).filter(client=client)
        field.error_messages["invalid_choice"] = (
            "That contact is not one of this client's stakeholders. Choose one from the list."
        )
