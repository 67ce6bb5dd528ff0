"""The isolation matrix: every URL pattern of the project × every role.

The test walks the resolver, so a URL added without an entry in RULES fails the suite:
later features cannot add an unchecked page. For each pattern and role it checks the
outcome (200, login redirect, 403, 404, 405, or "allowed" for writes) with URL kwargs
pointing at objects of the cast's agency and client.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from clients.models import Invitation, InvitationKind, Membership, PortalAccess, Role
from portal.views.base import PublicView, SignedInView
from tests.url_patterns import walk

ROLES = [
    "anonymous",
    "owner",
    "manager",
    "staff",
    "readonly_staff",
    "unassigned_staff",
    "contact_user",
    "outsider",
]
LOGIN = "login"  # 302 to the login page
OK = "ok"  # a write that was let through: any 2xx/3xx that is not a login redirect


def outcomes(**by_role: Any) -> dict[str, Any]:
    missing = set(ROLES) - set(by_role)
    assert not missing, f"roles without an expected outcome: {missing}"
    return by_role


# Outcome tables by kind of page. Another agency's object is a 404; a read-only actor's
# write is a 403; a page for members is a 403 for a client contact.
PUBLIC = outcomes(**dict.fromkeys(ROLES, 200))
SIGNED_IN = outcomes(**{**dict.fromkeys(ROLES, 200), "anonymous": LOGIN})
MEMBER = outcomes(
    anonymous=LOGIN,
    owner=200,
    manager=200,
    staff=200,
    readonly_staff=200,
    unassigned_staff=200,
    contact_user=403,
    outsider=200,
)
MANAGER_AGENCY = outcomes(
    anonymous=LOGIN,
    owner=200,
    manager=200,
    staff=403,
    readonly_staff=403,
    unassigned_staff=403,
    contact_user=403,
    outsider=200,
)
OWNER_AGENCY = outcomes(
    anonymous=LOGIN,
    owner=200,
    manager=403,
    staff=403,
    readonly_staff=403,
    unassigned_staff=403,
    contact_user=403,
    outsider=200,
)
CLIENT_READ = outcomes(
    anonymous=LOGIN,
    owner=200,
    manager=200,
    staff=200,
    readonly_staff=200,
    unassigned_staff=404,
    contact_user=403,
    outsider=404,
)
CLIENT_WRITE = outcomes(
    anonymous=LOGIN,
    owner=200,
    manager=200,
    staff=200,
    readonly_staff=403,
    unassigned_staff=404,
    contact_user=403,
    outsider=404,
)
CLIENT_MANAGER = outcomes(
    anonymous=LOGIN,
    owner=200,
    manager=200,
    staff=403,
    readonly_staff=403,
    unassigned_staff=403,
    contact_user=403,
    outsider=404,
)
PORTAL = outcomes(
    anonymous=LOGIN,
    owner=403,
    manager=403,
    staff=403,
    readonly_staff=403,
    unassigned_staff=403,
    contact_user=200,
    outsider=403,
)


def as_post(table: dict[str, Any]) -> dict[str, Any]:
    """The same table for a write: where a GET would be a 200, the POST must be let through."""
    return {role: OK if expected == 200 else expected for role, expected in table.items()}


@dataclass(frozen=True)
class Rule:
    expected: dict[str, Any]
    method: str = "get"
    kwargs: dict[str, str] = field(default_factory=dict)  # kwarg -> World attribute


def get(table: dict[str, Any], **kwargs: str) -> Rule:
    return Rule(table, "get", kwargs)


def post(table: dict[str, Any], **kwargs: str) -> Rule:
    return Rule(as_post(table), "post", kwargs)


RULES: dict[str, Rule] = {
    # accounts
    "accounts:login": get(outcomes(**{**dict.fromkeys(ROLES, 302), "anonymous": 200})),
    "accounts:logout": post(outcomes(**dict.fromkeys(ROLES, 302))),
    "accounts:password_change": get(SIGNED_IN),
    "accounts:password_change_done": get(SIGNED_IN),
    "accounts:password_reset": get(PUBLIC),
    "accounts:password_reset_done": get(PUBLIC),
    "accounts:password_reset_confirm": get(PUBLIC, uidb64="bad_uid", token="bad_token"),
    "accounts:password_reset_complete": get(PUBLIC),
    # dashboard; a client contact is sent on to the portal
    "portal:dashboard": get({**MEMBER, "contact_user": 302}),
    "portal:switch_agency": post(outcomes(**{**dict.fromkeys(ROLES, 302), "anonymous": LOGIN})),
    # clients
    "clients:create": get(MANAGER_AGENCY),
    "clients:overview": get(CLIENT_READ, client="client"),
    "clients:edit": get(CLIENT_WRITE, client="client"),
    # stakeholder contacts
    "clients:contacts": get(CLIENT_READ, client="client"),
    "clients:contact_create": get(CLIENT_WRITE, client="client"),
    "clients:contact_detail": get(CLIENT_READ, client="client", pk="contact"),
    "clients:contact_edit": get(CLIENT_WRITE, client="client", pk="contact"),
    "clients:contact_row": get(CLIENT_WRITE, client="client", pk="contact"),
    "clients:contact_delete": get(CLIENT_WRITE, client="client", pk="contact"),
    "clients:contact_vcard": get(CLIENT_READ, client="client", pk="contact"),
    "clients:contacts_import": get(CLIENT_WRITE, client="client"),
    "clients:contacts_export": get(CLIENT_READ, client="client"),
    # agency administration (the outsider is owner of their own agency: they see theirs,
    # and another agency's member or invitation is a 404 to them)
    "agency:members": get(MANAGER_AGENCY),
    "agency:member_invite": get(OWNER_AGENCY),
    "agency:member_role": post({**OWNER_AGENCY, "outsider": 404}, pk="membership"),
    "agency:member_remove": get({**OWNER_AGENCY, "outsider": 404}, pk="membership"),
    "agency:invitation_revoke": post({**MANAGER_AGENCY, "outsider": 404}, pk="invitation"),
    "agency:settings": get(OWNER_AGENCY),
    "agency:logo": get(outcomes(**{**MEMBER, "owner": 200, "outsider": 404})),
    "agency:client_team": get(CLIENT_MANAGER, client="client"),
    "agency:client_assign": post(CLIENT_MANAGER, client="client"),
    "agency:client_unassign": post(CLIENT_MANAGER, client="client", user="staff_public_id"),
    "agency:portal_invite": post(CLIENT_MANAGER, client="client"),
    "agency:portal_revoke": post(CLIENT_MANAGER, client="client", pk="portal_access"),
    # REST API keys (owners and managers; the outsider's agency has no such key: 404)
    "agency:api_keys": get(MANAGER_AGENCY),
    "agency:api_key_revoke": post({**MANAGER_AGENCY, "outsider": 404}, pk="api_key"),
    # outgoing webhooks (agency records: another agency's endpoint is a 404; the POSTs
    # run in URL order on one endpoint and end as redirects with a message, never a 500)
    "agency:webhooks": get(MANAGER_AGENCY),
    "agency:webhook_create": get(MANAGER_AGENCY),
    "agency:webhook": get({**MANAGER_AGENCY, "outsider": 404}, pk="webhook"),
    "agency:webhook_edit": get({**MANAGER_AGENCY, "outsider": 404}, pk="webhook"),
    "agency:webhook_ping": post({**MANAGER_AGENCY, "outsider": 404}, pk="webhook"),
    "agency:webhook_enable": post({**MANAGER_AGENCY, "outsider": 404}, pk="webhook"),
    "agency:webhook_disable": post({**MANAGER_AGENCY, "outsider": 404}, pk="webhook"),
    "agency:webhook_secret": post({**MANAGER_AGENCY, "outsider": 404}, pk="webhook"),
    "agency:webhook_resend": post(
        {**MANAGER_AGENCY, "outsider": 404}, pk="webhook", delivery="webhook_delivery"
    ),
    "agency:webhook_delete": get({**MANAGER_AGENCY, "outsider": 404}, pk="webhook"),
    # invitations: the token is the credential
    "invitations:accept": get(PUBLIC, token="invitation_token"),
    # monitoring: push (the signature is the credential: an unsigned POST is refused for
    # everyone, signed in or not)
    "hooks:push": Rule(outcomes(**dict.fromkeys(ROLES, 401)), "post", {"source": "push_source"}),
    # read-only client portal
    "clientportal:home": get(PORTAL),
    "clientportal:client": get(PORTAL, client="client"),
    "clientportal:contacts": get(PORTAL, client="client"),
    "clientportal:logo": get(PORTAL, client="client"),
    # plans: crisis plan, revisions, scenarios (workflow POSTs last: they change the world)
    "plans:plan": get(CLIENT_READ, client="client"),
    "plans:plan_settings": get(CLIENT_WRITE, client="client"),
    "plans:plan_print": get(CLIENT_READ, client="client"),
    "plans:revision": get(CLIENT_READ, client="client", pk="draft_revision"),
    "plans:revision_diff": get(CLIENT_READ, client="client", pk="draft_revision"),
    "plans:revision_section": get(
        CLIENT_WRITE, client="client", pk="draft_revision", section="plan_section"
    ),
    "plans:scenario_create": get(CLIENT_WRITE, client="client", pk="draft_revision"),
    "plans:scenario": get(CLIENT_READ, client="client", pk="scenario"),
    "plans:scenario_edit": get(CLIENT_WRITE, client="client", pk="scenario"),
    "plans:scenario_delete": get(CLIENT_WRITE, client="client", pk="scenario"),
    "plans:risks": get(CLIENT_READ, client="client"),
    "plans:risk_heatmap": get(CLIENT_READ, client="client"),
    "plans:risks_export": get(CLIENT_READ, client="client"),
    "plans:risk_create": get(CLIENT_WRITE, client="client"),
    "plans:risk": get(CLIENT_READ, client="client", pk="risk"),
    "plans:risk_edit": get(CLIENT_WRITE, client="client", pk="risk"),
    "plans:drills": get(CLIENT_READ, client="client"),
    "plans:drill_create": get(CLIENT_WRITE, client="client"),
    "plans:drill": get(CLIENT_READ, client="client", pk="exercise"),
    "plans:drill_edit": get(CLIENT_WRITE, client="client", pk="exercise"),
    "plans:training_create": get(CLIENT_WRITE, client="client"),
    "plans:training_edit": get(CLIENT_WRITE, client="client", pk="training_record"),
    "plans:plan_start": post(CLIENT_WRITE, client="client"),
    "plans:revision_submit": post(CLIENT_WRITE, client="client", pk="draft_revision"),
    "plans:revision_return": post(CLIENT_WRITE, client="client", pk="draft_revision"),
    "plans:revision_approve": post(CLIENT_WRITE, client="client", pk="draft_revision"),
    "plans:revision_discard": post(CLIENT_WRITE, client="client", pk="draft_revision"),
    # monitoring (the alert and poll POSTs change the world: after every GET)
    "monitoring:overview": get(CLIENT_READ, client="client"),
    "monitoring:settings": get(CLIENT_WRITE, client="client"),
    "monitoring:sources": get(CLIENT_READ, client="client"),
    "monitoring:source_create": get(CLIENT_WRITE, client="client"),
    "monitoring:source_edit": get(CLIENT_WRITE, client="client", pk="source"),
    "monitoring:source_delete": get(CLIENT_WRITE, client="client", pk="source_to_delete"),
    "monitoring:source_poll": post(CLIENT_WRITE, client="client", pk="source"),
    "monitoring:terms": get(CLIENT_READ, client="client"),
    "monitoring:term_create": get(CLIENT_WRITE, client="client"),
    "monitoring:term_edit": get(CLIENT_WRITE, client="client", pk="watch_term"),
    "monitoring:term_delete": get(CLIENT_WRITE, client="client", pk="term_to_delete"),
    "monitoring:inbox": get(CLIENT_READ, client="client"),
    "monitoring:inbox_new_count": get(CLIENT_READ, client="client"),
    "monitoring:inbox_bulk": post(CLIENT_WRITE, client="client"),
    "monitoring:mention": get(CLIENT_READ, client="client", pk="mention"),
    "monitoring:alerts": get(CLIENT_READ, client="client"),
    "monitoring:alert_ack": post(CLIENT_WRITE, client="client", pk="alert"),
    "monitoring:alert_dismiss": post(CLIENT_WRITE, client="client", pk="alert"),
    # incidents (the war room; POSTs run in URL order on one open incident, and no rule
    # closes it, so every write is let through or refused with a message, never a 500)
    "incidents:list": get(CLIENT_READ, client="client"),
    "incidents:open": get(CLIENT_WRITE, client="client"),
    "incidents:trends": get(CLIENT_READ, client="client"),
    "trends:agency": get(MEMBER),
    "incidents:open_from_alert": post(CLIENT_WRITE, client="client", alert="incident_alert"),
    "incidents:detail": get(CLIENT_READ, client="client", pk="incident"),
    "incidents:timeline": get(CLIENT_READ, client="client", pk="incident"),
    "incidents:add_entry": post(CLIENT_WRITE, client="client", pk="incident"),
    "incidents:correct_entry": post(
        CLIENT_WRITE, client="client", pk="incident", entry="incident_entry"
    ),
    "incidents:change_status": post(CLIENT_WRITE, client="client", pk="incident"),
    "incidents:change_severity": post(CLIENT_WRITE, client="client", pk="incident"),
    "incidents:task_done": post(CLIENT_WRITE, client="client", pk="incident", task="incident_task"),
    "incidents:assign_role": post(
        CLIENT_WRITE, client="client", pk="incident", role="incident_role"
    ),
    "incidents:notify_stakeholder": post(CLIENT_WRITE, client="client", pk="incident"),
    # statements (approve/publish/toggle POSTs run in URL order on one open incident: a
    # refusal — one's own statement, not yet approved — comes back as a message, never a 500)
    "statements:list": get(CLIENT_READ, client="client", incident="incident"),
    "statements:draft": get(CLIENT_WRITE, client="client", incident="incident"),
    "statements:edit": get(CLIENT_WRITE, client="client", incident="incident", pk="statement"),
    "statements:approve": post(CLIENT_WRITE, client="client", incident="incident", pk="statement"),
    "statements:publish": post(CLIENT_WRITE, client="client", incident="incident", pk="statement"),
    "statements:public_page": post(CLIENT_WRITE, client="client", incident="incident"),
    # responses to mentions (the reply page is a write page; the update POST runs on a
    # drafted reply and may mark it sent: later roles get a refusal message, never a 500)
    "responses:for_mention": get(CLIENT_WRITE, client="client", mention="mention"),
    "responses:update": post(CLIENT_WRITE, client="client", pk="mention_response"),
    "responses:incident": get(CLIENT_READ, client="client", incident="incident"),
    # post-mortems (on a resolved incident that has one, with an action item; the POSTs
    # run in URL order: a second start, an empty item, linking the open plan draft, done,
    # sharing, finalising and reopening are each let through or refused with a message)
    "postmortems:list": get(CLIENT_READ, client="client"),
    "postmortems:detail": get(CLIENT_READ, client="client", incident="pm_incident"),
    "postmortems:start": post(CLIENT_WRITE, client="client", incident="pm_incident"),
    "postmortems:edit": get(CLIENT_WRITE, client="client", incident="pm_incident"),
    "postmortems:action_create": post(CLIENT_WRITE, client="client", incident="pm_incident"),
    "postmortems:action_row": get(
        CLIENT_WRITE, client="client", incident="pm_incident", pk="action_item"
    ),
    "postmortems:action_plan": post(
        CLIENT_WRITE, client="client", incident="pm_incident", pk="action_item"
    ),
    "postmortems:action_done": post(
        CLIENT_WRITE, client="client", incident="pm_incident", pk="action_item"
    ),
    "postmortems:share": post(CLIENT_WRITE, client="client", incident="pm_incident"),
    "postmortems:finalise": post(CLIENT_WRITE, client="client", incident="pm_incident"),
    "postmortems:reopen": post(CLIENT_WRITE, client="client", incident="pm_incident"),
    # drills (an empty POST is refused with a message; the timings POST on a real
    # incident is refused too: only a drill has an exercise record)
    "drills:start": get(CLIENT_WRITE, client="client"),
    "drills:timings": post(CLIENT_WRITE, client="client", pk="incident"),
    # the public statement page: the slug is the credential
    "public:page": get(PUBLIC, slug="public_slug"),
    # plans in the client portal: approved plan and risk register only
    "plansportal:plan": get(PORTAL, client="client"),
    "plansportal:risks": get(PORTAL, client="client"),
    # incidents in the client portal: real incidents, client-visible content only
    "incidentsportal:list": get(PORTAL, client="client"),
    "incidentsportal:detail": get(PORTAL, client="client", pk="incident"),
    "incidentsportal:reviews": get(PORTAL, client="client"),
    # stored PDF reports (the request POSTs queue a PDF on commit: nothing renders here)
    "reports:list": get(CLIENT_READ, client="client"),
    "reports:detail": get(CLIENT_READ, client="client", pk="report"),
    "reports:download": get(CLIENT_READ, client="client", pk="report"),
    "reports:postmortem_request": post(CLIENT_WRITE, client="client", pk="report_postmortem"),
    "reports:plan_request": post(CLIENT_WRITE, client="client"),
    "reports:regenerate": post(CLIENT_WRITE, client="client", pk="report"),
    # reports in the client portal: client versions of what is shared with the client
    "reportsportal:list": get(PORTAL, client="client"),
    "reportsportal:download": get(PORTAL, client="client", pk="report"),
}


ALL_PATTERNS = walk(get_resolver())
# The REST API (/api/) is left to its own matrix, tests/api/test_isolation_matrix.py,
# which walks every API route for API keys of each scope (and sessions): its outcomes
# (401 without a key, JSON errors) are not those of the pages.
PROJECT_PATTERNS = [(n, r, p) for n, r, p in ALL_PATTERNS if not r.startswith(("admin/", "api/"))]
ADMIN_PATTERNS = [(n, r, p) for n, r, p in ALL_PATTERNS if r.startswith("admin/")]


def test_every_url_pattern_has_a_rule():
    unnamed = [r for n, r, _ in PROJECT_PATTERNS if ":" not in n]
    assert not unnamed, f"URL patterns without a namespaced name: {unnamed}"
    missing = sorted({n for n, _, _ in PROJECT_PATTERNS} - set(RULES))
    assert not missing, f"URL patterns the isolation matrix does not cover: {missing}"
    stale = sorted(set(RULES) - {n for n, _, _ in PROJECT_PATTERNS})
    assert not stale, f"rules for URL patterns that no longer exist: {stale}"


def test_every_view_derives_from_a_scoped_base_class():
    loose = []
    for name, _route, pattern in PROJECT_PATTERNS:
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not issubclass(view_class, (PublicView, SignedInView)):
            loose.append(name)
    assert not loose, f"views that bypass portal.views.base: {loose}"


class World:
    """The objects URL kwargs point at, all in the cast's agency and client."""

    bad_uid = "MTIzNDU"  # a password-reset link that is not valid: the page says so
    bad_token = "set-password"

    def __init__(self, cast: Any) -> None:
        self.cast = cast
        self.client = cast.client.public_id
        self.contact = cast.contact.public_id
        self.membership = Membership.objects.get(agency=cast.agency, user=cast.staff).public_id
        self.staff_public_id = cast.staff.public_id
        self.portal_access = PortalAccess.objects.get(user=cast.contact_user).public_id
        from portal.api.keys import api_key_create

        self.api_key = api_key_create(
            agency=cast.agency, by=cast.owner, name="Matrix", client=None, read_only=True
        ).key.public_id
        from incidents.models import Source, SourceKind

        self.push_source = Source.objects.create(
            client=cast.client, name="Listening tool", kind=SourceKind.PUSH
        ).public_id
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            agency=cast.agency,
            kind=InvitationKind.MEMBER,
            email="newcomer@northwind.test",
            role=Role.STAFF,
            token_hash=Invitation.hash_token(token),
            invited_by=cast.owner,
            expires_at=timezone.now() + timedelta(days=3),
        )
        self.invitation = invitation.public_id  # the owner's revoke POST uses it up
        # agency: accepting gets an invitation of its own (still pending when the walk
        # reaches it), and the agency has a logo (the outsider's agency has none: 404)
        import io

        from django.core.files.base import ContentFile
        from PIL import Image

        self.invitation_token = secrets.token_urlsafe(32)
        Invitation.objects.create(
            agency=cast.agency,
            kind=InvitationKind.MEMBER,
            email="second-newcomer@northwind.test",
            role=Role.STAFF,
            token_hash=Invitation.hash_token(self.invitation_token),
            invited_by=cast.owner,
            expires_at=timezone.now() + timedelta(days=3),
        )
        png = io.BytesIO()
        Image.new("RGB", (4, 4), "orange").save(png, "PNG")
        cast.agency.logo.save("logo-matrix.png", ContentFile(png.getvalue()))
        # webhooks: an endpoint (a private address: a ping is refused without a connection)
        # with one failed delivery
        from incidents.models import WebhookDelivery, WebhookEndpoint

        endpoint = WebhookEndpoint.objects.create(
            agency=cast.agency, url="http://10.255.255.1/hook", events=["alert.raised"]
        )
        self.webhook = endpoint.public_id
        self.webhook_delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="alert.raised", payload={}, attempts=1, last_status=500
        ).public_id
        # plans: an approved revision 1 and a draft revision 2 with a scenario, a risk,
        # a drill and a training record, all of cast.client
        from plans.models import TrainingRecord
        from plans.services import exercise_save, plan_revision_start, scenario_save
        from tests.plans.factories import a_risk, approved_plan

        plan, approved = approved_plan(cast.client, cast.owner)
        draft = plan_revision_start(plan=plan, by=cast.owner)
        self.approved_revision = approved.public_id
        self.draft_revision = draft.public_id
        self.plan_section = "objectives"
        self.scenario = scenario_save(revision=draft, by=cast.owner, title="Data leak").public_id
        self.risk = a_risk(cast.client, cast.owner).public_id
        self.exercise = exercise_save(
            client=cast.client, by=cast.owner, title="Recall drill", scheduled_at=timezone.now()
        ).public_id
        self.training_record = TrainingRecord.objects.create(
            client=cast.client,
            person="Sam Staff",
            topic="Media training",
            completed_on="2026-01-05",
        ).public_id
        # monitoring: a source with a mention, a watch term and an open alert of
        # cast.client; deletes point at objects of their own
        from incidents.models import Alert, AlertKind, Mention, Source, WatchTerm

        source = Source.objects.create(
            client=cast.client, name="News search", url="https://news.example/feed"
        )
        self.source = source.public_id
        self.source_to_delete = Source.objects.create(
            client=cast.client, name="Old blog", url="https://blog.example/feed"
        ).public_id
        self.watch_term = WatchTerm.objects.create(client=cast.client, term="Acme").public_id
        self.term_to_delete = WatchTerm.objects.create(
            client=cast.client, term="acmefail"
        ).public_id
        self.mention = Mention.objects.create(
            client=cast.client,
            source=source,
            external_id="m-1",
            text="Acme recall?",
            published_at=timezone.now(),
        ).public_id
        now = timezone.now()
        self.alert = Alert.objects.create(
            client=cast.client,
            kind=AlertKind.VOLUME_SPIKE,
            explanation="Mentions tripled in the last hour.",
            window_start=now - timedelta(hours=1),
            window_end=now,
        ).public_id
        # incidents: an open incident of cast.client with an entry and a task, and an
        # alert of its own to escalate
        from incidents.incident_services import incident_open, timeline_add
        from incidents.models import IncidentTask

        incident = incident_open(client=cast.client, by=cast.owner, title="Recall", severity=2)
        self.incident = incident.public_id
        self.incident_entry = timeline_add(
            incident=incident, by=cast.owner, text="First note"
        ).public_id
        self.incident_task = IncidentTask.objects.create(
            incident=incident, title="Call the CEO"
        ).public_id
        from incidents.models import IncidentRole

        self.incident_role = IncidentRole.objects.create(
            incident=incident, role="Spokesperson"
        ).public_id
        # statements: a draft on the open incident, and another incident whose public
        # statement page is on
        from incidents.statement_services import incident_public_page, statement_draft

        self.statement = statement_draft(
            incident=incident, by=cast.staff, channel="x", body="We are looking into it."
        ).public_id
        from incidents.models import MentionResponse

        self.mention_response = MentionResponse.objects.create(
            client=cast.client,
            mention_id=Mention.objects.get(public_id=self.mention).pk,
            body="Hi, sorry!",
            author=cast.staff,
        ).public_id
        public_incident = incident_open(
            client=cast.client, by=cast.owner, title="Public", severity=1
        )
        self.public_slug = incident_public_page(
            incident=public_incident, by=cast.owner, enabled=True
        ).public_slug
        self.incident_alert = Alert.objects.create(
            client=cast.client,
            kind=AlertKind.NEGATIVE_SURGE,
            explanation="Negative share doubled.",
            window_start=now - timedelta(hours=1),
            window_end=now,
        ).public_id
        # post-mortems: a resolved incident with a post-mortem and an action item
        from incidents.models import Incident, IncidentStatus
        from incidents.postmortem_actions import action_item_create
        from incidents.postmortems import postmortem_create, postmortem_update

        pm_incident = incident_open(client=cast.client, by=cast.owner, title="Done", severity=2)
        Incident.objects.filter(pk=pm_incident.pk).update(
            status=IncidentStatus.RESOLVED, resolved_at=now
        )
        pm_incident.status = IncidentStatus.RESOLVED
        postmortem = postmortem_create(incident=pm_incident, by=cast.owner)
        postmortem_update(postmortem=postmortem, by=cast.owner, summary="S", lessons="L")
        self.pm_incident = pm_incident.public_id
        self.action_item = action_item_create(
            postmortem=postmortem, by=cast.owner, title="Update the plan", owner=cast.staff
        ).public_id
        # reports: the client version of a final, shared post-mortem, with its file
        from tests.incidents.report_helpers import a_stored_report

        report = a_stored_report(cast)
        self.report = report.public_id
        self.report_postmortem = report.postmortem.public_id


