"""The API isolation matrix: every route of the API URLconf × every kind of caller.

The web matrix (tests/portal/test_isolation_matrix.py) leaves /api/ to this one. The
test walks the resolver below /api/, so a route added without a rule here fails the
suite. For each route, method and caller it checks the status (another tenant's object
is a 404, a read-only key's write a 403, no key a 401, a reference to an object out of
scope a 400), and that no response of a caller shows an object it must not see.

Callers: API keys of the cast's agency (read-write, read-only), keys limited to
cast.client (read-write, read-only), a key limited to another client of the same agency,
a key of another agency, no key; and sessions (assigned staff, a client contact)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Contact
from incidents.incident_services import incident_change_status, incident_open, timeline_add
from incidents.models import (
    Alert,
    AlertKind,
    Mention,
    Report,
    ReportKind,
    Source,
    SourceKind,
    WatchTerm,
)
from incidents.postmortem_actions import action_item_create
from incidents.postmortems import postmortem_create
from incidents.statement_services import statement_draft
from plans.models import Scenario
from tests.api.conftest import make_key
from tests.plans.factories import a_risk, approved_plan
from tests.url_patterns import walk

CALLERS = [
    "anonymous",
    "agency_rw",
    "agency_ro",
    "client_rw",
    "client_ro",
    "second_client_rw",
    "other_agency_rw",
    "session_staff",
    "session_contact",
]
OK = "ok"  # let through: a 2xx, or a 400 from validation or a service's refusal


def table(**by_caller: Any) -> dict[str, Any]:
    missing = set(CALLERS) - set(by_caller)
    assert not missing, f"callers without an expected outcome: {missing}"
    return by_caller


PUBLIC = table(**dict.fromkeys(CALLERS, 200))
LIST = table(**{**dict.fromkeys(CALLERS, 200), "anonymous": 401, "session_contact": 403})
READ = table(
    anonymous=401,
    agency_rw=200,
    agency_ro=200,
    client_rw=200,
    client_ro=200,
    second_client_rw=404,
    other_agency_rw=404,
    session_staff=200,
    session_contact=403,
)
WRITE = table(
    anonymous=401,
    agency_rw=OK,
    agency_ro=403,
    client_rw=OK,
    client_ro=403,
    second_client_rw=404,
    other_agency_rw=404,
    session_staff=OK,
    session_contact=403,
)
UPDATE = {**WRITE, "agency_rw": 200, "client_rw": 200, "session_staff": 200}
DELETE = {**WRITE, "agency_rw": 204, "client_rw": 204, "session_staff": 204}
# A create naming objects of cast.client: out of scope for the other keys (400).
CREATE = table(
    anonymous=401,
    agency_rw=201,
    agency_ro=403,
    client_rw=201,
    client_ro=403,
    second_client_rw=400,
    other_agency_rw=400,
    session_staff=201,
    session_contact=403,
)
# Approving a statement is a person's decision: never through a key.
APPROVE = {**WRITE, "agency_rw": 403, "client_rw": 403}


@dataclass(frozen=True)
class Check:
    method: str
    expected: dict[str, Any]
    payload: str | None = None  # World method building the body


@dataclass(frozen=True)
class Rule:
    checks: tuple[Check, ...]
    kwargs: dict[str, str] = field(default_factory=dict)  # URL kwarg -> World attribute


def rule(*checks: Check, **kwargs: str) -> Rule:
    return Rule(checks, kwargs)


def get(expected: dict[str, Any]) -> Check:
    return Check("get", expected)


def detail(name: str, *, writes: bool = True, delete: bool = False, patch: str = "") -> Rule:
    checks = [get(READ)]
    if writes:
        checks += [Check("patch", UPDATE, patch), Check("put", WRITE, patch)]
    if delete:
        checks.append(Check("delete", DELETE))
    return rule(*checks, id=name)


def listing(create: str | None = None, expected: dict[str, Any] = CREATE) -> Rule:
    checks = [get(LIST)]
    if create:
        checks.append(Check("post", expected, create))
    return rule(*checks)


RULES: dict[str, Rule] = {
    "api:schema": rule(get(PUBLIC)),
    "api:docs": rule(get(PUBLIC)),
    "api:api-root": rule(get(LIST)),
    # clients: creating one needs an agency-wide key (the other agency's creates its own)
    "api:client-list": listing(
        "new_client",
        table(
            anonymous=401,
            agency_rw=201,
            agency_ro=403,
            client_rw=403,
            client_ro=403,
            second_client_rw=403,
            other_agency_rw=201,
            session_staff=403,
            session_contact=403,
        ),
    ),
    "api:client-detail": detail("client", patch="client_patch"),
    "api:contact-list": listing("new_contact"),
    "api:contact-detail": detail("contact", delete=True, patch="contact_patch"),
    "api:risk-list": listing("new_risk"),
    "api:risk-detail": detail("risk", patch="risk_patch"),
    "api:plan-list": listing(),
    "api:plan-detail": detail("plan", writes=False),
    "api:scenario-list": listing(),
    "api:scenario-detail": detail("scenario", writes=False),
    "api:source-list": listing("new_source"),
    "api:source-detail": detail("source", delete=True, patch="source_patch"),
    "api:watch-term-list": listing("new_term"),
    "api:watch-term-detail": detail("watch_term", delete=True, patch="term_patch"),
    "api:mention-list": listing(),
    "api:mention-bulk": rule(Check("post", CREATE, "bulk")),
    "api:mention-detail": detail("mention", patch="mention_patch"),
    "api:alert-list": listing(),
    "api:alert-detail": detail("alert", writes=False),
    "api:alert-acknowledge": rule(Check("post", WRITE), id="alert"),
    "api:alert-dismiss": rule(Check("post", WRITE), id="alert"),
    "api:incident-list": listing("new_incident"),
    "api:incident-detail": detail("incident", writes=False),
    "api:incident-change-status": rule(Check("post", WRITE, "status_change"), id="incident"),
    "api:incident-change-severity": rule(Check("post", WRITE, "severity_change"), id="incident"),
    "api:incident-timeline": rule(
        get(READ),
        Check("post", {**WRITE, "agency_rw": 201, "client_rw": 201}, "note"),
        id="incident",
    ),
    "api:statement-list": listing("new_statement"),
    "api:statement-detail": detail("statement", writes=False),
    "api:statement-approve": rule(Check("post", APPROVE), id="statement"),
    "api:statement-publish": rule(Check("post", WRITE, "publish"), id="statement"),
    "api:postmortem-list": listing("new_postmortem"),
    "api:postmortem-detail": detail("postmortem", patch="postmortem_patch"),
    "api:postmortem-pdf": rule(Check("post", {**WRITE, "agency_rw": 202}, "pdf"), id="postmortem"),
    "api:report-list": listing(),
    "api:report-detail": detail("report", writes=False),
    "api:report-download": rule(get(READ), id="report"),
    "api:action-item-list": listing("new_action_item"),
    "api:action-item-detail": detail("action_item", patch="action_item_patch"),
}


API_PATTERNS = [(n, r, p) for n, r, p in walk(get_resolver()) if r.startswith("api/")]


def test_every_api_route_has_a_rule():
    unnamed = [r for n, r, _ in API_PATTERNS if not n]
    assert not unnamed, f"API routes without a name: {unnamed}"
    missing = sorted({n for n, _, _ in API_PATTERNS} - set(RULES))
    assert not missing, f"API routes the API isolation matrix does not cover: {missing}"
    stale = sorted(set(RULES) - {n for n, _, _ in API_PATTERNS})
    assert not stale, f"rules for API routes that no longer exist: {stale}"


def test_every_method_of_every_route_is_checked():
    unchecked = []
    for name, _route, pattern in API_PATTERNS:
        actions = getattr(pattern.callback, "actions", None) or {"get": "get"}
        checked = {c.method for c in RULES[name].checks}
        unchecked += [
            f"{name} {m.upper()}"
            for m in actions
            if m not in checked and m not in ("head", "options")
        ]
    assert not unchecked, f"methods the matrix does not check: {unchecked}"


class World:
    """Objects of cast.client the URLs and bodies point at, plus objects the callers
    limited to cast.client, or to our agency, must never see."""

    def __init__(self, cast: Any) -> None:
        self.cast = cast
        owner = cast.owner
        self.client = cast.client.public_id
        self.contact = cast.contact.public_id
        self.risk = a_risk(cast.client, owner).public_id
        _plan, approved = approved_plan(cast.client, owner)
        self.plan = approved.public_id
        self.scenario = Scenario.objects.create(revision=approved, title="Recall").public_id
        source = Source.objects.create(
            client=cast.client, name="Listening tool", kind=SourceKind.PUSH
        )
        self.source = source.public_id
        self.watch_term = WatchTerm.objects.create(client=cast.client, term="Acme").public_id
        now = timezone.now()
        self.mention = Mention.objects.create(
            client=cast.client, source=source, external_id="m-1", text="Acme?", published_at=now
        ).public_id
        self.alert = Alert.objects.create(
            client=cast.client,
            kind=AlertKind.VOLUME_SPIKE,
            explanation="Mentions tripled.",
            window_start=now - timedelta(hours=1),
            window_end=now,
        ).public_id
        incident = incident_open(client=cast.client, by=owner, title="Recall", severity=2)
        timeline_add(incident=incident, by=owner, text="First note")
        self.incident = incident.public_id
        self.statement = statement_draft(
            incident=incident, by=owner, channel="x", body="We are looking into it."
        ).public_id
        # learning: a resolved incident with a post-mortem, an action item and its PDF,
        # and another resolved incident waiting for its post-mortem
        resolved = incident_open(client=cast.client, by=owner, title="Old recall", severity=1)
        incident_change_status(incident=resolved, by=owner, status="resolved", reason="Over")
        postmortem = postmortem_create(incident=resolved, by=owner)
        self.postmortem = postmortem.public_id
        self.action_item = action_item_create(
            postmortem=postmortem, by=owner, title="Rewrite the holding statement"
        ).public_id
        report = Report.objects.create(
            client=cast.client, kind=ReportKind.POSTMORTEM, postmortem=postmortem
        )
        report.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"))
        self.report = report.public_id
        waiting = incident_open(client=cast.client, by=owner, title="Outage", severity=1)
        incident_change_status(incident=waiting, by=owner, status="closed", reason="Over")
        self.waiting_incident = waiting.public_id
        # What the narrower callers must not see.
        self.second_client_contact = Contact.objects.create(
            client=cast.second_client, name="Blue Air press office"
        ).public_id
        self.other_agency_contact = cast.other_contact.public_id

    def own_ids(self) -> list[str]:
        return [
            str(v)
            for k, v in vars(self).items()
            if k not in ("cast", "second_client_contact", "other_agency_contact")
        ]

    # -- bodies -----------------------------------------------------------------------
    def new_client(self) -> dict[str, Any]:
        return {"name": "Client from the API"}

    def client_patch(self) -> dict[str, Any]:
        return {"name": "Acme Foods", "industry": "Food and drink"}

    def new_contact(self) -> dict[str, Any]:
        return {"client": str(self.client), "name": "Contact from the API"}

    def contact_patch(self) -> dict[str, Any]:
        return {"name": "Jane Reporter", "organisation": "Daily Planet"}

    def new_risk(self) -> dict[str, Any]:
        return {
            "client": str(self.client),
            "title": "Risk from the API",
            "category": "controversy",
            "likelihood": 2,
            "impact": 3,
        }

    def risk_patch(self) -> dict[str, Any]:
        return {**self.new_risk(), "title": "Changed by the API"}

    def new_source(self) -> dict[str, Any]:
        return {"client": str(self.client), "name": "Pushed from the API", "kind": "push"}

    def source_patch(self) -> dict[str, Any]:
        return {"name": "Listening tool", "kind": "push", "enabled": True}

    def new_term(self) -> dict[str, Any]:
        return {"client": str(self.client), "term": "apiterm"}

    def term_patch(self) -> dict[str, Any]:
        return {"term": "Acme", "high_priority": True}

    def mention_patch(self) -> dict[str, Any]:
        return {"triage": "ignored"}

    def bulk(self) -> dict[str, Any]:
        return {"source": str(self.source), "mentions": [{"id": "b-1", "text": "Acme!"}]}

    def new_incident(self) -> dict[str, Any]:
        return {"client": str(self.client), "title": "Opened by the API", "severity": 2}

    def status_change(self) -> dict[str, Any]:
        return {"status": "assessing", "reason": "Looking at it."}

    def severity_change(self) -> dict[str, Any]:
        return {"severity": 3, "reason": "It is spreading."}

    def note(self) -> dict[str, Any]:
        return {"text": "A note from the API."}

    def new_statement(self) -> dict[str, Any]:
        return {"incident": str(self.incident), "channel": "x", "body": "We are on it."}

    def publish(self) -> dict[str, Any]:
        return {"url": "https://acme.example/statement"}

    def new_postmortem(self) -> dict[str, Any]:
        return {"incident": str(self.waiting_incident), "summary": "It went well enough."}

    def postmortem_patch(self) -> dict[str, Any]:
        return {"lessons": "Answer faster."}

    def pdf(self) -> dict[str, Any]:
        return {"variant": "internal", "paper_size": "a4"}

    def new_action_item(self) -> dict[str, Any]:
        return {"postmortem": str(self.postmortem), "title": "Train the spokesperson"}

    def action_item_patch(self) -> dict[str, Any]:
        return {"title": "Rewrite the holding statement", "status": "in_progress"}


def http_for(cast: Any, caller: str) -> APIClient:
    http = APIClient()
    keys = {
        "agency_rw": {"agency": cast.agency, "by": cast.owner},
        "agency_ro": {"agency": cast.agency, "by": cast.owner, "read_only": True},
        "client_rw": {"agency": cast.agency, "by": cast.owner, "client": cast.client},
        "client_ro": {
            "agency": cast.agency,
            "by": cast.owner,
            "client": cast.client,
            "read_only": True,
        },
        "second_client_rw": {"agency": cast.agency, "by": cast.owner, "client": cast.second_client},
        "other_agency_rw": {"agency": cast.other_agency, "by": cast.outsider},
    }
    if caller in keys:
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(**keys[caller])}")
    elif caller == "session_staff":
        http.force_login(cast.staff)
    elif caller == "session_contact":
        http.force_login(cast.contact_user)
    return http


def outcome_ok(status: int, expected: Any) -> bool:
    if expected == OK:
        return 200 <= status < 300 or status == 400
    return bool(status == expected)


def leaks(caller: str, world: World, body: str) -> list[str]:
    """Ids in a response the caller must not see."""
    hidden: list[str] = [str(world.other_agency_contact)]
    if caller in ("client_rw", "client_ro", "session_staff"):
        hidden.append(str(world.second_client_contact))
    if caller in ("second_client_rw", "other_agency_rw", "anonymous", "session_contact"):
        hidden += world.own_ids()
    if caller == "other_agency_rw":
        hidden.remove(str(world.other_agency_contact))
    return [h for h in hidden if h in body]


@pytest.mark.parametrize("caller", CALLERS)
def test_api_isolation_matrix(cast, caller, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "100000/minute"},
    }
    world = World(cast)
    http = http_for(cast, caller)
    failures = []
    checks = [
        (name, check, rule_)
        for name, _route, _pattern in API_PATTERNS
        for rule_ in [RULES[name]]
        for check in rule_.checks
    ]
    # Reads first, then writes, deletes last: a delete would hide its object from the rest.
    order = {"get": 0, "post": 1, "patch": 1, "put": 1, "delete": 2}
    for name, check, rule_ in sorted(checks, key=lambda c: order[c[1].method]):
        kwargs = {k: getattr(world, attr) for k, attr in rule_.kwargs.items()}
        url = reverse(name, kwargs=kwargs)
        payload = getattr(world, check.payload)() if check.payload else None
        response = getattr(http, check.method)(url, payload, format="json")
        expected = check.expected[caller]
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode(errors="replace")
        if not outcome_ok(response.status_code, expected):
            failures.append(
                f"{check.method.upper()} {url} as {caller}: expected {expected}, "
                f"got {response.status_code} {body[:300]}"
            )
        if response.status_code >= 400 and name not in ("api:docs",):
            error = response.json().get("error", {})
            if not (error.get("status") == response.status_code and error.get("message")):
                failures.append(f"{check.method.upper()} {url} as {caller}: error shape {body}")
        leaked = leaks(caller, world, body)
        if leaked:
            failures.append(f"{check.method.upper()} {url} as {caller}: shows {leaked}")
    assert not failures, "\n".join(failures)


NOT_HTML = ("api:schema", "api:report-download")  # YAML/JSON and a PDF, by design


def test_the_browsable_api_renders_every_page_for_a_member(cast, client):
    """Signed-in members read the API in the browser: every GET route renders as HTML
    (forms for writes included), never a 500."""
    world = World(cast)
    client.force_login(cast.owner)
    failures = []
    for name, _route, _pattern in API_PATTERNS:
        rule_ = RULES[name]
        if not any(c.method == "get" for c in rule_.checks) or name in NOT_HTML:
            continue
        url = reverse(name, kwargs={k: getattr(world, a) for k, a in rule_.kwargs.items()})
        response = client.get(url, HTTP_ACCEPT="text/html")
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            failures.append(f"{url}: {response.status_code} {response['Content-Type']}")
    assert not failures, "\n".join(failures)
