"""Each resource: list, detail, create or change, as an integration would use them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from incidents.drill_mentions import DRILL_SOURCE_NAME
from incidents.models import (
    Alert,
    AlertKind,
    Incident,
    Mention,
    MentionTriageChange,
    Source,
    SourceKind,
    TimelineEntry,
)
from plans.models import Risk, RiskChange
from tests.plans.factories import a_risk, approved_plan


def results(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_contacts_list_create_update_delete(cast, api, keys):
    http = api(keys.agency_rw)
    client_id = str(cast.client.public_id)
    created = http.post(
        "/api/v1/contacts/",
        {
            "client": client_id,
            "name": "  Nora   News ",
            "email": "nora@news.test",
            "tags": "tv, radio",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Nora News"  # cleaned by the contact form, as on the page
    assert body["client"] == client_id
    names = [c["name"] for c in results(http.get(f"/api/v1/contacts/?client={client_id}"))]
    assert names == ["Jane Reporter", "Nora News"]
    url = f"/api/v1/contacts/{body['id']}/"
    changed = http.patch(url, {"organisation": "Channel 5"})
    assert changed.status_code == 200
    assert changed.json()["organisation"] == "Channel 5"
    assert changed.json()["email"] == "nora@news.test"  # left as it was
    assert http.delete(url).status_code == 204
    assert http.get(url).status_code == 404


def test_contact_email_is_unique_per_client_with_the_page_message(cast, api, keys):
    response = api(keys.agency_rw).post(
        "/api/v1/contacts/",
        {"client": str(cast.client.public_id), "name": "Again", "email": "JANE@planet.test"},
    )
    assert response.status_code == 400
    assert "already exists for Acme Foods" in response.json()["error"]["fields"]["email"][0]


def test_a_contact_cannot_move_to_another_client(cast, api, keys):
    response = api(keys.agency_rw).patch(
        f"/api/v1/contacts/{cast.contact.public_id}/", {"client": str(cast.second_client.public_id)}
    )
    assert response.status_code == 400
    assert "cannot move" in response.json()["error"]["fields"]["client"][0]


def test_clients_create_and_rename(cast, api, keys):
    http = api(keys.agency_rw)
    created = http.post("/api/v1/clients/", {"name": "Delta Dairy", "industry": "Food"})
    assert created.status_code == 201
    clash = http.post("/api/v1/clients/", {"name": "delta dairy"})
    assert clash.status_code == 400
    assert "already has a client" in clash.json()["error"]["fields"]["name"][0]
    renamed = http.patch(f"/api/v1/clients/{created.json()['id']}/", {"name": "Delta Dairies"})
    assert renamed.json()["name"] == "Delta Dairies"


def test_risks_create_and_change_record_history(cast, api, keys):
    http = api(keys.client_rw)
    created = http.post(
        "/api/v1/risks/",
        {
            "client": str(cast.client.public_id),
            "title": "Salmonella recall",
            "category": "product_quality",
            "likelihood": 3,
            "impact": 5,
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["score"] == 15
    assert created.json()["level"] in ("high", "critical")
    risk = Risk.objects.get(public_id=created.json()["id"])
    changed = http.patch(f"/api/v1/risks/{risk.public_id}/", {"likelihood": 1})
    assert changed.json()["score"] == 5
    fields = list(RiskChange.objects.filter(risk=risk).values_list("field", flat=True))
    assert "created" in fields and "likelihood" in fields
    assert RiskChange.objects.filter(risk=risk, field="likelihood").get().changed_by == cast.owner
    out_of_scale = http.patch(f"/api/v1/risks/{risk.public_id}/", {"impact": 9})
    assert out_of_scale.status_code == 400


def test_plans_list_only_approved_revisions_with_scenarios(cast, api, keys):
    _plan, approved = approved_plan(cast.client, cast.owner)  # with a "Product recall" scenario
    from plans.services import plan_revision_start

    plan_revision_start(plan=approved.plan, by=cast.owner)  # a draft: never listed
    http = api(keys.agency_ro)
    plans = results(http.get("/api/v1/plans/"))
    assert [(p["id"], p["status"]) for p in plans] == [(str(approved.public_id), "approved")]
    scenarios = results(http.get(f"/api/v1/scenarios/?plan={approved.public_id}"))
    assert [s["title"] for s in scenarios] == ["Product recall"]
    assert scenarios[0]["trigger_terms"] == ["recall", "contaminated"]
    assert scenarios[0]["steps"][0]["action"] == "Convene the crisis team"
    assert plans[0]["scenarios"] == [scenarios[0]["id"]]
    # The plan's content comes under the API's names ("scope", not the model's "plan_scope").
    assert plans[0]["scope"] == approved.plan_scope
    assert plans[0]["objectives"] == approved.objectives
    assert "plan_scope" not in plans[0]


def test_sources_are_validated_like_the_page(cast, api, keys):
    http = api(keys.agency_rw)
    no_url = http.post(
        "/api/v1/sources/", {"client": str(cast.client.public_id), "name": "News", "kind": "feed"}
    )
    assert no_url.status_code == 400
    assert "Enter the address to poll" in no_url.json()["error"]["fields"]["url"][0]
    created = http.post(
        "/api/v1/sources/",
        {
            "client": str(cast.client.public_id),
            "name": "News",
            "kind": "feed",
            "url": "https://news.example/feed.xml",
        },
    )
    assert created.status_code == 201
    assert created.json()["enabled"] is True  # the model's default when left out
    assert created.json()["interval_minutes"] == 10


def test_watch_terms_refuse_a_term_that_matches_an_existing_one(cast, api, keys):
    http = api(keys.agency_rw)
    client = str(cast.client.public_id)
    assert http.post("/api/v1/watch-terms/", {"client": client, "term": "Café"}).status_code == 201
    same = http.post("/api/v1/watch-terms/", {"client": client, "term": "cafe"})
    assert same.status_code == 400
    assert "ignores case and accents" in same.json()["error"]["fields"]["term"][0]


def test_mentions_list_filters_and_triage(cast, api, keys):
    source = Source.objects.create(client=cast.client, name="Push", kind=SourceKind.PUSH)
    now = timezone.now()
    for i, label in enumerate(["negative", "positive", "negative"]):
        Mention.objects.create(
            client=cast.client,
            source=source,
            external_id=f"m{i}",
            text=f"text {i}",
            published_at=now - timedelta(minutes=i),
            sentiment_label=label,
        )
    http = api(keys.agency_rw)
    negative = results(http.get("/api/v1/mentions/?sentiment=negative"))
    assert [m["external_id"] for m in negative] == ["m0", "m2"]  # newest first
    first = results(http.get("/api/v1/mentions/?page_size=1"))
    assert len(first) == 1
    mention = negative[0]["id"]
    done = http.patch(f"/api/v1/mentions/{mention}/", {"triage": "ignored"})
    assert done.status_code == 200 and done.json()["triage"] == "ignored"
    read_only = http.patch(f"/api/v1/mentions/{mention}/", {"text": "rewritten"})
    assert read_only.status_code == 200
    assert Mention.objects.get(public_id=mention).text == "text 0"
    # The change is in the mention's triage history, under the key's creator.
    history = MentionTriageChange.objects.get(mention__public_id=mention)
    assert (history.by, history.triage_to) == (cast.owner, "ignored")


def test_mentions_list_leaves_out_drill_replays(cast, api, keys):
    real = Source.objects.create(client=cast.client, name="Push", kind=SourceKind.PUSH)
    drill = Source.objects.create(client=cast.client, name=DRILL_SOURCE_NAME, kind=SourceKind.PUSH)
    for source, external_id in ((real, "real-1"), (drill, "drill-1")):
        Mention.objects.create(
            client=cast.client,
            source=source,
            external_id=external_id,
            text="Acme recall",
            published_at=timezone.now(),
        )
    listed = results(api(keys.agency_rw).get("/api/v1/mentions/"))
    assert [m["external_id"] for m in listed] == ["real-1"]


def test_cursor_pages_walk_every_mention_once(cast, api, keys):
    source = Source.objects.create(client=cast.client, name="Push", kind=SourceKind.PUSH)
    now = timezone.now()
    Mention.objects.bulk_create(
        Mention(
            client=cast.client,
            source=source,
            external_id=f"m{i}",
            text="x",
            published_at=now - timedelta(seconds=i // 3),  # ties in time
        )
        for i in range(25)
    )
    http = api(keys.agency_rw)
    seen: list[str] = []
    url = "/api/v1/mentions/?page_size=7"
    while url:
        page = http.get(url).json()
        seen += [m["external_id"] for m in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(f"m{i}" for i in range(25))


def test_alerts_list_and_acknowledge(cast, api, keys):
    now = timezone.now()
    alert = Alert.objects.create(
        client=cast.client,
        kind=AlertKind.NEGATIVE_SURGE,
        explanation="Negative share doubled.",
        window_start=now - timedelta(hours=1),
        window_end=now,
    )
    http = api(keys.client_rw)
    assert [a["id"] for a in results(http.get("/api/v1/alerts/?status=open"))] == [
        str(alert.public_id)
    ]
    acked = http.post(f"/api/v1/alerts/{alert.public_id}/acknowledge/")
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    again = http.post(f"/api/v1/alerts/{alert.public_id}/dismiss/")
    assert again.status_code == 400
    assert "no longer open" in again.json()["error"]["message"]


def test_incident_open_change_and_timeline(cast, api, keys):
    http = api(keys.agency_rw)
    opened = http.post(
        "/api/v1/incidents/",
        {"client": str(cast.client.public_id), "title": "Recall rumour", "severity": 2},
    )
    assert opened.status_code == 201, opened.content
    incident = opened.json()["id"]
    assert opened.json()["status"] == "detected"
    changed = http.post(
        f"/api/v1/incidents/{incident}/status/", {"status": "assessing", "reason": "On it"}
    )
    assert changed.status_code == 200 and changed.json()["status"] == "assessing"
    no_reason = http.post(f"/api/v1/incidents/{incident}/severity/", {"severity": 3})
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["error"]["fields"]
    note = http.post(f"/api/v1/incidents/{incident}/timeline/", {"text": "Called the CEO."})
    assert note.status_code == 201
    assert note.json()["author"] == cast.owner.display_name  # the key's creator
    timeline = results(http.get(f"/api/v1/incidents/{incident}/timeline/"))
    assert [e["kind"] for e in timeline][-1] == "note"
    assert timeline[-1]["text"] == "Called the CEO."
    assert TimelineEntry.objects.filter(incident__public_id=incident).count() == len(timeline)
    empty = http.post(f"/api/v1/incidents/{incident}/timeline/", {"text": "  "})
    assert empty.status_code == 400


def test_incident_refuses_an_alert_of_another_client(cast, api, keys):
    now = timezone.now()
    alert = Alert.objects.create(
        client=cast.second_client,
        kind=AlertKind.VOLUME_SPIKE,
        explanation="x",
        window_start=now,
        window_end=now,
    )
    response = api(keys.agency_rw).post(
        "/api/v1/incidents/",
        {
            "client": str(cast.client.public_id),
            "title": "Mixed",
            "severity": 1,
            "alert": str(alert.public_id),
        },
    )
    assert response.status_code == 400
    assert "another client" in response.json()["error"]["message"]
    assert not Incident.objects.filter(title="Mixed").exists()


def test_statements_draft_and_publish_refused_until_approved(cast, api, keys):
    http = api(keys.agency_rw)
    incident = http.post(
        "/api/v1/incidents/",
        {"client": str(cast.client.public_id), "title": "Outage", "severity": 2},
    ).json()["id"]
    draft = http.post(
        "/api/v1/statements/",
        {"incident": incident, "channel": "website", "body": "We are aware of the outage."},
    )
    assert draft.status_code == 201, draft.content
    assert draft.json()["status"] == "draft"
    listed = results(http.get(f"/api/v1/statements/?incident={incident}&status=draft"))
    assert draft.json()["id"] in [s["id"] for s in listed]
    publish = http.post(f"/api/v1/statements/{draft.json()['id']}/publish/", {})
    assert publish.status_code == 400
    approve = http.post(f"/api/v1/statements/{draft.json()['id']}/approve/")
    assert approve.status_code == 403
    assert "approved by a person" in approve.json()["error"]["message"]


def test_a_read_only_assignment_cannot_write_through_the_session(cast, client):
    risk = a_risk(cast.client, cast.owner)
    client.force_login(cast.readonly_staff)
    response = client.patch(
        f"/api/v1/risks/{risk.public_id}/", {"title": "Nope"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "read this risk but not change it" in response.json()["error"]["message"]


def test_the_mention_fast_path_writes_what_the_declared_fields_write(cast, api, keys):
    from django.test import RequestFactory
    from django.utils import timezone as tz

    from portal.api.serializers_monitoring import MentionSerializer
    from portal.api.views_monitoring import MentionViewSet, attach_terms

    source = Source.objects.create(client=cast.client, name="Push", kind=SourceKind.PUSH)
    term = source.client.watch_terms.create(term="Acme")
    mention = Mention.objects.create(
        client=cast.client,
        source=source,
        external_id="fast",
        text="Acme",
        url="",
        author_reach=None,
        published_at=timezone.now().replace(microsecond=123456),
    )
    mention.matched_terms.add(term)
    from rest_framework.request import Request

    from portal.api.auth import scope_for_key
    from portal.models import ApiKey

    django_request = RequestFactory().get("/")
    django_request.scope = scope_for_key(ApiKey.objects.get(prefix=keys.agency_rw.split("_")[1]))
    view = MentionViewSet()
    view.request = Request(django_request)
    (row,) = attach_terms(list(view.get_queryset().filter(pk=mention.pk)))
    for zone in ("UTC", "Europe/London", "America/New_York"):
        with tz.override(zone):
            serializer = MentionSerializer()  # one per response, as in a view
            assert serializer.to_representation(row) == serializer.generic_representation(row)
    assert serializer.to_representation(row)["matched_terms"] == ["Acme"]