def check(http: Any, url: str, method: str, expected: Any) -> str | None:
    response = http.get(url) if method == "get" else http.post(url, {})
    status = response.status_code
    location = response.get("Location", "")
    to_login = status == 302 and "/accounts/login/" in location
    if expected == LOGIN:
        ok = to_login
    elif expected == OK:
        ok = status < 400 and not to_login
    else:
        ok = status == expected
    if ok:
        return None
    return f"{method.upper()} {url}: expected {expected}, got {status} {location}".strip()


@pytest.mark.parametrize("role", ROLES)
def test_isolation_matrix(cast, client, role):
    world = World(cast)
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    failures = []
    for name, _route, _pattern in PROJECT_PATTERNS:
        rule = RULES[name]
        kwargs = {k: getattr(world, attr) for k, attr in rule.kwargs.items()}
        url = reverse(name, kwargs=kwargs)
        problem = check(client, url, rule.method, rule.expected[role])
        if problem:
            failures.append(f"{name} as {role}: {problem}")
        if rule.method == "post" and role != "anonymous":
            # Writes that were let through may have changed the world: start afresh.
            client.force_login(getattr(cast, role))
    assert not failures, "\n".join(failures)


ADMIN_KWARGS = {"app_label": "clients", "content_type_id": "1", "object_id": "1", "url": "x/"}


