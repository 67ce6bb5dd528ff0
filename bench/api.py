"""REST API throughput: the mentions list (50 per page, 100,000 mentions in the table)
beside a bare DRF list view of the same model in the same run, and bulk create (1,000
mentions per request).

    python -m bench.api [--mentions 100000] [--requests 300] [--batches 10] [--profile]

A throwaway SQLite database is migrated in a temporary FIREBREAK_VAR_DIR (DATABASE_URL,
if set, is used instead). Requests go in-process through the whole middleware stack with
Django's test client, as the other benches do. The API side is `/api/v1/mentions/` with
a read-write agency key (Bearer authentication, scoping, throttling, filters, the
project's serializer). The bare side is defined here and routed only by this module's
own URLconf: a minimal ModelSerializer of the same fields (plain values, no public-id
lookups through relations) and a ListAPIView over the same client's mentions with the
same cursor pagination and ordering, no authentication, throttling or filtering. Both walk the same pages, following
their `next` links. Bulk create posts fresh batches of 1,000 to
`/api/v1/mentions/bulk/`, which stores them as the push endpoint does (sentiment,
language, watch-term matching, one row per id).

The last line reads
`api: list <N> req/s (bare DRF <M> req/s, ratio <R>); bulk <K> mentions/s`.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.urls import include, path

# ---------------------------------------------------------------- the bare view (URLconf)

BENCH_CLIENT_ID = 0  # set by run() before the URLconf is first used


def _bare_view() -> Any:
    from rest_framework import generics, serializers
    from rest_framework.pagination import CursorPagination

    from incidents.models import Mention

    class BareMentionSerializer(serializers.ModelSerializer[Mention]):
        class Meta:
            model = Mention
            fields = [
                "public_id",
                "client",
                "source",
                "external_id",
                "url",
                "author",
                "author_reach",
                "title",
                "text",
                "published_at",
                "fetched_at",
                "language",
                "sentiment",
                "sentiment_label",
                "triage",
            ]

    class BarePagination(CursorPagination):
        page_size = 50
        ordering = ("-published_at", "-id")

    class BareMentionList(generics.ListAPIView[Mention]):
        # The rows the bench's key sees (its one client's), through the same index.
        queryset = Mention.objects.filter(client_id=BENCH_CLIENT_ID)
        serializer_class = BareMentionSerializer
        pagination_class = BarePagination
        authentication_classes = ()
        permission_classes = ()
        throttle_classes = ()
        filter_backends = ()

    return BareMentionList.as_view()


def _urlpatterns() -> list[Any]:
    return [path("__bare__/mentions/", _bare_view()), path("", include("portal.urls"))]


def __getattr__(name: str) -> Any:
    # `urlpatterns` is built on first use (after django.setup()), when this module is the
    # URLconf: the bare view never exists in the project's own URLs.
    if name == "urlpatterns":
        patterns = _urlpatterns()
        globals()["urlpatterns"] = patterns
        return patterns
    raise AttributeError(name)


# ---------------------------------------------------------------- set-up


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("API_THROTTLE_RATE", "100000000/minute")
    from bench.incident_page import setup_django as setup

    setup(var_dir)


def seed(count: int) -> tuple[Any, Any, str]:
    """An agency with a client, a push source, watch terms and `count` mentions; returns
    (client, source, API key)."""
    from clients.models import Agency, Client, Membership, Role
    from incidents.models import Mention, Source, SourceKind, WatchTerm
    from portal.api.keys import api_key_create
    from portal.models import User

    agency = Agency.objects.create(name="Bench Agency")
    client = Client.objects.create(agency=agency, name="Bench Foods")
    user = User.objects.create_user(email="bench@bench.test", password=None, full_name="Bea")
    Membership.objects.create(agency=agency, user=user, role=Role.OWNER)
    source = Source.objects.create(client=client, name="Listening tool", kind=SourceKind.PUSH)
    for term in ("Bench Foods", "recall", "yoghurt"):
        WatchTerm.objects.create(client=client, term=term)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch: list[Mention] = []
    for n in range(count):
        batch.append(
            Mention(
                client=client,
                source=source,
                external_id=f"seed-{n}",
                url=f"https://social.example/post/{n}",
                author=f"@person{n % 5000}",
                author_reach=n % 10_000,
                text=f"Bench Foods mention number {n}: the yoghurt recall, again.",
                published_at=start + timedelta(seconds=30 * n),
                sentiment=-0.4 if n % 3 == 0 else 0.2,
                sentiment_label="negative" if n % 3 == 0 else "positive",
                language="en",
            )
        )
        if len(batch) == 5000:
            Mention.objects.bulk_create(batch)
            batch = []
    Mention.objects.bulk_create(batch)
    key = api_key_create(agency=agency, by=user, name="Bench", client=None, read_only=False)
    return client, source, key.token


# ---------------------------------------------------------------- measuring


class Walker:
    """Follows a list's `next` links page after page (back to the first page at the end),
    timing each request."""

    def __init__(self, get: Callable[[str], Any], first: str) -> None:
        self.get, self.first, self.url = get, first, first
        self.seconds = 0.0
        self.requests = 0

    def step(self, count: int) -> None:
        for _ in range(count):
            began = time.perf_counter()
            response = self.get(self.url)
            self.seconds += time.perf_counter() - began
            self.requests += 1
            if response.status_code != 200:
                raise SystemExit(f"{self.url}: unexpected status {response.status_code}")
            body = json.loads(response.content)
            if len(body["results"]) != 50:
                raise SystemExit(f"{self.url}: {len(body['results'])} results, not 50")
            self.url = body["next"] or self.first

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def compare(api: Walker, bare: Walker, requests: int, block: int = 10) -> tuple[float, float]:
    """Requests per second of each side over `requests` requests, taken in alternating
    blocks so that both see the same load of the machine."""
    api.step(2)  # warm up
    bare.step(2)
    api.seconds = bare.seconds = 0.0
    api.requests = bare.requests = 0
    while api.requests < requests:
        api.step(block)
        bare.step(block)
    return api.rate, bare.rate


def bulk(http: Any, headers: dict[str, str], source: Any, batches: int) -> float:
    """Mentions per second over `batches` POSTs of 1,000 new mentions each."""
    start = datetime(2026, 6, 1, tzinfo=UTC)

    def body(b: int) -> bytes:
        return json.dumps(
            {
                "source": str(source.public_id),
                "mentions": [
                    {
                        "id": f"bulk-{b}-{n}",
                        "text": f"Bench Foods yoghurt recall: customer {n} of batch {b} is "
                        "not happy about it at all, and says so.",
                        "author": f"@customer{n}",
                        "author_reach": n,
                        "url": f"https://social.example/bulk/{b}/{n}",
                        "published": (start + timedelta(minutes=b, seconds=n)).isoformat(),
                    }
                    for n in range(1000)
                ],
            }
        ).encode()

    bodies = [body(b) for b in range(batches + 1)]

    def post(data: bytes) -> None:
        response = http.post(
            "/api/v1/mentions/bulk/", data, content_type="application/json", **headers
        )
        if response.status_code != 201 or json.loads(response.content)["created"] != 1000:
            raise SystemExit(f"bulk: unexpected answer {response.status_code} {response.content!r}")

    post(bodies[0])  # warm up (language model, sentiment lexicon)
    began = time.perf_counter()
    for data in bodies[1:]:
        post(data)
    return batches * 1000 / (time.perf_counter() - began)


def run(mentions: int, requests: int, batches: int, *, profile: bool = False) -> int:
    from django.conf import settings
    from django.test import Client as HttpClient
    from django.test.utils import override_settings

    began = time.perf_counter()
    import bench.api as urlconf  # the URLconf module (this file runs as __main__)

    client, source, token = seed(mentions)
    urlconf.BENCH_CLIENT_ID = client.pk
    print(f"seeded {mentions:,} mentions in {time.perf_counter() - began:.1f} s")
    http = HttpClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    api_first = "/api/v1/mentions/"
    bare_first = "/__bare__/mentions/"
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ROOT_URLCONF="bench.api", STORAGES=storages):

        def api_get(url: str) -> Any:
            return http.get(url, **headers)

        def bare_get(url: str) -> Any:
            return http.get(url)

        if profile:
            from pyinstrument import Profiler  # dev extra

            walker = Walker(api_get, api_first)
            walker.step(5)
            with Profiler(interval=0.0005) as profiler:
                walker.step(requests)
            print(
                profiler.output_text(
                    unicode=True, color=False, show_all=bool(os.environ.get("ALL"))
                )
            )
        # Three rounds, the best of each side; within a round the two alternate in
        # blocks of ten requests, so both see the same load of the machine.
        api_rates, bare_rates = [], []
        for _ in range(3):
            api_rate, bare_rate = compare(
                Walker(api_get, api_first), Walker(bare_get, bare_first), requests
            )
            api_rates.append(api_rate)
            bare_rates.append(bare_rate)
            print(f"  round: API {api_rate:,.0f} req/s, bare DRF {bare_rate:,.0f} req/s")
        api_rate, bare_rate = max(api_rates), max(bare_rates)
        bulk_rate = bulk(http, headers, source, batches)
    print(f"list: API {api_rate:,.0f} req/s, bare DRF {bare_rate:,.0f} req/s (best of 3)")
    print(f"bulk: {batches} requests of 1,000 mentions, {bulk_rate:,.0f} mentions/s")
    print(
        f"api: list {api_rate:.0f} req/s (bare DRF {bare_rate:.0f} req/s, "
        f"ratio {api_rate / bare_rate:.2f}); bulk {bulk_rate:.0f} mentions/s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument(
        "--profile", action="store_true", help="print a pyinstrument profile of the list first"
    )
    args = parser.parse_args(argv)
    # A throwaway directory has no collected static files; nothing here serves any.
    warnings.filterwarnings("ignore", message="No directory at")
    with tempfile.TemporaryDirectory(prefix="firebreak-bench-") as var_dir:
        setup_django(var_dir)
        return run(args.mentions, args.requests, args.batches, profile=args.profile)


if __name__ == "__main__":
    raise SystemExit(main())
