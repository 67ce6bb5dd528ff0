"""A source is polled by a real Celery worker: beat's scheduling task queues it, the
worker fetches the feed from a local HTTP server and stores its mentions, scored and
matched."""

from __future__ import annotations

import pytest

from clients.models import Agency, Client
from incidents.models import Mention, Source, WatchTerm
from incidents.tasks import schedule_due_sources
from tests.incidents.local_server import Route, local_server, rss
from tests.waiting import wait_for

pytestmark = pytest.mark.worker


def test_a_due_source_is_polled_by_the_worker(celery_worker, settings):
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    agency = Agency.objects.create(name="Worker Agency")
    client = Client.objects.create(agency=agency, name="Acme Foods")
    WatchTerm.objects.create(client=client, term="Acme Foods")
    items = [
        {"guid": "w1", "title": "Acme Foods recall: customers angry and scared"},
        {"guid": "w2", "title": "Acme Foods wins a great award, fans delighted"},
    ]
    with local_server() as server:
        server.routes["/feed.xml"] = Route(body=rss(items), etag='"w"')
        source = Source.objects.create(client=client, name="News", url=f"{server.url}/feed.xml")
        assert schedule_due_sources() == 1
        assert wait_for(lambda: Mention.objects.filter(source=source).count() == 2), (
            "the worker did not store the feed's mentions"
        )
        assert wait_for(lambda: Source.objects.get(pk=source.pk).polling_since is None), (
            "the worker did not release the source's lock"
        )
    source.refresh_from_db()
    assert source.last_success_at is not None and source.etag == '"w"'
    assert schedule_due_sources() == 0  # not due again before its interval
    angry = Mention.objects.get(external_id="w1")
    happy = Mention.objects.get(external_id="w2")
    assert angry.sentiment_label == "negative" and happy.sentiment_label == "positive"
    assert angry.matched_terms.get().term == "Acme Foods"