def admin_url(route: str, pattern: URLPattern) -> str:
    """A concrete URL for an admin route, named or not."""
    path = "/" + route
    for key in pattern.pattern.regex.groupindex:
        value = ADMIN_KWARGS.get(key, "1")
        for form in (f"<path:{key}>", f"<int:{key}>", f"<str:{key}>", f"<{key}>", f"(?P<{key}>.*)"):
            path = path.replace(form, value)
    return path.replace("^", "").replace("$", "")


@pytest.mark.parametrize("role", ROLES)
def test_django_admin_is_for_superusers_only(cast, client, role):
    """Every admin URL sends our roles (none is a superuser) to the admin's own login."""
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    failures = []
    for name, route, pattern in ADMIN_PATTERNS:
        url = admin_url(route, pattern)
        response = client.get(url)
        if name == "admin:login":
            ok = response.status_code == 200
        elif name == "admin:logout":
            ok = response.status_code in (302, 405)  # logging out is a POST
        elif not name:
            # Unnamed admin routes only redirect to named ones, which are checked here too.
            ok = response.status_code in (301, 302)
        else:
            ok = response.status_code == 302 and "/admin/login/" in response["Location"]
        if not ok:
            failures.append(f"{name or route} {url} as {role}: got {response.status_code}")
    assert not failures, "\n".join(failures)
