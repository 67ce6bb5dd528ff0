"""Polling a source against a real local HTTP server: conditional GET, health, back-off,
and the per-source lock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Mention, Source, SourceKind, WatchTerm
from incidents.polling import (
    LOCK_TIMEOUT,
    backoff,
    claim_source,
    mastodon_tag_url,
    poll_source,
    release_source,
)
from tests.incidents.local_server import LocalServer, Route, local_server, rss

ITEMS = [
    {"guid": f"g{n}", "title": f"Acme Foods update {n}", "description": "Acme Foods is great"}
    for n in range(5)
]


@pytest.fixture
def server(settings) -> Iterator[LocalServer]:
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FEED_TIMEOUT_SECONDS = 2
    with local_server() as srv:
        yield srv


@pytest.fixture
def source(cast, server) -> Source:
    WatchTerm.objects.create(client=cast.client, term="Acme Foods")
    server.routes["/feed.xml"] = Route(body=rss(ITEMS), etag='"v1"')
    return Source.objects.create(client=cast.client, name="News", url=f"{server.url}/feed.xml")


def test_a_poll_stores_matched_scored_mentions_and_records_health(source):
    result = poll_source(source=source)
    assert result.ok and result.created == 5
    source.refresh_from_db()
    assert source.etag == '"v1"'
    assert source.last_success_at is not None and source.last_error == ""
    assert source.next_poll_at > timezone.now() + timedelta(minutes=9)
    assert source.mention_count == 5
    mention = Mention.objects.filter(source=source).first()
    assert mention is not None and mention.sentiment_label == "positive"
    assert mention.matched_terms.count() == 1


def test_an_unchanged_feed_is_asked_for_conditionally_and_answers_304(source, server):
    poll_source(source=source)
    source.refresh_from_db()
    result = poll_source(source=source)
    assert result.ok and result.not_modified and result.created == 0
    second = server.requests_to("/feed.xml")[-1]
    assert second.headers["if-none-match"] == '"v1"'
    assert Mention.objects.filter(source=source).count() == 5


def test_a_changed_feed_adds_only_the_new_entries(source, server):
    poll_source(source=source)
    server.routes["/feed.xml"] = Route(
        body=rss([*ITEMS, {"guid": "g9", "title": "Acme Foods again"}]), etag='"v2"'
    )
    result = poll_source(source=source)
    assert (result.created, result.duplicates) == (1, 5)


def test_a_failing_feed_backs_off_and_says_why_in_plain_words(source, server):
    server.routes["/feed.xml"] = Route(body=rss(ITEMS), statuses=[500, 500, 404])
    before = timezone.now()
    poll_source(source=source)
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert source.last_error == (
        "The feed server answered 500 Internal Server Error. "
        "The server had a problem; we will retry later."
    )
    assert source.next_poll_at >= before + timedelta(minutes=20)
    poll_source(source=source)
    poll_source(source=source)
    source.refresh_from_db()
    assert source.consecutive_failures == 3
    assert "404 Not Found" in source.last_error and "Check the feed address" in source.last_error
    assert source.next_poll_at >= before + timedelta(minutes=80)
    # The next success resets the back-off.
    poll_source(source=source)
    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_error == ""
    assert source.last_error_at is not None


def test_back_off_is_capped_at_a_day():
    assert backoff(10, 1) == timedelta(minutes=20)
    assert backoff(10, 30) == timedelta(hours=24)


def test_an_internal_address_is_refused_unless_allowed(cast, settings):
    settings.FEED_ALLOWED_HOSTS = []
    source = Source.objects.create(
        client=cast.client, name="Meta", url="http://169.254.169.254/latest/meta-data/"
    )
    poll_source(source=source)
    source.refresh_from_db()
    assert "internal or private network address" in source.last_error


def test_a_second_claim_while_claimed_fails(source):
    assert claim_source(source.pk)
    assert not claim_source(source.pk)
    release_source(source.pk)
    assert claim_source(source.pk)


def test_a_stale_lock_is_taken_over(source):
    Source.objects.filter(pk=source.pk).update(
        polling_since=timezone.now() - LOCK_TIMEOUT - timedelta(seconds=1)
    )
    assert claim_source(source.pk)


def test_releasing_an_overrun_claim_leaves_the_new_owner_alone(source):
    old = timezone.now() - LOCK_TIMEOUT - timedelta(minutes=1)
    assert claim_source(source.pk, now=old)
    assert claim_source(source.pk)  # taken over
    release_source(source.pk, claimed_at=old)  # the first worker finally finishes
    assert not claim_source(source.pk)


def test_a_poll_under_a_claim_gives_the_lock_back_with_its_health_update(source, server):
    claimed_at = timezone.now()
    assert claim_source(source.pk, now=claimed_at)
    result = poll_source(source=source, claimed_at=claimed_at)
    assert result.lock_released and result.created == 5
    source.refresh_from_db()
    assert source.polling_since is None and source.mention_count == 5
    # The 304 path and a failure give it back the same way.
    assert claim_source(source.pk, now=claimed_at)
    assert poll_source(source=source, claimed_at=claimed_at).not_modified
    assert claim_source(source.pk, now=claimed_at)
    server.routes["/feed.xml"] = Route(statuses=[500])
    source.etag = ""
    result = poll_source(source=source, claimed_at=claimed_at)
    assert not result.ok and result.lock_released
    source.refresh_from_db()
    assert source.polling_since is None and source.consecutive_failures == 1


def test_a_poll_that_overran_its_lock_records_health_but_leaves_the_new_owner_alone(source):
    old = timezone.now() - LOCK_TIMEOUT - timedelta(minutes=1)
    assert claim_source(source.pk, now=old)
    assert claim_source(source.pk)  # another worker took the stale lock over
    assert poll_source(source=source, claimed_at=old).created == 5
    source.refresh_from_db()
    assert source.polling_since is not None and source.last_success_at is not None
    assert not claim_source(source.pk)


def test_a_mastodon_hashtag_source_polls_the_public_timeline_api(cast, server):
    server.routes["/api/v1/timelines/tag/acmefoods"] = Route(
        content_type="application/json",
        body=b'[{"id":"1","uri":"https://m.example/s/1","url":"https://m.example/@a/1",'
        b'"created_at":"2026-11-23T10:00:00.000Z","content":"<p>I love <a href=\\"x\\">'
        b'#AcmeFoods</a></p>","language":"en","account":{"acct":"a","followers_count":42}}]',
    )
    source = Source.objects.create(
        client=cast.client,
        name="Tag",
        kind=SourceKind.MASTODON_TAG,
        url=f"{server.url}/tags/acmefoods",
    )
    assert poll_source(source=source).created == 1
    mention = Mention.objects.get(source=source)
    assert mention.author == "a" and mention.author_reach == 42
    assert mastodon_tag_url("https://mastodon.social/tags/AcmeFoods") == (
        "https://mastodon.social/api/v1/timelines/tag/AcmeFoods?limit=40"
    )


STATUSES = (
    b'[{"id":"7","uri":"https://m.example/s/7","url":"https://m.example/@acme/7",'
    b'"created_at":"2026-11-23T10:00:00.000Z","content":"<p>Acme Foods news</p>",'
    b'"language":"en","account":{"acct":"acme","followers_count":5}}]'
)


@pytest.fixture
def account(cast, server) -> Source:
    WatchTerm.objects.create(client=cast.client, term="Acme Foods")
    server.routes["/api/v1/accounts/lookup"] = Route(
        content_type="application/json", body=b'{"id":"109","acct":"acme"}'
    )
    server.routes["/api/v1/accounts/109/statuses"] = Route(
        content_type="application/json", body=STATUSES
    )
    return Source.objects.create(
        client=cast.client,
        name="Acme on Mastodon",
        kind=SourceKind.MASTODON_ACCOUNT,
        url=f"{server.url}/@acme",
    )


def _lookups(server: LocalServer) -> list[str]:
    return [s.path for s in server.seen if s.path.startswith("/api/v1/accounts/lookup")]


def test_a_mastodon_account_is_looked_up_at_the_first_poll_only(account, server):
    assert poll_source(source=account).created == 1
    account = Source.objects.get(pk=account.pk)  # as the next poll task loads it
    assert account.mastodon_account_id == "109"
    assert poll_source(source=account).ok
    assert _lookups(server) == ["/api/v1/accounts/lookup?acct=acme"]
    assert len(server.requests_to("/api/v1/accounts/109/statuses?limit=40")) == 2


def test_a_changed_mastodon_account_address_is_looked_up_again(cast, account, server, client):
    poll_source(source=account)
    server.routes["/api/v1/accounts/lookup"] = Route(
        content_type="application/json", body=b'{"id":"200","acct":"acmefoods"}'
    )
    server.routes["/api/v1/accounts/200/statuses"] = Route(
        content_type="application/json", body=b"[]"
    )
    client.force_login(cast.manager)
    edit = reverse(
        "monitoring:source_edit", kwargs={"client": cast.client.public_id, "pk": account.public_id}
    )
    form = {
        "name": account.name,
        "kind": SourceKind.MASTODON_ACCOUNT,
        "url": f"{server.url}/@acmefoods",
        "interval_minutes": 10,
        "enabled": "on",
    }
    assert client.post(edit, form).status_code == 302
    assert Source.objects.get(pk=account.pk).mastodon_account_id == ""
    assert poll_source(source=Source.objects.get(pk=account.pk)).ok
    assert _lookups(server)[-1] == "/api/v1/accounts/lookup?acct=acmefoods"
    assert Source.objects.get(pk=account.pk).mastodon_account_id == "200"
    # Saving something else keeps the id.
    renamed = Source.objects.get(pk=account.pk)
    renamed.name = "Acme Foods on Mastodon"
    renamed.save()
    assert Source.objects.get(pk=account.pk).mastodon_account_id == "200"


def test_a_gone_mastodon_account_is_looked_up_again_at_the_next_poll(account, server):
    poll_source(source=account)
    # The account moved: its old id's statuses are gone, the lookup finds the new one.
    server.routes["/api/v1/accounts/109/statuses"] = Route(statuses=[404])
    server.routes["/api/v1/accounts/lookup"] = Route(
        content_type="application/json", body=b'{"id":"300","acct":"acme"}'
    )
    server.routes["/api/v1/accounts/300/statuses"] = Route(
        content_type="application/json", body=STATUSES
    )
    account = Source.objects.get(pk=account.pk)
    failed = poll_source(source=account)
    assert not failed.ok and "404" in failed.error
    assert Source.objects.get(pk=account.pk).mastodon_account_id == ""
    assert len(_lookups(server)) == 1
    assert poll_source(source=Source.objects.get(pk=account.pk)).ok
    assert len(_lookups(server)) == 2
    assert Source.objects.get(pk=account.pk).mastodon_account_id == "300"
    assert server.requests_to("/api/v1/accounts/300/statuses?limit=40")


def test_a_mastodon_lookup_answering_an_unusable_id_fails_the_poll(account, server):
    server.routes["/api/v1/accounts/lookup"] = Route(
        content_type="application/json", body=b'{"id":"../../admin"}'
    )
    result = poll_source(source=account)
    assert not result.ok and "unusable id for @acme" in result.error
    assert Source.objects.get(pk=account.pk).mastodon_account_id == ""
