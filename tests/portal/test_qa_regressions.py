"""Defects found by walking through the product as its users do (QA pass), each pinned
by what the user saw."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from incidents.models import AlertKind, EntryKind, IncidentStatus
from tests.incidents.incident_factories import a_plan, an_incident
from tests.incidents.report_helpers import a_final_postmortem, a_stored_report
from tests.incidents.ui_factories import an_alert

pytestmark = pytest.mark.django_db


def test_client_page_shows_incidents_being_handled_and_open_alerts(cast: Any) -> None:
    """The alert email says to act "from the client's page": the page must lead there."""
    active = an_incident(cast, title="Yoghurt recall")
    old = an_incident(cast, title="Old outage")
    type(old).objects.filter(pk=old.pk).update(status=IncidentStatus.CLOSED)
    an_alert(cast.client, AlertKind.NEGATIVE_SURGE)
    an_alert(cast.client, AlertKind.VOLUME_SPIKE)
    http = cast.login(HttpClient(), cast.staff)

    page = http.get(reverse("clients:overview", kwargs={"client": cast.client.public_id}))

    html = page.content.decode()
    assert page.status_code == 200
    war_room = reverse(
        "incidents:detail", kwargs={"client": cast.client.public_id, "pk": active.public_id}
    )
    assert f'href="{war_room}"' in html
    assert "Old outage" not in html
    assert "2 open alerts" in html
    assert reverse("monitoring:alerts", kwargs={"client": cast.client.public_id}) in html
    assert reverse("incidents:list", kwargs={"client": cast.client.public_id}) in html


def test_client_page_says_so_when_nothing_is_being_handled(cast: Any) -> None:
    http = cast.login(HttpClient(), cast.staff)
    page = http.get(reverse("clients:overview", kwargs={"client": cast.client.public_id}))
    assert "No incident is being handled." in page.content.decode()
    assert "open alert" not in page.content.decode()


def test_opening_entry_is_made_of_sentences(cast: Any) -> None:
    """It read "Incident opened at severity 2 Running plan revision 1"."""
    incident = an_incident(cast)
    text = incident.timeline.get(kind=EntryKind.STATUS).text
    assert text.startswith("Incident opened at severity 2. No approved plan is in force")

    revision = a_plan(cast)
    incident = an_incident(cast, title="Second")
    text = incident.timeline.get(kind=EntryKind.STATUS).text
    assert f"Incident opened at severity 2. Running plan revision {revision.number}" in text


def test_alert_figures_are_grouped_and_without_a_spurious_decimal(cast: Any) -> None:
    """An influencer alert read "observed 180000, expected about 100000.0"."""
    an_alert(cast.client, AlertKind.INFLUENCER, observed=180000, expected=100000.0)
    http = cast.login(HttpClient(), cast.staff)
    page = http.get(reverse("monitoring:alerts", kwargs={"client": cast.client.public_id}))
    assert "observed 180,000, expected about 100,000" in page.content.decode()
    assert "100000.0" not in page.content.decode()


def test_portal_reports_page_is_a_portal_page_reachable_from_its_navigation(cast: Any) -> None:
    """The shared PDFs lived on a page with the agency's header and no portal navigation,
    linked from nowhere in the portal."""
    report = a_stored_report(cast, postmortem=a_final_postmortem(cast, shared=True))
    http = cast.login(HttpClient(), cast.contact_user)
    reports_url = reverse("reportsportal:list", kwargs={"client": cast.client.public_id})

    overview = http.get(reverse("clientportal:client", kwargs={"client": cast.client.public_id}))
    assert f'href="{reports_url}"' in overview.content.decode()

    page = http.get(reports_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'aria-current="page">PDF reports</a>' in html
    assert "Shared with you by Northwind Communications" in html
    download = reverse(
        "reportsportal:download", kwargs={"client": cast.client.public_id, "pk": report.public_id}
    )
    assert download in html


def test_date_pickers_show_the_saved_date(cast: Any) -> None:
    """With en-GB formats a saved date was written value="22/11/2026", which a browser's
    date picker shows as empty: saving the form again dropped the date."""
    from datetime import date

    from incidents.models import ActionItem
    from tests.plans.factories import a_risk

    risk = a_risk(cast.client, cast.owner, review_date=date(2026, 11, 22))
    postmortem = a_final_postmortem(cast)
    item = ActionItem.objects.create(
        postmortem=postmortem, title="Brief the line", due_date=date(2026, 12, 4)
    )
    http = cast.login(HttpClient(), cast.staff)
    client_id = cast.client.public_id

    risk_page = http.get(
        reverse("plans:risk_edit", kwargs={"client": client_id, "pk": risk.public_id})
    )
    assert 'value="2026-11-22"' in risk_page.content.decode()
    item_page = http.get(
        reverse(
            "postmortems:action_row",
            kwargs={
                "client": client_id,
                "incident": postmortem.incident.public_id,
                "pk": item.public_id,
            },
        )
    )
    assert 'type="date"' in item_page.content.decode()
    assert 'value="2026-12-04"' in item_page.content.decode()


def test_demo_statements_were_drafted_before_they_were_approved(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    """The demo's statements read "Drafted Tue 24 Nov 19:12 … approved Thu 19 Nov 12:55"."""
    from django.core.management import call_command

    from incidents.models import Statement
    from incidents.postmortem_demo import TITLE

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_data")
    statements = Statement.objects.filter(incident__title=TITLE)
    assert statements.count() == 2
    for s in statements:
        assert s.approved_at is not None and s.created_at < s.approved_at < s.published_at


