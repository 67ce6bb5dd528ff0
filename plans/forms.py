"""Forms of the plans app: plan settings, the sections of a revision (list sections are
formsets stored as JSON), scenarios with their playbook, risks, drills and training.

Forms validate and clean; the services in plans/services.py save.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms import formset_factory

from clients.forms import DatePicker, PortalForm, ScopedModelForm
from clients.models import Client
from plans.defaults import SUGGESTED_ROLES
from plans.models import (
    CrisisPlan,
    Exercise,
    Risk,
    RiskCategory,
    RiskStatus,
    Scenario,
    TrainingRecord,
    format_offset,
)
from plans.placeholders import PLACEHOLDERS, validate_placeholders
from plans.targets import (
    MAX_TARGET_MINUTES,
    MILESTONES,
    default_targets,
    plan_minutes,
)
from portal.durations import format_duration
from portal.models import User


def agency_users(client: Client) -> QuerySet[User]:
    """People who may own a plan, a risk or run a drill: members of the client's agency."""
    return User.objects.filter(memberships__agency_id=client.agency_id, is_active=True).distinct()


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PlanSettingsForm(ScopedModelForm):
    class Meta:
        model = CrisisPlan
        fields = ["owner", "review_interval_days", "next_review_date"]
        widgets = {"next_review_date": DatePicker()}

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = agency_users(client)


# -- sections of a revision ----------------------------------------------------------------


class ObjectivesForm(PortalForm):
    objectives = forms.CharField(required=False, widget=_textarea(4))
    plan_scope = forms.CharField(
        label="Scope",
        required=False,
        widget=_textarea(4),
        help_text="Which brands, markets and channels the plan covers.",
    )


class CommunicationForm(PortalForm):
    channels = forms.CharField(
        label="Communication channels",
        required=False,
        widget=_textarea(4),
        help_text="Internal (crisis chat, bridge line) and public (X, Instagram, website, press).",
    )
    approval_chain = forms.CharField(
        label="Approval chain for public statements",
        required=False,
        widget=_textarea(3),
        help_text="Who drafts, who approves, in what order, and the deadline for each.",
    )


class MonitoringForm(PortalForm):
    monitoring_notes = forms.CharField(
        required=False,
        widget=_textarea(5),
        help_text="The terms, hashtags, accounts and sources that matter for this client.",
    )


class InternalNotesForm(PortalForm):
    internal_notes = forms.CharField(
        required=False,
        widget=_textarea(5),
        help_text="For the agency only; never shown to client contacts.",
    )


class SummaryForm(PortalForm):
    change_summary = forms.CharField(
        label="What changed in this revision", required=False, widget=_textarea(3)
    )


class TargetField(forms.Field):
    """A response-time target typed as people say it ("30 min", "2 h", "1 d"); blank
    means the default, shown as the placeholder."""

    widget = forms.TextInput

    def prepare_value(self, value: Any) -> Any:
        return format_duration(value) if isinstance(value, int) else value

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            minutes = parse_offset(text)
        except forms.ValidationError:
            raise forms.ValidationError(
                "Write a duration such as “30 min”, “2 h” or “3 d”, or leave it blank "
                "for the default."
            ) from None
        if minutes <= 0:
            raise forms.ValidationError("A target must be longer than zero minutes.")
        if minutes > MAX_TARGET_MINUTES:
            raise forms.ValidationError("A target can be at most 90 days.")
        return minutes


