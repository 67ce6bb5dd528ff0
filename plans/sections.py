"""The sections of a crisis plan revision, in one registry: their titles, the form that
edits each, how each reads as lines of text (for the side-by-side diff), and whether a
client contact may see it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from plans import forms as plan_forms
from plans.models import PlanRevision
from plans.targets import target_rows


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[str, ...]
    client_visible: bool = True
    in_diff: bool = True


SECTIONS = [
    Section("objectives", "Objectives and scope", ("objectives", "plan_scope")),
    Section("escalation", "Escalation levels", ("escalation_levels",)),
    Section("team", "Crisis team", ("team_roles",)),
    Section("communication", "Channels and approval chain", ("channels", "approval_chain")),
    Section("messages", "Key messages", ("key_messages",)),
    Section("templates", "Statement templates", ("statement_templates",)),
    Section("monitoring", "Monitoring notes", ("monitoring_notes",)),
    Section("internal", "Internal notes", ("internal_notes",), client_visible=False),
    Section("summary", "What changed", ("change_summary",), in_diff=False),
]
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}


# -- editing -----------------------------------------------------------------------------


class SectionEditor:
    """Wraps the form or formset of one section: build it from a revision or from POST
    data, validate it, and give the field changes to save."""

    def __init__(self, section: Section, revision: PlanRevision, data: Any = None) -> None:
        self.section = section
        self.revision = revision
        key = section.key
        self.form: Any
        if key == "escalation":
            self.form = plan_forms.EscalationForm(
                data, initial=plan_forms.EscalationForm.initial_from(revision.escalation_levels)
            )
        elif key in _FORMSETS:
            factory, attr = _FORMSETS[key]
            self.form = factory(data, initial=getattr(revision, attr), prefix=key)
        else:
            form_class = _TEXT_FORMS[key]
            initial = {name: getattr(revision, name) for name in section.fields}
            self.form = form_class(data, initial=initial)

    @property
    def is_formset(self) -> bool:
        return self.section.key in _FORMSETS

    def is_valid(self) -> bool:
        return bool(self.form.is_valid())

    def changes(self) -> dict[str, Any]:
        key = self.section.key
        if key == "escalation":
            return {"escalation_levels": self.form.levels()}
        if key in _FORMSETS:
            return {_FORMSETS[key][1]: plan_forms.formset_rows(self.form)}
        return dict(self.form.cleaned_data)


_TEXT_FORMS: dict[str, type[forms.Form]] = {
    "objectives": plan_forms.ObjectivesForm,
    "communication": plan_forms.CommunicationForm,
    "monitoring": plan_forms.MonitoringForm,
    "internal": plan_forms.InternalNotesForm,
    "summary": plan_forms.SummaryForm,
}
_FORMSETS: dict[str, tuple[Any, str]] = {
    "team": (plan_forms.TeamRoleFormSet, "team_roles"),
    "messages": (plan_forms.KeyMessageFormSet, "key_messages"),
    "templates": (plan_forms.StatementTemplateFormSet, "statement_templates"),
}


# -- reading: sections as lines ------------------------------------------------------------


def _text_lines(label: str, text: str) -> list[str]:
    lines = [f"{label}:"]
    lines += [f"  {line}" for line in text.strip().splitlines() if line.strip()] or ["  —"]
    return lines


def _escalation_lines(rev: PlanRevision) -> list[str]:
    lines = []
    for level in rev.escalation_levels:
        lines.append(f"Severity {level.get('severity')}: {level.get('criteria') or '—'}")
        lines.append(f"  Told: {level.get('notify') or '—'}")
        severity = level.get("severity")
        if isinstance(severity, int):
            rows = target_rows(rev.escalation_levels, severity)
            lines.append(
                "  Targets: "
                + ", ".join(
                    f"{r.label} {r.text}{'' if r.from_plan else ' (default)'}" for r in rows
                )
            )
    return lines


def _team_lines(rev: PlanRevision) -> list[str]:
    lines = []
    for role in rev.team_roles:
        lines.append(
            f"{role.get('role')}: {role.get('person') or '—'} (deputy: {role.get('deputy') or '—'})"
        )
        if role.get("responsibilities"):
            lines.append(f"  {role['responsibilities']}")
    return lines


def _message_lines(rev: PlanRevision) -> list[str]:
    return [f"{m.get('topic')}: {m.get('message')}" for m in rev.key_messages]


def _template_lines(rev: PlanRevision) -> list[str]:
    lines = []
    for t in rev.statement_templates:
        channel = f" [{t['channel']}]" if t.get("channel") else ""
        lines.append(f"{t.get('name')}{channel}:")
        lines += [f"  {line}" for line in str(t.get("body", "")).splitlines()]
    return lines


_LINES: dict[str, Callable[[PlanRevision], list[str]]] = {
    "objectives": lambda r: (
        _text_lines("Objectives", r.objectives) + _text_lines("Scope", r.plan_scope)
    ),
    "escalation": _escalation_lines,
    "team": _team_lines,
    "communication": lambda r: (
        _text_lines("Channels", r.channels) + _text_lines("Approval chain", r.approval_chain)
    ),
    "messages": _message_lines,
    "templates": _template_lines,
    "monitoring": lambda r: _text_lines("Monitoring", r.monitoring_notes),
    "internal": lambda r: _text_lines("Internal notes", r.internal_notes),
    "summary": lambda r: _text_lines("What changed", r.change_summary),
}


def section_lines(revision: PlanRevision, key: str) -> list[str]:
    return _LINES[key](revision)


def scenario_lines(revision: PlanRevision) -> list[str]:
    lines = []
    for scenario in revision.scenarios.prefetch_related("steps", "risks"):
        lines.append(f"Scenario: {scenario.title}")
        if scenario.description:
            lines.append(f"  {scenario.description}")
        if scenario.trigger_terms:
            lines.append(f"  Triggers: {scenario.trigger_terms}")
        risks = ", ".join(r.title for r in scenario.risks.all())
        if risks:
            lines.append(f"  Risks: {risks}")
        for step in scenario.steps.all():
            who = f" — {step.owner_role}" if step.owner_role else ""
            seen = "" if step.client_visible else " (internal)"
            lines.append(f"  {step.due_label}: {step.action}{who}{seen}")
    return lines


# -- the side-by-side diff -------------------------------------------------------------------


@dataclass
class DiffRow:
    kind: str  # "same", "changed", "added", "removed"
    left: str
    right: str


@dataclass
class SectionDiff:
    title: str
    rows: list[DiffRow]

    @property
    def changed(self) -> bool:
        return any(r.kind != "same" for r in self.rows)


def diff_lines(left: list[str], right: list[str]) -> list[DiffRow]:
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [DiffRow("same", a, b) for a, b in zip(left[i1:i2], right[j1:j2], strict=True)]
        elif op == "delete":
            rows += [DiffRow("removed", a, "") for a in left[i1:i2]]
        elif op == "insert":
            rows += [DiffRow("added", "", b) for b in right[j1:j2]]
        else:
            old, new = left[i1:i2], right[j1:j2]
            for k in range(max(len(old), len(new))):
                a = old[k] if k < len(old) else ""
                b = new[k] if k < len(new) else ""
                kind = "changed" if a and b else ("removed" if a else "added")
                rows.append(DiffRow(kind, a, b))
    return rows


def revision_diff(old: PlanRevision, new: PlanRevision) -> list[SectionDiff]:
    """Per section, the lines of `old` beside the lines of `new`."""
    diffs = [
        SectionDiff(s.title, diff_lines(section_lines(old, s.key), section_lines(new, s.key)))
        for s in SECTIONS
        if s.in_diff
    ]
    diffs.append(
        SectionDiff("Scenarios and playbooks", diff_lines(scenario_lines(old), scenario_lines(new)))
    )
    return diffs
