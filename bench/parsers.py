"""Time feedparser against fastfeedparser, and the project's parse_feed (fastfeedparser
first, feedparser fallback), on the feedparser test corpus and on realistic feeds.

    .venv/bin/python -m bench.parsers            # both tables
    .venv/bin/python -m bench.parsers --repeat 5 # more rounds, best round reported

Table 1, the corpus: ../shared/corpora/feedparser-tests, 1,362 small hostile or odd
documents. Mostly per-document overhead; "lost" counts entries feedparser returns for a
file that the parser does not (a raise loses them all).

Table 2, realistic feeds: generated RSS 2.0 and Atom documents of 100 entries with
HTML descriptions of a few hundred characters (the shape of news, Google Alerts, Reddit
and blog feeds), so per-entry cost dominates. "+ VADER" rows add sentiment scoring of
each entry's text: "stock" is vaderSentiment's own analyser, "our" the same scores
computed faster (incidents/monitoring/sentiment.py).
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastfeedparser
import feedparser

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "feedparser-tests"
HEADER = re.compile(rb"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))


def content_type_of(body: bytes) -> str | None:
    for name, value in HEADER.findall(body[:2000]):
        if name.lower() == b"content-type":
            return value.decode("latin-1")
    return None


def run_feedparser(body: bytes, content_type: str | None) -> int:
    headers = {"content-type": content_type} if content_type else {}
    return len(feedparser.parse(io.BytesIO(body), response_headers=headers).entries)


def run_fastfeedparser(body: bytes, content_type: str | None) -> int:
    return len(fastfeedparser.parse(body).entries)


def run_parse_feed(body: bytes, content_type: str | None) -> int:
    from incidents.monitoring.parse import parse_feed

    return len(
        parse_feed(
            body,
            content_type=content_type,
            base_url="http://example.com/feed",
            detect_language=False,
        ).entries
    )


def run_parse_feed_lang(body: bytes, content_type: str | None) -> int:
    from incidents.monitoring.parse import parse_feed

    return len(
        parse_feed(body, content_type=content_type, base_url="http://example.com/feed").entries
    )


PARSERS: dict[str, Callable[[bytes, str | None], int]] = {
    "feedparser 6.0": run_feedparser,
    "fastfeedparser 0.6": run_fastfeedparser,
    "parse_feed (chosen)": run_parse_feed,
}


def time_corpus(repeat: int) -> None:
    docs = [(p, p.read_bytes()) for p in corpus_files()]
    docs = [(p, b, content_type_of(b)) for p, b in docs]
    reference = {p: run_feedparser(b, ct) for p, b, ct in docs}
    print(f"\nCorpus: {len(docs)} files in {CORPUS} (best of {repeat} rounds)\n")
    print(
        f"{'parser':<22}{'parsed':>8}{'failed':>8}{'entries':>9}{'lost':>6}{'seconds':>9}{'entries/s':>11}{'files/s':>9}"
    )
    for name, run in PARSERS.items():
        best = float("inf")
        failed = entries = lost = 0
        for _ in range(repeat):
            failed = entries = lost = 0
            started = time.perf_counter()
            for path, body, ct in docs:
                try:
                    n = run(body, ct)
                except Exception:
                    failed += 1
                    n = 0
                entries += n
                lost += max(0, reference[path] - n)
            best = min(best, time.perf_counter() - started)
        parsed = len(docs) - failed
        print(
            f"{name:<22}{parsed:>8}{failed:>8}{entries:>9}{lost:>6}{best:>9.3f}"
            f"{entries / best:>11.0f}{len(docs) / best:>9.0f}"
        )


WORDS = [
    "acme",
    "foods",
    "recall",
    "customers",
    "report",
    "the",
    "new",
    "product",
    "launch",
    "crisis",
    "statement",
    "brand",
    "quality",
    "service",
    "delivery",
    "store",
    "price",
    "love",
    "hate",
    "great",
    "terrible",
    "awful",
    "amazing",
    "support",
    "announced",
    "today",
    "company",
    "spokesperson",
    "said",
    "investigation",
    "safety",
    "issue",
    "update",
    "team",
    "social",
    "media",
    "users",
    "complained",
    "about",
    "packaging",
    "taste",
    "returns",
    "refund",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + rng.choice([".", "!", "?", "."])


def rss_feed(rng: random.Random, items: int) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>News</title>'
        "<link>https://news.example.com/</link><language>en</language>"
    ]
    for i in range(items):
        desc = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
        parts.append(
            f"<item><title>{_sentence(rng)}</title><link>https://news.example.com/a/{i}</link>"
            f'<guid isPermaLink="false">news-{i}</guid><dc:creator>Reporter {i % 7}</dc:creator>'
            f"<pubDate>Tue, 10 Jun 2025 04:{i % 60:02d}:00 +0200</pubDate>"
            f"<description>&lt;p&gt;{desc} &lt;a href=&quot;https://x.example/?a=1&amp;amp;b=2&quot;&gt;"
            f"more&lt;/a&gt;&lt;/p&gt;</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def atom_feed(rng: random.Random, items: int) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Alerts</title><id>tag:alerts.example.com,2025:feed</id>"
        "<updated>2025-06-10T04:00:00Z</updated>"
    ]
    for i in range(items):
        desc = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
        parts.append(
            f'<entry><id>tag:alerts.example.com,2025:{i}</id><title type="html">{_sentence(rng)}</title>'
            f'<link href="https://blog.example.org/p/{i}"/><published>2025-06-10T04:{i % 60:02d}:00Z</published>'
            f"<author><name>Author {i % 9}</name></author>"
            f'<content type="html">&lt;p&gt;{desc}&lt;/p&gt;&lt;p&gt;&lt;b&gt;Acme&lt;/b&gt; said.&lt;/p&gt;</content></entry>'
        )
    parts.append("</feed>")
    return "".join(parts).encode("utf-8")


def time_realistic(repeat: int) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from incidents.monitoring.parse import parse_feed
    from incidents.monitoring.sentiment import analyzer, score
    from incidents.monitoring.text import html_to_text

    rng = random.Random(20250610)
    docs = [rss_feed(rng, 100) for _ in range(10)] + [atom_feed(rng, 100) for _ in range(10)]
    stock = SentimentIntensityAnalyzer()
    fast = analyzer()

    def ffp_text(entry: Any) -> str:
        content = entry.get("content") or [{}]
        return html_to_text(content[0].get("value") or entry.get("description", ""))

    def ffp_with(vader: Any) -> Callable[[bytes], int]:
        def run(body: bytes) -> int:
            result = fastfeedparser.parse(body)
            for entry in result.entries:
                vader.polarity_scores(ffp_text(entry))
            return len(result.entries)

        return run

    def fp_stock(body: bytes) -> int:
        result = feedparser.parse(io.BytesIO(body))
        for entry in result.entries:
            content = entry.get("content") or [{}]
            stock.polarity_scores(html_to_text(content[0].get("value") or entry.get("summary", "")))
        return len(result.entries)

    def chosen_scored(body: bytes) -> int:
        parsed = parse_feed(
            body, content_type=None, base_url="https://news.example.com/", detect_language=False
        )
        for entry in parsed.entries:
            score(entry.text)
        return len(parsed.entries)

    runs: dict[str, Callable[[bytes], Any]] = {
        "feedparser 6.0": lambda b: run_feedparser(b, None),
        "fastfeedparser 0.6": lambda b: run_fastfeedparser(b, None),
        "parse_feed (chosen)": lambda b: run_parse_feed(b, None),
        "parse_feed + language": lambda b: run_parse_feed_lang(b, None),
        "feedparser + stock VADER": fp_stock,
        "fastfeedparser + stock VADER": ffp_with(stock),
        "fastfeedparser + our VADER": ffp_with(fast),
        "parse_feed + score()": chosen_scored,
    }
    run_parse_feed_lang(docs[0], None)  # load the language model outside the timing
    size = sum(len(d) for d in docs)
    print(
        f"\nRealistic feeds: {len(docs)} documents (10 RSS 2.0, 10 Atom), 100 entries each, "
        f"{size / 1024:.0f} kB (best of {repeat} rounds)\n"
    )
    print(f"{'pipeline':<30}{'entries':>9}{'seconds':>9}{'entries/s':>11}")
    for name, run in runs.items():
        best = float("inf")
        entries = 0
        for _ in range(repeat):
            started = time.perf_counter()
            entries = sum(run(body) for body in docs)
            best = min(best, time.perf_counter() - started)
        print(f"{name:<30}{entries:>9}{best:>9.3f}{entries / best:>11.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"Corpus not found at {CORPUS}", file=sys.stderr)
        return 1
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(REPO))
    time_corpus(args.repeat)
    time_realistic(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
