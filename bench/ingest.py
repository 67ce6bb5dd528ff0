"""End-to-end ingestion benchmark: the real polling code path against synthetic feeds.

    .venv/bin/python -m bench.ingest                 # 40 feeds x 100 entries
    .venv/bin/python -m bench.ingest --feeds 80      # more
    BENCH_SORT=cumulative .venv/bin/python -m bench.ingest --profile   # cProfile round 1's polls

A throwaway SQLite database is migrated in a temporary FIREBREAK_VAR_DIR (or the
database named by DATABASE_URL, when set); a local HTTP server (a process) serves RSS 2.0
feeds of realistic brand-mention text (emoji, links, hashtags, mentions, some HTML),
answering 304 to a matching If-None-Match, with keep-alive as real feed servers do. One
process, one thread does the work. Each round takes feeds of its own:

1. fresh: claim, poll (fetch, parse, match, score, store) and release every source once
   - end-to-end mentions per second; feed by feed, interleaved with
2. the limit the issue names, "the bare parser plus VADER on the same bytes": the
   libraries alone, as a bare call - `fastfeedparser.parse` (with the options the product
   passes) and vaderSentiment's stock `SentimentIntensityAnalyzer` on each entry's
   description - no HTTP, no database, none of Firebreak's code;
3. a stricter reference, printed beside it: Firebreak's own `parse_feed` (the parser plus
   the reduction to safe plain text, dates, links, ids) and Firebreak's VADER (the same
   scores as the stock analyser, faster: incidents/monitoring/sentiment.py) on the same
   bytes - what the product does minus HTTP, matching and storing;
4. re-poll: every source again, unchanged, so each answers 304 - its cost against the
   round's fresh poll;
5. the spike detector over the five NAB realTweets series (rows per second).

The machine is shared, so each figure is the median over the rounds (with the range),
and each ratio is taken within a round, where product, limit and reference ran side by
side, feed by feed, taking turns to go first.
The last line reads `ingest: <N> mentions/s (limit <L> mentions/s, ratio <R>)`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import multiprocessing
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import median
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
NAB = REPO.parent / "shared" / "corpora" / "nab-realtweets-dev" / "data" / "realTweets"

BRANDS = ["Acme Foods", "AcmeFoods", "Acme Crunch", "Acme Organics"]
OPENERS = [
    "Just tried the new {brand} {product} and honestly",
    "Can someone explain why {brand} thinks",
    "Shoutout to {brand} for",
    "Third time this month my {brand} {product} arrived",
    "Breaking: reports say {brand} is recalling",
    "My kids love the {brand} {product},",
    "Is it just me or has {brand} quietly changed",
    "Thread: everything wrong with the {brand} customer service experience",
    "Spotted the {brand} {product} at the farmers market today,",
    "Not sponsored, but {brand}",
]
MIDDLES = [
    "it is absolutely delicious and I am impressed 😍",
    "the packaging is a total disaster and nobody answers emails 😡",
    "the recipe tastes different now, not sure how I feel about it 🤔",
    "this is the worst customer experience I have had in years, really disappointed",
    "great value, friendly staff and quick delivery 👍👍",
    "they finally listened to feedback and fixed the sugar content, nice work",
    "people are saying it made them sick?? scary if true 😱",
    "prices went up 20% again while the portions got smaller, ridiculous",
    "best snack for long drives, no regrets 🚗✨",
    "meh, it is fine I guess, nothing special",
]
TAILS = [
    "#acmefoods #snacks",
    "#AcmeFail",
    "#recall #foodsafety",
    "@AcmeFoodsHelp any comment?",
    "https://news.example.com/articles/{n}",
    "more here: https://t.example/{n}?utm_source=feed&ref=share",
    "#organic #healthy 🌱",
    "",
]
PRODUCTS = ["granola", "oat bars", "crisps", "frozen pizza", "yoghurt", "cereal"]
AUTHORS = ["jane_doe", "foodie42", "newsdesk", "mum_of_3", "snackreviewer", "j.smith"]


def mention_text(rng: random.Random, n: int) -> str:
    brand = rng.choice(BRANDS)
    product = rng.choice(PRODUCTS)
    parts = [
        rng.choice(OPENERS).format(brand=brand, product=product),
        rng.choice(MIDDLES),
        rng.choice(MIDDLES) if rng.random() < 0.4 else "",
        rng.choice(TAILS).format(n=n),
    ]
    return " ".join(p for p in parts if p)


def make_feed(feed_no: int, entries: int, now: datetime, rng: random.Random) -> bytes:
    items = []
    for i in range(entries):
        n = feed_no * 100_000 + i
        text = mention_text(rng, n)
        # Feeds carry HTML in the description about half of the time.
        html = f"<p>{escape(text)}</p>" if i % 2 else escape(text)
        published = format_datetime(now - timedelta(minutes=i * 3 + feed_no))
        items.append(
            "<item>"
            f"<guid isPermaLink='false'>urn:bench:{feed_no}:{i}</guid>"
            f"<title>{escape(text[:80])}</title>"
            f"<link>https://social.example/{feed_no}/posts/{i}</link>"
            f"<description>{escape(html)}</description>"
            f"<author>{rng.choice(AUTHORS)}@example.com</author>"
            f"<pubDate>{published}</pubDate>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Brand mentions {feed_no}</title><link>https://social.example/</link>"
        "<language>en</language>" + "".join(items) + "</channel></rss>"
    ).encode()


def _handler(feeds: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    etags = {path: f'"{hashlib.sha256(body).hexdigest()[:16]}"' for path, body in feeds.items()}

    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as feed servers (and the CDNs in front of them) do.
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = feeds.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = etags[self.path]
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _serve(feeds: dict[str, bytes], port: Any) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(feeds))
    httpd.daemon_threads = True
    port.value = httpd.server_address[1]
    httpd.serve_forever()


class FeedServer:
    """The feeds, served by a separate process: on the internet the feed servers are
    other machines, and a server thread in this process would take the GIL from the
    worker being measured."""

    def __init__(self, feeds: dict[str, bytes]) -> None:
        context = multiprocessing.get_context("fork")
        self.port = context.Value("i", 0)
        self.process = context.Process(target=_serve, args=(feeds, self.port), daemon=True)

    def __enter__(self) -> str:
        self.process.start()
        deadline = time.monotonic() + 10
        while not self.port.value and time.monotonic() < deadline:
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.port.value}"

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.join(5)


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["FIREBREAK_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["FEED_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def nab_throughput() -> tuple[int, float]:
    from incidents.detection.detector import Bucket, SpikeDetector

    files = sorted(NAB.glob("*.csv"))
    rows = 0
    elapsed = 0.0
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            series = [
                (datetime.fromisoformat(ts).replace(tzinfo=UTC), int(float(v))) for ts, v in reader
            ]
        began = time.perf_counter()
        detector = SpikeDetector()
        observe = detector.observe
        for start, value in series:
            observe(Bucket(start=start, volume=value))
        elapsed += time.perf_counter() - began
        rows += len(series)
    return rows, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile the fresh pass")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="firebreak-bench-") as var_dir:
        setup_django(var_dir)
        return run(args)


def run(args: argparse.Namespace) -> int:
    import fastfeedparser
    from django.utils import timezone
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from clients.models import Agency, Client
    from incidents.models import Mention, Source, WatchTerm
    from incidents.monitoring.parse import parse_feed
    from incidents.monitoring.sentiment import score
    from incidents.polling import DETECT_LANGUAGE, claim_source, poll_source, release_source

    rng = random.Random(2026)
    now = datetime.now(UTC)
    rounds = range(args.rounds)
    # Every round polls feeds of its own (new entries, new sources): each fresh poll
    # really is fresh. Feed 0 warms up (language model, VADER lexicon, connection).
    names = [(r, n) for r in rounds for n in range(1, args.feeds + 1)]
    feeds = {
        f"/{r}/feed/{n}.xml": make_feed(r * 1000 + n, args.entries, now, rng) for r, n in names
    }
    feeds["/warmup.xml"] = make_feed(999_999, args.entries, now, rng)
    agency = Agency.objects.create(name="Bench Agency")
    client = Client.objects.create(agency=agency, name="Acme Foods")
    for term, kind, mode in [
        ("Acme Foods", "brand", "word"),
        ("AcmeFoods", "brand", "word"),
        ("Acme Crunch", "product", "word"),
        ("Acme Organics", "product", "word"),
        ("acmefoods", "hashtag", "word"),
        ("AcmeFail", "hashtag", "word"),
        ("recall", "negative", "phrase"),
        ("made them sick", "negative", "phrase"),
        ("food safety", "negative", "word"),
        ("AcmeFoodsHelp", "brand", "word"),
        ("granola", "product", "word"),
        ("oat bars", "product", "word"),
    ]:
        WatchTerm.objects.create(client=client, term=term, kind=kind, mode=mode)

    def poll_one(source: Source) -> float:
        """Claim, poll and release one source, as incidents.tasks.poll_source_task does."""
        began = time.perf_counter()
        claimed_at = timezone.now()
        if claim_source(source.pk, now=claimed_at):
            released = False
            try:
                released = poll_source(source=source, claimed_at=claimed_at).lock_released
            finally:
                if not released:
                    release_source(source.pk, claimed_at=claimed_at)
        return time.perf_counter() - began

    stock_vader = SentimentIntensityAnalyzer()

    def limit_one(body: bytes) -> tuple[int, float]:
        """The limit: the bare parser and stock VADER on the same bytes, nothing else."""
        began = time.perf_counter()
        result = fastfeedparser.parse(
            body, include_tags=False, include_media=False, include_enclosures=False
        )
        entries = result.get("entries") or []
        for entry in entries:
            stock_vader.polarity_scores(entry.get("description") or entry.get("title") or "")
        return len(entries), time.perf_counter() - began

    def reference_one(body: bytes) -> tuple[int, float]:
        """The stricter reference: Firebreak's parse_feed and VADER, no HTTP, no database."""
        began = time.perf_counter()
        feed = parse_feed(
            body,
            content_type="application/rss+xml; charset=utf-8",
            base_url="https://social.example/",
            detect_language=False,
        )
        for entry in feed.entries:
            score(entry.text or entry.title)
        return len(feed.entries), time.perf_counter() - began

    rates: list[float] = []
    limits: list[float] = []
    ratios: list[float] = []
    references: list[float] = []
    reference_ratios: list[float] = []
    fresh_ms: list[float] = []
    repoll_ms: list[float] = []
    cheaper: list[float] = []
    unchanged = 0
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    with FeedServer(feeds) as base:
        warmup = Source.objects.create(client=client, name="Warm-up", url=f"{base}/warmup.xml")
        poll_one(warmup)
        limit_one(feeds["/warmup.xml"])
        reference_one(feeds["/warmup.xml"])
        for r in rounds:
            sources = [
                Source.objects.create(
                    client=client, name=f"Feed {r}/{n}", url=f"{base}/{r}/feed/{n}.xml"
                )
                for n in range(1, args.feeds + 1)
            ]
            bodies = [feeds[f"/{r}/feed/{n}.xml"] for n in range(1, args.feeds + 1)]
            stored_before = Mention.objects.count()
            fresh = limit_time = reference_time = 0.0
            parsed = referenced = 0
            # Product, limit and reference interleaved feed by feed, taking turns to go
            # first, so all meet the same load from the machine's other work and none
            # always finds the feed's bytes in a warm cache.
            for i, (source, body) in enumerate(zip(sources, bodies, strict=True)):
                for step in range(3):
                    turn = (i + step) % 3
                    if turn == 0:
                        if profiler is not None and r == 0:
                            profiler.enable()
                        fresh += poll_one(source)
                        if profiler is not None and r == 0:
                            profiler.disable()
                    elif turn == 1:
                        n, t = limit_one(body)
                        parsed += n
                        limit_time += t
                    else:
                        n, t = reference_one(body)
                        referenced += n
                        reference_time += t
            created = Mention.objects.count() - stored_before
            for source in sources:
                source.refresh_from_db()
            repoll = sum(poll_one(source) for source in sources)
            unchanged += Mention.objects.count() - stored_before - created
            rates.append(created / fresh)
            limits.append(parsed / limit_time)
            ratios.append(rates[-1] / limits[-1])
            references.append(referenced / reference_time)
            reference_ratios.append(rates[-1] / references[-1])
            fresh_ms.append(fresh / len(sources) * 1000)
            repoll_ms.append(repoll / len(sources) * 1000)
            cheaper.append(fresh / repoll)

    if profiler is not None:
        import pstats

        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(
            int(os.environ.get("BENCH_TOP", "30"))
        )
    rows, detector_time = nab_throughput()

    def spread(values: list[float], fmt: str) -> str:
        return f"median {format(median(values), fmt)}, range {format(min(values), fmt)}-{format(max(values), fmt)}"

    rate, limit, ratio = median(rates), median(limits), median(ratios)
    feed_kb = sum(len(b) for b in feeds.values()) / len(feeds) / 1024
    print(
        f"feeds: {args.feeds} x {args.entries} entries ({feed_kb:.0f} kB each), "
        f"{args.rounds} rounds, medians of the rounds, "
        f"language detection {'on' if DETECT_LANGUAGE else 'off'}"
    )
    print(
        f"fresh poll (fetch, parse, match, score, store): {spread(rates, ',.0f')} mentions/s; "
        f"{median(fresh_ms):.1f} ms per feed"
    )
    print(
        "limit (bare fastfeedparser.parse + stock VADER on the same bytes): "
        f"{spread(limits, ',.0f')} mentions/s"
    )
    print(f"ratio to the limit (per round, interleaved): {spread(ratios, '.2f')}")
    print(
        "stricter reference (Firebreak's parse_feed + its VADER, no HTTP, no database): "
        f"{spread(references, ',.0f')} mentions/s; ratio {spread(reference_ratios, '.2f')}"
    )
    print(
        f"re-poll unchanged (304): {median(repoll_ms):.2f} ms per feed; cheaper than a fresh "
        f"poll: {spread(cheaper, '.0f')}x ({unchanged} mentions stored again)"
    )
    print(
        f"detector: {rows:,} NAB rows (5 series) in {detector_time:.3f} s "
        f"= {rows / detector_time:,.0f} rows/s"
    )
    print(f"ingest: {rate:.0f} mentions/s (limit {limit:.0f} mentions/s, ratio {ratio:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