class EscalationForm(PortalForm):
    """What makes each severity, who is told, and the response-time targets of each
    level (blank: the default)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for severity in range(1, 5):
            self.fields[f"criteria_{severity}"] = forms.CharField(
                label=f"Severity {severity}: what makes it", required=False, widget=_textarea(2)
            )
            self.fields[f"notify_{severity}"] = forms.CharField(
                label=f"Severity {severity}: who is told", required=False, max_length=300
            )
            default = default_targets(severity)
            for key, label in MILESTONES:
                shown = format_duration(default.minutes(key))
                self.fields[f"target_{key}_{severity}"] = TargetField(
                    label=f"Severity {severity}: time to {label}",
                    required=False,
                    widget=forms.TextInput(attrs={"placeholder": shown, "size": 10}),
                    help_text=f"Default {shown}.",
                )

    @staticmethod
    def initial_from(levels: list[dict[str, Any]]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for level in levels:
            n = level.get("severity")
            initial[f"criteria_{n}"] = level.get("criteria", "")
            initial[f"notify_{n}"] = level.get("notify", "")
            if isinstance(n, int):
                for key, minutes in plan_minutes(levels, n).items():
                    initial[f"target_{key}_{n}"] = minutes
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        effective: dict[int, dict[str, int]] = {}
        for n in range(1, 5):
            default = default_targets(n)
            effective[n] = {
                key: data.get(f"target_{key}_{n}") or default.minutes(key)
                for key, _label in MILESTONES
            }
            for first in ("acknowledge", "hold"):
                if effective[n][first] > effective[n]["resolve"]:
                    self.add_error(
                        f"target_{first}_{n}",
                        f"Longer than the target to resolve severity {n} "
                        f"({format_duration(effective[n]['resolve'])}).",
                    )
        for n in range(2, 5):
            for key, label in MILESTONES:
                mine, lower = effective[n][key], effective[n - 1][key]
                if mine > lower and f"target_{key}_{n}" not in self.errors:
                    self.add_error(
                        f"target_{key}_{n}",
                        f"Severity {n} would have longer to {label} ({format_duration(mine)}) "
                        f"than severity {n - 1} ({format_duration(lower)}): a more severe "
                        "incident needs a target at least as fast.",
                    )
        return data

    def groups(self) -> list[tuple[int, list[Any], list[Any]]]:
        """Per severity: its two text fields and its four target fields (the page shows
        one fieldset per level)."""
        return [
            (
                n,
                [self[f"criteria_{n}"], self[f"notify_{n}"]],
                [self[f"target_{key}_{n}"] for key, _label in MILESTONES],
            )
            for n in range(1, 5)
        ]

    def levels(self) -> list[dict[str, Any]]:
        return [
            {
                "severity": n,
                "criteria": self.cleaned_data[f"criteria_{n}"],
                "notify": self.cleaned_data[f"notify_{n}"],
                "targets": {
                    key: self.cleaned_data[f"target_{key}_{n}"]
                    for key, _label in MILESTONES
                    if self.cleaned_data.get(f"target_{key}_{n}")
                },
            }
            for n in range(1, 5)
        ]


class TeamRoleForm(PortalForm):
    role = forms.CharField(
        max_length=80,
        widget=forms.TextInput(attrs={"list": "suggested-roles"}),
        help_text="e.g. " + ", ".join(SUGGESTED_ROLES),
    )
    person = forms.CharField(max_length=150, required=False)
    deputy = forms.CharField(max_length=150, required=False)
    responsibilities = forms.CharField(required=False, widget=_textarea(2))


class KeyMessageForm(PortalForm):
    topic = forms.CharField(max_length=150)
    message = forms.CharField(widget=_textarea(3))


class StatementTemplateForm(PortalForm):
    name = forms.CharField(max_length=150)
    channel = forms.CharField(max_length=80, required=False, help_text="e.g. X, press release")
    body = forms.CharField(
        widget=_textarea(5),
        validators=[validate_placeholders],
        help_text="Placeholders: " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
    )


TeamRoleFormSet = formset_factory(TeamRoleForm, extra=2, can_delete=True)
KeyMessageFormSet = formset_factory(KeyMessageForm, extra=2, can_delete=True)
StatementTemplateFormSet = formset_factory(StatementTemplateForm, extra=1, can_delete=True)


def formset_rows(formset: Any) -> list[dict[str, Any]]:
    """The filled-in, not deleted rows of a valid formset, without its bookkeeping."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        rows.append({k: v for k, v in data.items() if k not in ("DELETE", "ORDER")})
    return rows


# -- scenarios and playbooks -----------------------------------------------------------------

# A duration as people type it, and as portal.durations.format_duration writes it: "+30 min",
# "2h", "1 day", "1 h 30 min", "1 d 2 h after opening"; a bare number is minutes.
_UNIT = r"(?:minutes?|mins?|m|hours?|hrs?|hr|h|days?|d)"
_OFFSET = re.compile(
    rf"^\+?\s*(?:\d+|\d+\s*{_UNIT}(?:\s*\d+\s*{_UNIT})*)(?:\s*after opening)?$",
    re.IGNORECASE,
)
_PART = re.compile(rf"(\d+)\s*({_UNIT})?", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}


def parse_offset(text: str) -> int:
    """ "+30 min" -> 30, "2h" -> 120, "1 day" -> 1440, "1 h 30 min" -> 90, "45" -> 45
    (minutes). Whatever format_duration and plans.models.format_offset write reads back
    to the same minutes ("at opening" is 0)."""
    text = text.strip()
    if text.lower() == "at opening":
        return 0
    if not _OFFSET.match(text):
        raise forms.ValidationError(
            "Write the time after the incident opens, such as “+30 min”, “2 h” or “1 d”."
        )
    return sum(
        int(number) * _UNIT_MINUTES[(unit or "m")[0].lower()]
        for number, unit in _PART.findall(text)
    )


# A playbook step is due at most a year after the incident opens: beyond that it is no
# step of a crisis response, and a number of any size would overflow the database column
# or the due time an incident opened on the plan computes from it.
MAX_OFFSET_MINUTES = 365 * 1440


class OffsetField(forms.Field):
    """Minutes after opening, typed as people say it ("+30 min", "2 h")."""

    widget = forms.TextInput

    def prepare_value(self, value: Any) -> Any:
        return format_offset(value) if isinstance(value, int) else value

    def to_python(self, value: Any) -> int:
        text = str(value or "").strip()
        minutes = parse_offset(text) if text else 0
        if minutes > MAX_OFFSET_MINUTES:
            raise forms.ValidationError(
                "A step can be due at most 365 days after the incident opens."
            )
        return minutes