def test_a_resolved_incident_offers_closing_first_and_names_reopening(cast: Any) -> None:
    """The war room of a resolved incident preselected "Responding": one hurried click
    reopened it."""
    import re

    incident = an_incident(cast)
    type(incident).objects.filter(pk=incident.pk).update(status=IncidentStatus.RESOLVED)
    http = cast.login(HttpClient(), cast.staff)
    page = http.get(
        reverse(
            "incidents:detail", kwargs={"client": cast.client.public_id, "pk": incident.public_id}
        )
    )
    select = re.search(
        r'<select name="status" id="new-status">(.*?)</select>', page.content.decode()
    )
    assert select is not None
    options = re.findall(r'<option value="(\w+)">([^<]*)</option>', select.group(1))
    assert options == [("closed", "Closed"), ("responding", "Responding (reopen)")]


def test_dashboard_shows_the_incidents_being_handled(cast: Any) -> None:
    """A client in the middle of a crisis looked like any other on the dashboard."""
    an_incident(cast)
    done = an_incident(cast, title="Old outage")
    type(done).objects.filter(pk=done.pk).update(status=IncidentStatus.RESOLVED)
    an_incident(cast, title="Tabletop", is_drill=True)
    http = cast.login(HttpClient(), cast.manager)

    html = http.get(reverse("portal:dashboard")).content.decode()

    assert "1 incident being handled" in html
    assert html.count("being handled") == 1  # the other clients have none


def test_form_labels_read_without_a_colon_everywhere(cast: Any) -> None:
    """Model and filter forms said "Title:", the hand-written ones "Type" / "Status"."""
    from incidents.models import ActionItem
    from tests.incidents.ui_factories import a_mention

    postmortem = a_final_postmortem(cast)
    item = ActionItem.objects.create(postmortem=postmortem, title="Brief the line")
    mention = a_mention(cast.client, text="Acme Crunch is mouldy")
    client_id = cast.client.public_id
    pages = {
        "login": reverse("accounts:login"),
        "risk filters": reverse("plans:risks", kwargs={"client": client_id}),
        "API keys": reverse("agency:api_keys"),
        "webhook": reverse("agency:webhook_create"),
        "triage": reverse(
            "monitoring:mention", kwargs={"client": client_id, "pk": mention.public_id}
        ),
        "reply": reverse(
            "responses:for_mention", kwargs={"client": client_id, "mention": mention.public_id}
        ),
        "action item": reverse(
            "postmortems:action_row",
            kwargs={
                "client": client_id,
                "incident": postmortem.incident.public_id,
                "pk": item.public_id,
            },
        ),
    }
    anonymous = HttpClient()
    http = cast.login(HttpClient(), cast.manager)
    for name, url in pages.items():
        page = (anonymous if name == "login" else http).get(url)
        html = page.content.decode()
        assert page.status_code == 200, name
        assert "</label>" in html, name
        assert ":</label>" not in html, f"{name}: a label ends with a colon"
    login = anonymous.get(pages["login"]).content.decode()
    assert ">Email</label>" in login and ">Password</label>" in login


