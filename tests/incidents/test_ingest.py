"""Ingestion: mentions are stored once per (source, external id), matched and scored,
whatever happens to the batch that carries them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections, router
from django.utils import timezone

from incidents.ingest import datetime_adapter, ingest_entries
from incidents.models import Mention, Source, WatchTerm
from incidents.monitoring.parse import ParsedEntry, parse_feed
from tests.incidents.local_server import rss

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def entry(n: int, text: str = "Acme Foods recall is a disaster, awful and scary") -> ParsedEntry:
    return ParsedEntry(
        external_id=f"post-{n}",
        url=f"https://social.example/post/{n}",
        author=f"user{n}",
        author_reach=100 * n,
        title="",
        text=text,
        published=NOW + timedelta(seconds=n),
        language="en",
    )


@pytest.fixture
def source(cast) -> Source:
    WatchTerm.objects.create(client=cast.client, term="Acme Foods", kind="brand")
    WatchTerm.objects.create(client=cast.client, term="recall", kind="negative", mode="phrase")
    return Source.objects.create(client=cast.client, name="News", url="https://news.example/")


def test_reingesting_the_same_entries_stores_nothing_new(source):
    batch = [entry(n) for n in range(20)]
    first = ingest_entries(source=source, entries=batch)
    again = ingest_entries(source=source, entries=batch)
    assert (first.created, first.duplicates) == (20, 0)
    assert (again.created, again.duplicates) == (0, 20)
    assert Mention.objects.filter(source=source).count() == 20
    source.refresh_from_db()
    assert source.mention_count == 20


def test_a_half_ingested_batch_run_again_loses_nothing_and_duplicates_nothing(source):
    batch = [entry(n) for n in range(30)]
    ingest_entries(source=source, entries=batch[:13])  # the worker died after these
    result = ingest_entries(source=source, entries=batch)  # the task runs again
    assert (result.created, result.duplicates) == (17, 13)
    stored = Mention.objects.filter(source=source)
    assert sorted(stored.values_list("external_id", flat=True)) == sorted(
        e.external_id for e in batch
    )
    assert all(m.matched_terms.count() == 2 for m in stored)


def test_repeats_inside_one_batch_are_stored_once(source):
    result = ingest_entries(source=source, entries=[entry(1), entry(1), entry(2)])
    assert (result.created, result.duplicates) == (2, 1)


def test_matched_terms_and_sentiment_are_stored(source):
    ingest_entries(
        source=source,
        entries=[
            entry(1),
            entry(2, text="Lovely picnic today, great weather 🌞 #sunday"),
            entry(3, text="I love ACME   foods, best snacks ever! https://acme.example #yum"),
        ],
    )
    angry = Mention.objects.get(external_id="post-1")
    assert angry.sentiment_label == "negative" and angry.sentiment < 0
    assert sorted(angry.matched_terms.values_list("term", flat=True)) == ["Acme Foods", "recall"]
    unrelated = Mention.objects.get(external_id="post-2")
    assert unrelated.matched_terms.count() == 0
    fan = Mention.objects.get(external_id="post-3")
    assert fan.sentiment_label == "positive"
    assert list(fan.matched_terms.values_list("term", flat=True)) == ["Acme Foods"]
    assert fan.author == "user3" and fan.author_reach == 300 and fan.language == "en"


def test_a_changed_term_list_is_used_at_the_next_batch(source, cast):
    ingest_entries(source=source, entries=[entry(1, text="Snackco is fine")])
    term = WatchTerm.objects.create(client=cast.client, term="Snackco")
    ingest_entries(source=source, entries=[entry(2, text="Snackco is fine")])
    assert list(Mention.objects.get(external_id="post-2").matched_terms.all()) == [term]
    term.term = "Crunchy"
    term.save()
    ingest_entries(source=source, entries=[entry(3, text="Snackco is fine")])
    assert Mention.objects.get(external_id="post-3").matched_terms.count() == 0


def test_hostile_html_in_a_feed_is_stored_as_plain_text(source):
    body = rss(
        [
            {
                "guid": "x1",
                "title": "<b>Acme Foods</b> news",
                "description": '<script>alert("x")</script><p onclick="evil()">Acme Foods '
                '<img src=x onerror=alert(1)>recall <a href="javascript:alert(1)">here</a></p>',
            }
        ]
    )
    feed = parse_feed(body, content_type="application/rss+xml", base_url="https://news.example/")
    ingest_entries(source=source, entries=feed.entries)
    mention = Mention.objects.get(source=source)
    assert "<" not in mention.text and "<" not in mention.title
    assert "alert" not in mention.text and "onerror" not in mention.text
    assert "Acme Foods recall here" in mention.text
    assert mention.matched_terms.count() == 2


def test_an_overlong_external_id_is_hashed_to_fit(source):
    long = ParsedEntry(
        external_id="x" * 900,
        url="",
        author="",
        author_reach=None,
        title="t",
        text="Acme Foods",
        published=None,
        language=None,
    )
    assert ingest_entries(source=source, entries=[long]).created == 1
    assert ingest_entries(source=source, entries=[long]).duplicates == 1
    assert len(Mention.objects.get(source=source).external_id) <= 500


@pytest.mark.django_db
def test_the_sqlite_datetime_shortcut_stores_what_django_would():
    connection = connections[router.db_for_write(Mention)]
    adapt = datetime_adapter(connection)
    berlin = ZoneInfo("Europe/Berlin")
    for value in [
        datetime(2026, 11, 24, 18, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 18, 0, 1, 5, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=berlin),
        timezone.now(),
    ]:
        assert adapt(value) == connection.ops.adapt_datetimefield_value(value)