class ScenarioForm(ScopedModelForm):
    class Meta:
        model = Scenario
        fields = ["title", "description", "trigger_terms", "risks"]
        widgets = {
            "description": _textarea(3),
            "trigger_terms": forms.TextInput(),
            "risks": forms.CheckboxSelectMultiple(),
        }

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        risks = self.fields["risks"]
        assert isinstance(risks, forms.ModelMultipleChoiceField)
        assert risks.queryset is not None
        risks.queryset = risks.queryset.filter(client=client)
        risks.required = False


class PlaybookStepForm(PortalForm):
    # Not required: the empty rows of the formset carry default values; rows without an
    # action are dropped.
    action = forms.CharField(max_length=300, required=False)
    owner_role = forms.CharField(
        max_length=80, required=False, widget=forms.TextInput(attrs={"list": "suggested-roles"})
    )
    due = OffsetField(label="Due", required=False, initial="+30 min")
    client_visible = forms.BooleanField(label="Client sees it", required=False, initial=True)


PlaybookStepFormSet = formset_factory(PlaybookStepForm, extra=3, can_delete=True, can_order=True)


# -- risk register ---------------------------------------------------------------------------


class RiskForm(ScopedModelForm):
    class Meta:
        model = Risk
        fields = [
            "title",
            "category",
            "description",
            "likelihood",
            "impact",
            "owner",
            "mitigations",
            "status",
            "review_date",
            "internal_notes",
        ]
        widgets = {
            "description": _textarea(3),
            "mitigations": _textarea(3),
            "internal_notes": _textarea(2),
            "review_date": DatePicker(),
        }

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = agency_users(client)


SORTS = {
    "-score": ("-score", "title"),
    "score": ("score", "title"),
    "title": ("title",),
    "review_date": ("review_date", "title"),
    "-updated_at": ("-updated_at",),
    "category": ("category", "-score"),
}


class RiskFilterForm(PortalForm):
    q = forms.CharField(label="Search", required=False)
    category = forms.ChoiceField(
        required=False, choices=[("", "All categories"), *RiskCategory.choices]
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Open, mitigating or accepted"), ("all", "Any status"), *RiskStatus.choices],
    )
    likelihood = forms.TypedChoiceField(
        required=False, coerce=int, choices=[("", "Any"), *[(n, str(n)) for n in range(1, 6)]]
    )
    impact = forms.TypedChoiceField(
        required=False, coerce=int, choices=[("", "Any"), *[(n, str(n)) for n in range(1, 6)]]
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-score", "Highest score"),
            ("score", "Lowest score"),
            ("title", "Title"),
            ("review_date", "Review date"),
            ("-updated_at", "Recently changed"),
            ("category", "Category"),
        ],
    )

    def filter(self, risks: QuerySet[Risk]) -> QuerySet[Risk]:
        if not self.is_valid():
            return risks.exclude(status=RiskStatus.CLOSED)
        data = self.cleaned_data
        if data["q"]:
            q = data["q"]
            risks = risks.filter(
                Q(title__icontains=q) | Q(description__icontains=q) | Q(mitigations__icontains=q)
            )
        if data["category"]:
            risks = risks.filter(category=data["category"])
        if data["status"] == "":
            risks = risks.exclude(status=RiskStatus.CLOSED)
        elif data["status"] != "all":
            risks = risks.filter(status=data["status"])
        if data["likelihood"]:
            risks = risks.filter(likelihood=data["likelihood"])
        if data["impact"]:
            risks = risks.filter(impact=data["impact"])
        return risks.order_by(*SORTS.get(data["sort"] or "-score", SORTS["-score"]))


# -- drills and training ---------------------------------------------------------------------


class ScenarioChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} (revision {obj.revision.number})"


class ExerciseForm(ScopedModelForm):
    scenario = ScenarioChoiceField(queryset=Scenario.objects.none(), required=False)

    class Meta:
        model = Exercise
        fields = [
            "title",
            "scenario",
            "scheduled_at",
            "status",
            "facilitator",
            "participants",
            "objectives",
            "outcome",
            "score",
            "lessons_learned",
        ]
        widgets = {
            "scheduled_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "participants": _textarea(3),
            "objectives": _textarea(3),
            "outcome": _textarea(3),
            "lessons_learned": _textarea(3),
        }

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facilitator = self.fields["facilitator"]
        assert isinstance(facilitator, forms.ModelChoiceField)
        facilitator.queryset = agency_users(client)
        scenario = self.fields["scenario"]
        assert isinstance(scenario, forms.ModelChoiceField)
        # The scenarios of the plan in force and of the open draft.
        scenario.queryset = (
            Scenario.objects.within(self.scope, write=True)
            .filter(
                revision__plan__client=client,
                revision__status__in=["approved", "draft", "in_review"],
            )
            .select_related("revision")
        )


class TrainingRecordForm(ScopedModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["person", "kind", "topic", "completed_on", "exercise", "notes"]
        widgets = {
            "completed_on": DatePicker(),
            "notes": _textarea(2),
        }

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        exercise = self.fields["exercise"]
        assert isinstance(exercise, forms.ModelChoiceField)
        assert exercise.queryset is not None
        exercise.queryset = exercise.queryset.filter(client=client)