def test_action_item_edit_breadcrumb_leads_back_to_its_post_mortem(cast: Any) -> None:
    """It ended with an unlinked "Post-mortem" on a page titled "Edit action item"."""
    import re

    from incidents.models import ActionItem

    postmortem = a_final_postmortem(cast)
    item = ActionItem.objects.create(postmortem=postmortem, title="Brief the line")
    kwargs = {"client": cast.client.public_id, "incident": postmortem.incident.public_id}
    http = cast.login(HttpClient(), cast.staff)

    page = http.get(reverse("postmortems:action_row", kwargs={**kwargs, "pk": item.public_id}))

    crumbs = re.search(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', page.content.decode(), re.S)
    assert crumbs is not None
    postmortem_link = f'<a href="{reverse("postmortems:detail", kwargs=kwargs)}">Post-mortem</a>'
    assert crumbs.group(1).endswith(f"{postmortem_link} › Edit action item")


def test_war_room_link_and_the_mentions_page_have_the_same_name(cast: Any) -> None:
    """The war room's "Answer the incident's mentions" led to "Mentions of the incident"."""
    incident = an_incident(cast)
    http = cast.login(HttpClient(), cast.staff)
    client_id = cast.client.public_id

    war_room = http.get(
        reverse("incidents:detail", kwargs={"client": client_id, "pk": incident.public_id})
    ).content.decode()
    page = http.get(
        reverse("responses:incident", kwargs={"client": client_id, "incident": incident.public_id})
    ).content.decode()

    assert "Answer the incident's mentions</a>" in war_room
    assert "<h1>Answer the incident's mentions</h1>" in page


def test_monitoring_without_a_source_shows_only_how_to_set_it_up(cast: Any) -> None:
    """A blank 0–1 chart and rows of zeros were drawn under "not set up yet"."""
    from tests.incidents.ui_factories import a_source

    http = cast.login(HttpClient(), cast.staff)
    url = reverse("monitoring:overview", kwargs={"client": cast.client.public_id})

    empty = http.get(url).content.decode()
    assert "Monitoring is not set up yet" in empty
    assert "<svg" not in empty and "Volume and sentiment" not in empty
    assert 'id="source-health"' not in empty

    a_source(cast.client)
    set_up = http.get(url).content.decode()
    assert "Volume and sentiment" in set_up and "<svg" in set_up


def test_plan_print_page_names_its_icon(cast: Any) -> None:
    """Without one the browser asked for /favicon.ico, a 404."""
    from django.templatetags.static import static

    a_plan(cast)
    http = cast.login(HttpClient(), cast.staff)
    page = http.get(reverse("plans:plan_print", kwargs={"client": cast.client.public_id}))
    assert page.status_code == 200
    assert f'<link rel="icon" href="{static("img/firebreak.svg")}"' in page.content.decode()


def test_demo_holding_statement_is_dated_the_day_it_was_published(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    """It ended "— Acme Foods, <the day the demo was loaded>" though published days earlier."""
    from zoneinfo import ZoneInfo

    from django.core.management import call_command

    from incidents.models import Statement
    from incidents.postmortem_demo import TITLE

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_data")
    holding = Statement.objects.select_related("incident__client__agency").get(
        incident__title=TITLE, is_holding=True
    )
    assert holding.published_at is not None
    zone = ZoneInfo(holding.incident.client.agency.time_zone)
    published_on = holding.published_at.astimezone(zone).strftime("%-d %B %Y")
    assert holding.body.endswith(f"— Acme Foods, {published_on}")
