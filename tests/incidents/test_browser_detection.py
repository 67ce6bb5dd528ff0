"""Detection end to end, as the issue's "done when" puts it, in headless Chromium with a
real Celery worker: a manager adds a watch term and a feed source in the UI, the worker
polls the feed (a local HTTP server stands in for the internet), the mentions show up in
the inbox scored and matched, and a surge in the feed raises one alert that says why."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from incidents.models import Alert, AlertKind, Mention, Source
from incidents.tasks import detect_alerts
from tests.browser import log_in
from tests.incidents.local_server import Route, local_server, rss
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.xdist_group("browser")]


def brand_feed(now: datetime) -> list[dict[str, str]]:
    """Two quiet days (0-2 posts per 5 minutes), one angry and one happy post half an
    hour ago, then 80 posts in the last 3 minutes."""
    rng = random.Random(4)
    posts: list[tuple[str, datetime]] = []
    moment = now - timedelta(days=2)
    while moment < now - timedelta(minutes=40):
        posts += [("Acme Foods opened a store on Main Street", moment)] * rng.randint(0, 2)
        moment += timedelta(minutes=5)
    posts.append(
        (
            "Acme Foods crisps made my kids sick, this is awful and scary",
            now - timedelta(minutes=30),
        )
    )
    posts.append(
        ("Acme Foods granola is delicious, great value, love it", now - timedelta(minutes=25))
    )
    posts += [
        (
            f"Queue outside the new Acme Foods shop on Main Street ({k})",
            now - timedelta(seconds=180 - 2 * k),
        )
        for k in range(80)
    ]
    return [
        {"guid": f"post-{n}", "title": title, "pubDate": format_datetime(published)}
        for n, (title, published) in enumerate(posts)
    ]


def test_a_source_added_in_the_ui_is_polled_and_a_surge_raises_one_alert(
    cast, live_server, page, celery_worker, settings
):
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    now = datetime.now(UTC)
    items = brand_feed(now)
    client = f"/clients/{cast.client.public_id}"
    with local_server() as server:
        server.routes["/brand.xml"] = Route(body=rss(items), etag='"brand-1"')

        log_in(page, live_server.url, "manager@northwind.test")

        # A watch term, then a feed source, through the forms a manager uses.
        page.goto(f"{live_server.url}{client}/monitoring/terms/")
        page.get_by_label("Term", exact=True).fill("Acme Foods")
        page.get_by_role("button", name="Add term").click()
        page.locator("table.terms").get_by_role("link", name="Acme Foods").wait_for()
        page.goto(f"{live_server.url}{client}/monitoring/sources/new/")
        page.get_by_label("Name").fill("Brand news")
        page.get_by_label("URL").fill(f"{server.url}/brand.xml")
        page.get_by_role("button", name="Add source").click()
        page.get_by_text("Source “Brand news” added").wait_for()

        source = Source.objects.get(client=cast.client, name="Brand news")
        # "Poll now": the real worker fetches, parses, matches, scores and stores.
        page.get_by_role("button", name="Poll now").click()
        page.get_by_text("will be polled in a moment").wait_for()
        assert wait_for(lambda: Mention.objects.filter(source=source).count() == len(items), 60), (
            "the worker did not store the feed's mentions"
        )
        assert wait_for(lambda: Source.objects.get(pk=source.pk).last_success_at is not None)
        assert len(server.requests_to("/brand.xml")) == 1

    # The inbox shows them scored and matched, newest first.
    page.goto(f"{live_server.url}{client}/monitoring/inbox/?sentiment=negative")
    row = page.locator("tr", has_text="made my kids sick")
    row.wait_for()
    assert row.locator(".badge.sentiment-negative").inner_text() == "Negative"
    assert row.locator(".tag").inner_text() == "Acme Foods"
    page.goto(f"{live_server.url}{client}/monitoring/inbox/?sentiment=positive")
    page.locator("tr", has_text="granola is delicious").locator(
        ".badge.sentiment-positive"
    ).wait_for()

    # Beat's detection task, run by the worker: the surge raises one alert that says why.
    assert detect_alerts() == 1
    assert wait_for(lambda: Alert.objects.filter(client=cast.client).exists(), 60), (
        "the worker raised no alert"
    )
    alert = Alert.objects.get(client=cast.client)
    assert alert.kind == AlertKind.VOLUME_SPIKE
    page.goto(f"{live_server.url}{client}/monitoring/alerts/")
    card = page.locator(f"#alert-{alert.public_id}")
    card.wait_for()
    explanation = card.inner_text()
    assert "Volume spike" in explanation and "the usual for a" in explanation
    assert "in 5 min" in explanation or "in 1 hour" in explanation, explanation
    assert card.get_by_role("button", name="Open incident").count() == 1
    page.screenshot(
        path=os.path.join(os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp"), "detection.png"),
        full_page=True,
    )
