"""Response-time targets of a crisis plan: edited per severity in the escalation section
(with validation), shown on the plan pages and the printable plan, and read by the war
room from the plan revision the incident runs on, with defaults for what the plan leaves
blank."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from incidents.incident_selectors import incident_metrics
from incidents.targets import DEFAULT_TARGETS, targets_for
from plans.services import plan_revision_start, plan_revision_update
from plans.targets import targets_from_levels
from tests.incidents.incident_factories import an_incident
from tests.plans.factories import approved_plan

LEVELS = [
    {"severity": 1, "criteria": "Grumbles", "notify": "Social"},
    {"severity": 2, "criteria": "Traction", "notify": "Lead"},
    {
        "severity": 3,
        "criteria": "Press",
        "notify": "Team",
        "targets": {"acknowledge": 20, "hold": 90, "resolve": 1440},
    },
    {"severity": 4, "criteria": "Safety", "notify": "Board"},
]


def url(name, client, **kwargs):
    return reverse(f"plans:{name}", kwargs={"client": client.public_id, **kwargs})


def escalation_post(**targets):
    data = {}
    for n in range(1, 5):
        data[f"criteria_{n}"] = f"Level {n}"
        data[f"notify_{n}"] = "Crisis lead"
        for key in ("detect", "acknowledge", "hold", "resolve"):
            data[f"target_{key}_{n}"] = ""
    data.update(targets)
    return data


def post_escalation(cast, client, **targets):
    """A draft of an approved plan, and the escalation editor posted by the owner."""
    plan, _ = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    client.force_login(cast.owner)
    response = client.post(
        url("revision_section", cast.client, pk=draft.public_id, section="escalation"),
        escalation_post(**targets),
    )
    return draft, response


def test_the_escalation_editor_saves_targets_typed_as_people_say_them(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    client.force_login(cast.staff)
    response = client.post(
        url("revision_section", cast.client, pk=draft.public_id, section="escalation"),
        escalation_post(
            target_acknowledge_3="20 min", target_hold_3="1 h 30", target_resolve_4="1d"
        ),
    )
    # "1 h 30" is not a duration the editor understands: nothing is saved, and it says why.
    assert response.status_code == 400
    assert "Write a duration such as “30 min”, “2 h” or “3 d”" in response.content.decode()
    response = client.post(
        url("revision_section", cast.client, pk=draft.public_id, section="escalation"),
        escalation_post(target_acknowledge_3="20 min", target_hold_3="90", target_resolve_4="1d"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    level3 = next(level for level in draft.escalation_levels if level["severity"] == 3)
    assert level3["targets"] == {"acknowledge": 20, "hold": 90}
    level4 = next(level for level in draft.escalation_levels if level["severity"] == 4)
    assert level4["targets"] == {"resolve": 1440}
    page = client.get(
        url("revision_section", cast.client, pk=draft.public_id, section="escalation")
    ).content.decode()
    assert 'value="20 min"' in page and 'value="1 h 30 min"' in page
    assert 'placeholder="2 h"' in page  # severity 3's default time to first statement


def test_the_escalation_editor_saves_again_the_targets_it_shows(cast, client):
    """It showed a 90-minute target as "1 h 30 min" and then refused that very text."""
    draft, response = post_escalation(
        cast, client, target_hold_3="90", target_resolve_2="2 d 2 h 30 min"
    )
    assert response.status_code == 302
    editor = url("revision_section", cast.client, pk=draft.public_id, section="escalation")
    page = client.get(editor).content.decode()
    assert 'value="1 h 30 min"' in page and 'value="2 d 2 h 30 min"' in page

    response = client.post(
        editor, escalation_post(target_hold_3="1 h 30 min", target_resolve_2="2 d 2 h 30 min")
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    levels = {level["severity"]: level.get("targets") for level in draft.escalation_levels}
    assert levels[3] == {"hold": 90} and levels[2] == {"resolve": 3030}


@pytest.mark.parametrize(
    ("typed", "shown", "minutes"),
    [("90", "+1 h 30 min", 90), ("0", "at opening", 0)],
)
def test_a_playbook_step_is_saved_again_as_shown(cast, client, typed, shown, minutes):
    plan, _ = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    client.force_login(cast.owner)
    form = {
        "title": "Influencer backlash",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-action": "Brief the CEO",
        "steps-0-due": typed,
        "steps-0-ORDER": "1",
    }
    assert (
        client.post(url("scenario_create", cast.client, pk=draft.public_id), form).status_code
        == 302
    )
    scenario = draft.scenarios.get(title="Influencer backlash")
    edit = url("scenario_edit", cast.client, pk=scenario.public_id)
    page = client.get(edit).content.decode()
    assert f'value="{shown}"' in page and 'name="steps-INITIAL_FORMS" value="1"' in page

    response = client.post(edit, {**form, "steps-INITIAL_FORMS": "1", "steps-0-due": shown})

    assert response.status_code == 302
    assert scenario.steps.get().due_offset_minutes == minutes


def test_a_more_severe_level_cannot_have_a_slower_target(cast, client):
    draft, response = post_escalation(
        cast, client, target_acknowledge_4="2 h", target_hold_2="0 min"
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Severity 4 would have longer to acknowledge (2 h) than severity 3 (30 min)" in page
    assert "A target must be longer than zero minutes." in page
    draft.refresh_from_db()
    assert all("targets" not in level for level in draft.escalation_levels)


def test_a_target_to_acknowledge_longer_than_to_resolve_is_refused(cast, client):
    _draft, response = post_escalation(cast, client, target_acknowledge_1="8 d")
    assert "Longer than the target to resolve severity 1 (7 d)." in response.content.decode()


def test_the_plan_page_the_revision_and_the_print_show_the_targets(cast, client):
    _plan, approved = approved_plan(cast.client, cast.owner, escalation_levels=LEVELS)
    client.force_login(cast.staff)
    plan_page = client.get(url("plan", cast.client)).content.decode()
    assert "Response-time targets" in plan_page
    assert "<td>20 min</td>" in plan_page  # severity 3, from the plan
    assert '<td class="muted" title="default">15 min*</td>' in plan_page  # severity 4 default
    revision = client.get(url("revision", cast.client, pk=approved.public_id)).content.decode()
    assert "Acknowledge 20 min" in revision and "First statement 1 h 30 min" in revision
    assert "Detect 1 h (default)" in revision
    printed = client.get(url("plan_print", cast.client)).content.decode()
    assert "Resolve 1 d" in printed


def test_the_diff_shows_a_changed_target(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner, escalation_levels=LEVELS)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    changed = [dict(level) for level in LEVELS]
    changed[2] = {**changed[2], "targets": {"acknowledge": 10, "hold": 90, "resolve": 1440}}
    plan_revision_update(revision=draft, by=cast.owner, escalation_levels=changed)
    client.force_login(cast.owner)
    page = client.get(
        reverse(
            "plans:revision_diff", kwargs={"client": cast.client.public_id, "pk": draft.public_id}
        )
    ).content.decode()
    assert "acknowledge 20 min" in page and "acknowledge 10 min" in page


def test_targets_come_from_the_incidents_recorded_revision_else_the_defaults(cast):
    _plan, approved = approved_plan(cast.client, cast.owner, escalation_levels=LEVELS)
    incident = an_incident(cast, severity=3)
    assert incident.plan_revision == approved
    targets = targets_for(incident.severity, incident.plan_revision)
    assert targets.acknowledge == timedelta(minutes=20)
    assert targets.hold == timedelta(minutes=90)
    assert targets.resolve == timedelta(days=1)
    assert targets.detect == DEFAULT_TARGETS[3].detect  # left blank by the plan
    # Another severity of the same plan has no targets of its own.
    assert targets_for(2, approved) == DEFAULT_TARGETS[2]
    # No plan: the defaults.
    assert targets_for(3) == DEFAULT_TARGETS[3]
    # The war room compares with the plan's target.
    labels = {m.label: m.target_label for m in incident_metrics(incident)}
    assert labels["Time to acknowledge"] == "20 min"
    assert labels["Time to first statement"] == "1 h 30 min"


def test_a_plan_changed_mid_crisis_does_not_move_a_running_incidents_targets(cast):
    plan, _approved = approved_plan(cast.client, cast.owner, escalation_levels=LEVELS)
    incident = an_incident(cast, severity=3)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    faster = [dict(level) for level in LEVELS]
    faster[2] = {**faster[2], "targets": {"acknowledge": 5}}
    plan_revision_update(revision=draft, by=cast.owner, escalation_levels=faster)
    incident.refresh_from_db()
    assert targets_for(3, incident.plan_revision).acknowledge == timedelta(minutes=20)


def test_broken_stored_targets_fall_back_to_the_defaults():
    levels = [{"severity": 2, "targets": {"acknowledge": "soon", "hold": -5, "resolve": True}}]
    assert targets_from_levels(levels, 2) == DEFAULT_TARGETS[2]
    assert targets_from_levels("not a list", 4) == DEFAULT_TARGETS[4]
