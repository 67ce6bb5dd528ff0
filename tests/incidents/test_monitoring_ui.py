"""Monitoring pages of a client: overview, sources with health, watch terms, settings,
alerts. Writers change things, read-only staff read, another agency gets a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from incidents.alert_actions import AlertActionError, alert_acknowledge, alert_dismiss
from incidents.links import alert_url
from incidents.models import AlertStatus, MonitoringProfile, Source, SourceKind, WatchTerm
from tests.incidents.ui_factories import a_mention, a_source, a_term, an_alert


def url(name: str, client, **kwargs) -> str:
    return reverse(f"monitoring:{name}", kwargs={"client": client.public_id, **kwargs})


@pytest.mark.parametrize("name", ["overview", "sources", "terms", "inbox", "alerts", "settings"])
def test_every_page_renders_for_a_writer(cast, client, name):
    source = a_source(cast.client)
    a_mention(cast.client, source, terms=(a_term(cast.client),))
    an_alert(cast.client)
    client.force_login(cast.staff)
    assert client.get(url(name, cast.client)).status_code == 200


def test_overview_explains_how_to_start_when_nothing_is_set_up(cast, client):
    client.force_login(cast.manager)
    page = client.get(url("overview", cast.client)).content.decode()
    assert "Monitoring is not set up yet" in page
    assert url("source_create", cast.client) in page
    assert url("terms", cast.client) in page


def test_overview_shows_chart_top_terms_authors_and_open_alerts(cast, client):
    source = a_source(cast.client)
    recall = a_term(cast.client, "recall", kind="negative")
    for i in range(3):
        a_mention(
            cast.client,
            source,
            text="recall",
            terms=(recall,),
            author=f"Author {i}",
            author_reach=1000 * (i + 1),
            sentiment_label="negative",
            published_at=timezone.now() - timedelta(hours=i),
        )
    an_alert(cast.client, explanation="Negative mentions jumped to 3.")
    client.force_login(cast.staff)
    page = client.get(url("overview", cast.client)).content.decode()
    assert page.count('class="ts-bar"') == 7 * 24
    assert "recall" in page and "Author 2" in page
    assert "Negative mentions jumped to 3." in page
    assert "Acknowledge" in page and "Dismiss" in page
    day = client.get(url("overview", cast.client) + "?range=24h").content.decode()
    assert day.count('class="ts-bar"') == 24


def test_read_only_staff_sees_monitoring_without_write_buttons(cast, client):
    an_alert(cast.client)
    a_source(cast.client)
    client.force_login(cast.readonly_staff)
    page = client.get(url("overview", cast.client)).content.decode()
    assert "Acknowledge" not in page
    assert client.get(url("sources", cast.client)).status_code == 200
    assert client.get(url("source_create", cast.client)).status_code == 403
    assert client.get(url("settings", cast.client)).status_code == 403


def test_another_agencys_source_is_a_404(cast, client):
    theirs = a_source(cast.other_client)
    client.force_login(cast.owner)
    assert client.get(url("source_edit", cast.client, pk=theirs.public_id)).status_code == 404
    client.force_login(cast.outsider)
    assert client.get(url("sources", cast.client)).status_code == 404


# -- sources ------------------------------------------------------------------------


def test_writer_adds_a_feed_source(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("source_create", cast.client),
        {
            "name": "Google News",
            "kind": "feed",
            "url": "https://news.example/rss",
            "interval_minutes": 10,
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    source = Source.objects.get(client=cast.client, name="Google News")
    assert source.url == "https://news.example/rss"


@pytest.mark.parametrize(
    ("kind", "address", "message"),
    [
        ("feed", "", "Enter the address to poll"),
        ("feed", "ftp://files.example/feed.xml", "Only http:// and https:// addresses"),
        ("feed", "not a url", "Enter a valid URL"),
        ("feed", "https://user:pw@news.example/rss", "Leave user names and passwords out"),
        ("mastodon_tag", "https://mastodon.social/@acme", "hashtag timeline looks like"),
        ("mastodon_account", "https://mastodon.social/tags/acme", "Mastodon account looks like"),
    ],
)
def test_source_form_explains_what_is_wrong_with_the_address(cast, client, kind, address, message):
    client.force_login(cast.staff)
    response = client.post(
        url("source_create", cast.client),
        {"name": "X", "kind": kind, "url": address, "interval_minutes": 10},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Source.objects.filter(client=cast.client).exists()


@pytest.mark.parametrize(
    ("kind", "address"),
    [
        ("mastodon_tag", "https://mastodon.social/tags/AcmeFail"),
        ("mastodon_tag", "https://mastodon.social/api/v1/timelines/tag/AcmeFail"),
        ("mastodon_account", "https://mastodon.social/@acme"),
        ("mastodon_account", "https://mastodon.social/api/v1/accounts/109/statuses"),
    ],
)
def test_mastodon_web_and_api_addresses_are_accepted(cast, client, kind, address):
    client.force_login(cast.staff)
    client.post(
        url("source_create", cast.client),
        {"name": "Mastodon", "kind": kind, "url": address, "interval_minutes": 10},
    )
    assert Source.objects.get(client=cast.client, name="Mastodon").url == address


def test_a_push_source_needs_no_address_and_shows_its_endpoint_and_secret_to_writers(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("source_create", cast.client),
        {"name": "Listening tool", "kind": "push", "url": "", "interval_minutes": 10},
        follow=True,
    )
    source = Source.objects.get(client=cast.client, name="Listening tool")
    assert source.kind == SourceKind.PUSH and source.url == ""
    page = response.content.decode()
    assert source.push_secret in page
    assert reverse("hooks:push", kwargs={"source": source.public_id}) in page
    client.force_login(cast.readonly_staff)
    page = client.get(url("sources", cast.client)).content.decode()
    assert "Listening tool" in page
    assert source.push_secret not in page


def test_source_names_are_unique_per_client(cast, client):
    a_source(cast.client, name="Blog")
    client.force_login(cast.staff)
    response = client.post(
        url("source_create", cast.client),
        {"name": "blog", "kind": "feed", "url": "https://b.example/rss", "interval_minutes": 10},
    )
    assert "already has a source named" in response.content.decode()


def test_sources_page_shows_health_in_plain_words(cast, client):
    now = timezone.now()
    a_source(
        cast.client,
        name="Broken feed",
        last_error="The server answered 404 Not Found: the address may have moved.",
        last_error_at=now,
        consecutive_failures=3,
    )
    a_source(cast.client, name="Good feed", last_success_at=now, mention_count=12)
    client.force_login(cast.staff)
    page = client.get(url("sources", cast.client)).content.decode()
    assert "The server answered 404 Not Found: the address may have moved." in page
    assert "Failing" in page and "3 in a row" in page
    assert ">12<" in page


def test_poll_now_makes_the_source_due(cast, client, django_capture_on_commit_callbacks):
    source = a_source(cast.client)
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))
    client.force_login(cast.staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("source_poll", cast.client, pk=source.public_id))
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.next_poll_at <= timezone.now()
    assert len(callbacks) == 1  # the poll task is queued once the change commits


def test_deleting_a_source_removes_it(cast, client):
    source = a_source(cast.client)
    client.force_login(cast.staff)
    client.post(url("source_delete", cast.client, pk=source.public_id))
    assert not Source.objects.filter(pk=source.pk).exists()


# -- watch terms ----------------------------------------------------------------------


def test_writer_adds_a_watch_term(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("term_create", cast.client),
        {"term": "Acme Foods", "kind": "brand", "mode": "phrase", "enabled": "on"},
    )
    assert response.status_code == 302
    assert WatchTerm.objects.get(client=cast.client).term == "Acme Foods"


@pytest.mark.parametrize("again", ["café crème", "CAFE CREME", "  Café   Crème "])
def test_a_duplicate_term_is_refused_whatever_its_case_and_accents(cast, client, again):
    a_term(cast.client, "Café Crème")
    client.force_login(cast.staff)
    response = client.post(
        url("term_create", cast.client), {"term": again, "kind": "brand", "mode": "word"}
    )
    assert response.status_code == 200
    assert "already watches “Café Crème”" in response.content.decode()
    assert WatchTerm.objects.filter(client=cast.client).count() == 1


def test_the_same_term_may_be_watched_for_another_client(cast, client):
    a_term(cast.second_client, "Acme")
    client.force_login(cast.manager)
    client.post(url("term_create", cast.client), {"term": "acme", "kind": "brand", "mode": "word"})
    assert WatchTerm.objects.filter(client=cast.client, term="acme").exists()


def test_a_term_without_letters_is_refused(cast, client):
    client.force_login(cast.staff)
    response = client.post(
        url("term_create", cast.client), {"term": "###", "kind": "hashtag", "mode": "word"}
    )
    assert "at least one letter or digit" in response.content.decode()


def test_editing_a_term_keeps_its_own_spelling_allowed(cast, client):
    term = a_term(cast.client, "Acme")
    client.force_login(cast.staff)
    response = client.post(
        url("term_edit", cast.client, pk=term.public_id),
        {"term": "ACME", "kind": "brand", "mode": "phrase", "high_priority": "on", "enabled": "on"},
    )
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.term == "ACME" and term.high_priority


# -- settings -------------------------------------------------------------------------


def test_settings_create_and_save_the_profile(cast, client):
    client.force_login(cast.staff)
    assert client.get(url("settings", cast.client)).status_code == 200
    client.post(url("settings", cast.client), {"influencer_reach": 5000})
    profile = MonitoringProfile.objects.get(client=cast.client)
    assert profile.influencer_reach == 5000 and profile.alert_emails is False


# -- alerts ---------------------------------------------------------------------------


def test_acknowledging_an_alert_records_who_and_refuses_a_second_time(cast, client):
    alert = an_alert(cast.client)
    client.force_login(cast.staff)
    client.post(url("alert_ack", cast.client, pk=alert.public_id))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.handled_by == cast.staff
    response = client.post(url("alert_dismiss", cast.client, pk=alert.public_id), follow=True)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert "is no longer open: it was acknowledged by Sam Staff" in response.content.decode()


def test_dismissing_an_alert_closes_it(cast, client):
    alert = an_alert(cast.client)
    client.force_login(cast.manager)
    client.post(url("alert_dismiss", cast.client, pk=alert.public_id))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED


def test_alert_services_refuse_an_alert_that_is_not_open(cast):
    alert = an_alert(cast.client)
    alert_dismiss(alert=alert, by=cast.owner)
    with pytest.raises(AlertActionError, match="no longer open"):
        alert_acknowledge(alert=alert, by=cast.staff)


def test_read_only_staff_cannot_acknowledge(cast, client):
    alert = an_alert(cast.client)
    client.force_login(cast.readonly_staff)
    assert client.post(url("alert_ack", cast.client, pk=alert.public_id)).status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_alerts_list_filters_by_status_and_kind(cast, client):
    an_alert(cast.client, kind="volume_spike", explanation="Spike one")
    an_alert(cast.client, kind="keyword", explanation="Keyword two", status="dismissed")
    client.force_login(cast.staff)
    open_page = client.get(url("alerts", cast.client)).content.decode()
    assert "Spike one" in open_page and "Keyword two" not in open_page
    dismissed = client.get(url("alerts", cast.client) + "?status=dismissed").content.decode()
    assert "Keyword two" in dismissed and "Spike one" not in dismissed
    by_kind = client.get(url("alerts", cast.client) + "?status=all&kind=keyword").content.decode()
    assert "Keyword two" in by_kind and "Spike one" not in by_kind


def test_alerts_list_pages_past_fifty_and_keeps_the_filters_in_the_page_links(cast, client):
    now = timezone.now()
    for n in range(1, 121):  # alert 1 is the newest
        an_alert(
            cast.client,
            kind="keyword",
            status="dismissed",
            explanation=f"Keyword alert {n}.",
            opened_at=now - timedelta(minutes=n),
        )
    an_alert(cast.client, kind="volume_spike", status="dismissed", explanation="A spike.")
    client.force_login(cast.staff)
    first = client.get(url("alerts", cast.client) + "?status=dismissed&kind=keyword")
    body = first.content.decode()
    assert body.count('class="alert-item') == 50
    assert "Keyword alert 1." in body and "Keyword alert 50." in body
    assert "Keyword alert 51." not in body and "A spike." not in body
    assert "Page 1 of 3 · 120 in all" in body
    assert 'href="?status=dismissed&amp;kind=keyword&amp;page=2"' in body
    last = client.get(url("alerts", cast.client) + "?status=dismissed&kind=keyword&page=3")
    body = last.content.decode()
    assert body.count('class="alert-item') == 20
    assert "Keyword alert 101." in body and "Keyword alert 120." in body
    assert "Keyword alert 100." not in body and "A spike." not in body
    assert 'href="?status=dismissed&amp;kind=keyword&amp;page=2"' in body  # previous
    # the page links swap only the list: htmx gets what goes inside #alert-list (the
    # page has one), not the whole page nor a second list nested in the first
    assert body.count('id="alert-list"') == 1
    assert 'hx-target="#alert-list"' in body
    partial = client.get(
        url("alerts", cast.client) + "?status=dismissed&kind=keyword&page=2", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="alert-list"' not in partial and "<html" not in partial
    assert "Keyword alert 51." in partial and "Keyword alert 100." in partial


def test_a_link_to_an_alert_shows_the_page_holding_it_whatever_its_status_now(cast, client):
    now = timezone.now()
    old = an_alert(
        cast.client,
        status="dismissed",
        explanation="The old one.",
        opened_at=now - timedelta(days=2),
    )
    for n in range(60):  # newer dismissed alerts push it off the first page
        an_alert(cast.client, status="dismissed", opened_at=now - timedelta(minutes=n))
    mention = a_mention(cast.client)
    mention.alerts.add(old)
    other = an_alert(cast.second_client, status="dismissed")
    client.force_login(cast.staff)
    page = client.get(url("mention", cast.client, pk=mention.public_id)).content.decode()
    link = page.split("<dt>Part of</dt>")[1].split('href="')[1].split('"')[0]
    path, fragment = link.replace("&amp;", "&").split("#")
    assert fragment == f"alert-{old.public_id}"
    shown = client.get(path).content.decode()
    assert f'id="alert-{old.public_id}"' in shown and "Page 2 of 2" in shown
    # the page links keep to that list (dismissed, no alert named any more)
    assert 'href="?status=dismissed&amp;page=1"' in shown
    # the alert that was open when an email linked to it has been handled since
    alert = an_alert(cast.client, status="open", explanation="Was open.")
    link = alert_url(alert).removeprefix(settings.SITE_URL)
    alert_acknowledge(alert=alert, by=cast.staff)
    shown = client.get(link.split("#")[0]).content.decode()
    assert f'id="alert-{alert.public_id}"' in shown and "Was open." in shown
    # another client's alert (or a made-up id) names nothing: the open alerts, page 1
    for unknown in (other.public_id, "not-an-id"):
        shown = client.get(url("alerts", cast.client) + f"?alert={unknown}").content.decode()
        assert "No open alert" in shown and str(other.public_id) not in shown


def test_dashboard_and_client_page_lead_to_monitoring(cast, client):
    an_alert(cast.client)
    client.force_login(cast.manager)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert "1 open alert" in dashboard
    overview = client.get(reverse("clients:overview", kwargs={"client": cast.client.public_id}))
    assert url("overview", cast.client) in overview.content.decode()
