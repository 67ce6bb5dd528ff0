"""Hostile text and feeds become inert plain text; watch terms match the way a
communications team expects (case, accents, whole words, phrases, hashtags); VADER
sentiment and language come out with their labels."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from incidents.monitoring.language import detect_language
from incidents.monitoring.matching import MatchMode, TermKind, TermSpec, compile_terms
from incidents.monitoring.parse import parse_feed
from incidents.monitoring.sentiment import SentimentLabel, analyzer, label_for, score
from incidents.monitoring.text import _CLEAN_TABLE, clean_chars, html_to_text, normalise

BASE = "https://news.example.com/feeds/main.xml"


def rss(items: str, *, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>News</title>{items}</channel></rss>"
    ).encode()


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hi <script>alert(1)</script><b>there</b></p>", "Hi there"),
        ("Hello <script>document.cookie", "Hello"),
        ("<style>p { color: red }</style>Styled", "Styled"),
        ('<img src=x onerror="alert(1)">Caption', "Caption"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Escaped twice", "Escaped twice"),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("Fish &amp; chips &eacute; &#8220;q&#8221; &#x1F600;", "Fish & chips é “q” \U0001f600"),
        ("a < b and c > d", "a < b and c > d"),
        ("<!-- hidden --><a href='javascript:alert(1)'>link</a>", "link"),
        ("  lots \n\n of\t\twhite   space ", "lots of white space"),
    ],
)
def test_hostile_html_becomes_inert_plain_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_control_bidi_and_zero_width_characters_are_removed() -> None:
    assert html_to_text("Ac\u200bme\x00 says\u202e hi\x07 \ud800there") == "Acme says hi there"


@pytest.mark.parametrize("code", sorted(_CLEAN_TABLE))
def test_every_unsafe_character_is_removed_from_text_with_emoji_too(code: int) -> None:
    # Non-ASCII text takes a shortcut when it holds nothing to clean; each character the
    # table lists must still be found beside emoji and accents, and nothing else changed.
    char = chr(code)
    assert clean_chars("Acmé 😡" + char) == "Acmé 😡" + (_CLEAN_TABLE[code] or "")
    assert clean_chars("Crème brûlée, déjà vu 👍") == "Crème brûlée, déjà vu 👍"
    assert clean_chars("Acmé\ud83d 😡") == "Acmé 😡"


def test_long_text_is_capped_with_an_ellipsis() -> None:
    text = html_to_text("word " * 2000, max_chars=100)
    assert len(text) <= 100
    assert text.endswith("\u2026")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Crème Brûlée", "creme brulee"),
        ("ＡＣＭＥ", "acme"),
        ("Straße", "strasse"),
        ("Łódź Øresund", "lodz oresund"),
        ("São  Paulo\n", "sao paulo"),
        # Already decomposed (NFKD leaves it as it is): the accents still go.
        ("Cre\u0300me bru\u0302le\u0301e", "creme brulee"),
        ("Acmé Foods 😡 #Recall", "acme foods 😡 #recall"),
    ],
)
def test_normalise_ignores_case_accents_and_width(a: str, b: str) -> None:
    assert normalise(a) == normalise(b) == b


# --------------------------------------------------------------------------- hostile XML

BILLION_LAUGHS = rss(
    "<item><title>&lol9;</title><link>http://example.com/1</link></item>",
    prolog='<!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>",
)
EXTERNAL_ENTITY = rss(
    "<item><title>a&xxe;b</title><description>&xxe;</description>"
    "<link>http://example.com/1</link></item>",
    prolog='<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
)
QUADRATIC = rss(
    "<item><title>q</title><link>http://example.com/1</link><description>"
    + "&a;" * 30_000
    + "</description></item>",
    prolog='<!DOCTYPE rss [<!ENTITY a "' + "x" * 50_000 + '">]>',
)


def _parse_timed(body: bytes, content_type: str | None = None) -> tuple[Any, float]:
    started = time.monotonic()
    feed = parse_feed(body, content_type=content_type, base_url=BASE, detect_language=False)
    return feed, time.monotonic() - started


def test_billion_laughs_does_not_expand() -> None:
    # On one line: feedparser alone only strips entity declarations that start a line,
    # and expat then spends seconds expanding before its own limit stops it.
    feed, seconds = _parse_timed(BILLION_LAUGHS, "application/rss+xml")
    assert seconds < 1
    assert len(feed.entries) == 1
    assert "lollollol" not in feed.entries[0].title + feed.entries[0].text
    assert "only short literal ones were kept" in feed.problems[0]


def test_billion_laughs_in_utf16_does_not_expand() -> None:
    body = BILLION_LAUGHS.decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    feed, seconds = _parse_timed(body)
    assert seconds < 1
    assert "lollollol" not in "".join(e.title + e.text for e in feed.entries)


def test_parameter_and_system_entities_are_dropped() -> None:
    body = rss(
        "<item><title>&b;&d;ok</title><link>http://example.com/1</link></item>",
        prolog="<!DOCTYPE rss [<!ENTITY % a \"<!ENTITY b 'x'>\"> %a; "
        '<!ENTITY d SYSTEM "file:///etc/passwd"> <!ENTITY e "kept">]>',
    )
    (entry,) = parse_feed(body, content_type=None, base_url=BASE).entries
    assert entry.title.endswith("ok")
    assert "root:" not in entry.title


def test_short_literal_entities_still_work() -> None:
    body = rss(
        "<item><title>&brand; recall</title><link>http://example.com/1</link></item>",
        prolog='<!DOCTYPE rss [\n<!ENTITY brand "Acme">\n]>',
    )
    (entry,) = parse_feed(body, content_type=None, base_url=BASE).entries
    assert entry.title == "Acme recall"


def test_a_million_short_entity_references_stay_bounded() -> None:
    body = rss(
        "<item><title>q</title><link>http://example.com/1</link><description>"
        + "&a;" * 1_000_000
        + "</description></item>",
        prolog='<!DOCTYPE rss [<!ENTITY a "' + "x" * 32 + '">]>',
    )
    feed, seconds = _parse_timed(body)
    assert seconds < 10
    assert len(feed.entries[0].text) <= 5000


def test_html_entities_and_bare_ampersands_keep_their_text() -> None:
    body = rss(
        "<item><title>Caf&eacute; cr&egrave;me&nbsp;now</title>"
        "<link>http://example.com/?a=1&b=2</link></item>"
    )
    (entry,) = parse_feed(body, content_type=None, base_url=BASE).entries
    assert entry.title == "Café crème now"
    assert entry.url == "http://example.com/?a=1&b=2"


def test_external_entity_is_not_fetched() -> None:
    feed = parse_feed(EXTERNAL_ENTITY, content_type="application/rss+xml", base_url=BASE)
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert "root:" not in entry.title + entry.text


def test_quadratic_entity_blowup_stays_small_and_fast() -> None:
    feed, seconds = _parse_timed(QUADRATIC)
    assert seconds < 2
    assert len(feed.entries) == 1
    assert len(feed.entries[0].text) <= 5000


def test_a_body_naming_a_file_is_not_opened() -> None:
    # feedparser opens a value that names a file when it is not wrapped in a stream.
    feed = parse_feed(b"/etc/passwd", content_type=None, base_url=BASE)
    assert feed.entries == []
    assert feed.problems


@pytest.fixture
def request_counter() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(self.path)
            body = rss("<item><title>fetched!</title><link>http://x/1</link></item>")
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml", hits
    httpd.shutdown()
    httpd.server_close()


def test_a_body_that_is_a_url_is_not_fetched(request_counter: tuple[str, list[str]]) -> None:
    url, hits = request_counter
    feed = parse_feed(url.encode(), content_type=None, base_url=BASE)
    assert hits == []
    assert feed.entries == []


def test_broken_markup_keeps_what_it_can() -> None:
    body = rss(
        "<item><title>First</title><link>http://example.com/1</link></item>"
        "<item><title>Second <b>unclosed</title><link>http://example.com/2</link></item>"
    )[:-10]
    feed = parse_feed(body, content_type=None, base_url=BASE)
    assert [e.url for e in feed.entries][:1] == ["http://example.com/1"]


def test_wrong_declared_encoding_does_not_raise() -> None:
    body = rss("<item><title>Caf\u00e9 cr\u00e8me</title><link>http://example.com/1</link></item>")
    latin = body.decode().encode("windows-1252")
    feed = parse_feed(latin, content_type="text/xml; charset=utf-8", base_url=BASE)
    assert len(feed.entries) == 1


def test_garbage_is_reported_not_raised() -> None:
    feed = parse_feed(b"\x00\xff\xfe garbage <<<>>> &&&", content_type=None, base_url=BASE)
    assert feed.entries == []
    assert feed.problems


def test_empty_body_is_a_problem() -> None:
    assert parse_feed(b"", content_type=None, base_url=BASE).problems == ["The feed is empty."]


# --------------------------------------------------------------------------- entries


def test_rss_entry_fields() -> None:
    body = rss(
        "<language>fr</language>"
        "<item><title>Rappel &amp; excuses</title><link>/articles/42</link>"
        '<guid isPermaLink="false">urn:x:42</guid><author>presse@example.com (Presse)</author>'
        "<pubDate>Tue, 10 Jun 2025 04:00:00 +0200</pubDate>"
        "<description>&lt;p&gt;Le &lt;b&gt;rappel&lt;/b&gt; continue&lt;/p&gt;</description></item>"
    )
    (entry,) = parse_feed(body, content_type="application/rss+xml", base_url=BASE).entries
    assert entry.external_id == "urn:x:42"
    assert entry.url == "https://news.example.com/articles/42"
    assert entry.title == "Rappel & excuses"
    assert entry.text == "Le rappel continue"
    assert entry.author == "presse@example.com (Presse)"
    assert entry.published == datetime(2025, 6, 10, 2, 0, tzinfo=UTC)
    assert entry.language == "fr"
    assert entry.author_reach is None


def test_entry_without_id_or_link_gets_a_content_hash() -> None:
    body = rss("<item><title>Only a title</title></item>")
    feed = parse_feed(body, content_type=None, base_url=BASE)
    (entry,) = feed.entries
    assert entry.external_id.startswith("sha256:")
    again = parse_feed(body, content_type=None, base_url=BASE).entries[0]
    assert again.external_id == entry.external_id
    assert any("hash" in problem for problem in feed.problems)


def test_missing_and_impossible_dates_are_none() -> None:
    body = rss(
        "<item><title>a</title><link>http://example.com/1</link></item>"
        "<item><title>b</title><link>http://example.com/2</link>"
        "<pubDate>Fri, 01 Jan 2999 00:00:00 GMT</pubDate></item>"
    )
    feed = parse_feed(body, content_type=None, base_url=BASE)
    assert [e.published for e in feed.entries] == [None, None]
    assert any("impossible date" in problem for problem in feed.problems)


def test_javascript_links_are_dropped() -> None:
    body = rss("<item><title>x</title><link>javascript:alert(1)</link></item>")
    (entry,) = parse_feed(body, content_type=None, base_url=BASE).entries
    assert entry.url == ""


def test_atom_relative_links_resolve_against_the_feed_url() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de"><title>t</title>'
        b'<entry><id>tag:x,2025:1</id><title type="html">&lt;b&gt;Acme&lt;/b&gt;</title>'
        b'<link href="../posts/1"/><updated>2025-06-10T04:00:00Z</updated>'
        b"<author><name>Eva</name></author><content>Plain &amp; simple</content></entry></feed>"
    )
    (entry,) = parse_feed(body, content_type="application/atom+xml", base_url=BASE).entries
    assert entry.url == "https://news.example.com/posts/1"
    assert entry.title == "Acme"
    assert entry.text == "Plain & simple"
    assert entry.author == "Eva"
    assert entry.language == "de"
    assert entry.published == datetime(2025, 6, 10, 4, 0, tzinfo=UTC)


def test_json_feed_items() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Blog",
            "language": "en",
            "items": [
                {
                    "id": 7,
                    "url": "/p/7",
                    "title": "Acme <3",
                    "content_html": "<p>Great <em>service</em></p><script>x()</script>",
                    "date_published": "2025-06-10T06:00:00+02:00",
                    "authors": [{"name": "Ann"}],
                },
                "not an item",
            ],
        }
    ).encode()
    feed = parse_feed(body, content_type="application/feed+json", base_url=BASE)
    (entry,) = feed.entries
    assert entry.external_id == "7"
    assert entry.url == "https://news.example.com/p/7"
    assert entry.title == "Acme <3"
    assert entry.text == "Great service"
    assert entry.author == "Ann"
    assert entry.published == datetime(2025, 6, 10, 4, 0, tzinfo=UTC)
    assert entry.language == "en"
    assert any("not JSON objects" in problem for problem in feed.problems)


def _status(**overrides: Any) -> dict[str, Any]:
    status: dict[str, Any] = {
        "id": "1101",
        "uri": "https://social.example/users/ann/statuses/1101",
        "url": "https://social.example/@ann/1101",
        "created_at": "2025-06-10T04:00:00.000Z",
        "language": "en",
        "spoiler_text": "",
        "content": '<p>Boycott <a href="https://social.example/tags/acme">#<span>Acme</span></a>'
        "<script>alert(1)</script></p>",
        "account": {"acct": "ann@social.example", "followers_count": 1523},
        "reblog": None,
    }
    status.update(overrides)
    return status


def test_mastodon_statuses() -> None:
    boosted = _status(
        id="1102",
        uri="https://other.example/users/bob/statuses/9",
        url="https://other.example/@bob/9",
        content="<p>Acme is great</p>",
        account={"acct": "bob@other.example", "followers_count": 10},
    )
    boost = _status(id="1103", content="", reblog=boosted, account={"acct": "carl"})
    body = json.dumps([_status(), boost, 42]).encode()
    feed = parse_feed(body, content_type="application/json", base_url=BASE)
    first, second = feed.entries
    assert first.external_id == "https://social.example/users/ann/statuses/1101"
    assert first.url == "https://social.example/@ann/1101"
    assert first.author == "ann@social.example"
    assert first.author_reach == 1523
    assert first.text == "Boycott #Acme"
    assert first.published == datetime(2025, 6, 10, 4, 0, tzinfo=UTC)
    assert first.language == "en"
    # A boost is the boosted post, under its own id and author.
    assert second.external_id == "https://other.example/users/bob/statuses/9"
    assert second.author == "bob@other.example"
    assert second.author_reach == 10
    assert second.text == "Acme is great"
    assert any("not statuses" in problem for problem in feed.problems)


def test_mastodon_error_answer_is_a_problem() -> None:
    feed = parse_feed(
        b'{"error": "Record not found"}', content_type="application/json", base_url=BASE
    )
    assert feed.entries == []
    assert feed.problems == ["The server answered with an error: Record not found."]


def test_deeply_nested_json_is_reported_not_raised() -> None:
    feed = parse_feed(b"[" * 100_000 + b"]" * 100_000, content_type=None, base_url=BASE)
    assert feed.entries == []
    assert feed.problems


# --------------------------------------------------------------------------- matching


def matcher(*specs: tuple[str, TermKind, MatchMode]) -> Any:
    return compile_terms(
        TermSpec(id=i, term=term, kind=kind, mode=mode)
        for i, (term, kind, mode) in enumerate(specs)
    )


W, P = MatchMode.WORD, MatchMode.PHRASE
BRAND, TAG = TermKind.BRAND, TermKind.HASHTAG


def test_matching_ignores_case_and_accents() -> None:
    m = matcher(("Crème Brûlée", BRAND, W))
    assert m.match("CREME BRULEE made me sick") == [0]
    assert m.match("crème brûlée") == [0]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Acme's new bar", True),
        ("#acme trending", True),
        ("@acme please answer", True),
        ("acme.", True),
        ("Acmeville news", False),
        ("megaacme", False),
    ],
)
def test_whole_word_respects_word_boundaries(text: str, hit: bool) -> None:
    assert matcher(("acme", BRAND, W)).match(text) == ([0] if hit else [])


def test_phrase_mode_matches_inside_words() -> None:
    m = matcher(("recall", TermKind.NEGATIVE, P), ("recall", TermKind.PRODUCT, W))
    assert m.match("Acme recalled its bar") == [0]
    assert m.match("a recall of bars") == [0, 1]


def test_multi_word_terms_match_across_any_whitespace() -> None:
    m = matcher(("acme foods", BRAND, W))
    assert m.match("ACME   Foods\nstatement") == [0]
    assert m.match("acme's foods") == []


def test_hashtags_match_only_the_hashtag() -> None:
    m = matcher(("#AcmeFail", TAG, W), ("AcmeGate", TAG, W))
    assert m.match("so #acmefail today") == [0]
    assert m.match("acme fail") == []
    assert m.match("#acmefailed") == []
    assert m.match("#AcmeGate is real") == [1]
    assert m.match("acmegate") == []


def test_overlapping_terms_are_all_reported() -> None:
    m = matcher(
        ("acme", BRAND, W), ("acme foods", BRAND, W), ("foods recall", TermKind.NEGATIVE, W)
    )
    assert m.match("acme foods recall announced") == [0, 1, 2]
    assert m.match("acme only") == [0]


def test_zero_width_tricks_do_not_hide_a_brand() -> None:
    assert matcher(("acme", BRAND, W)).match(html_to_text("Ac\u200bme is a scam")) == [0]


def test_terms_in_scripts_without_spaces_match_inside_text() -> None:
    assert matcher(("索尼", BRAND, W)).match("我爱索尼产品") == [0]


def test_terms_are_literal_not_regular_expressions() -> None:
    m = matcher(("a.b", BRAND, W), ("c++", BRAND, W), ("(", BRAND, P))
    assert m.match("axb") == []
    assert m.match("I code in C++ daily") == [1]
    assert m.match("no brackets") == []


def test_empty_terms_and_empty_matchers_match_nothing() -> None:
    assert matcher(("   ", BRAND, W), ("#", TAG, W)).match("anything # at all") == []
    assert compile_terms([]).match("text") == []


def test_matcher_remembers_term_kinds() -> None:
    m = compile_terms([TermSpec(id="t1", term="boycott", kind=TermKind.NEGATIVE)])
    assert m.kind("t1") is TermKind.NEGATIVE
    assert m.match("Boycott!") == ["t1"]


# --------------------------------------------------------------------------- sentiment


def test_sentiment_labels_follow_vader_thresholds() -> None:
    assert score("I love Acme, the support team was great!").label is SentimentLabel.POSITIVE
    assert score("Acme is terrible, worst service ever :(").label is SentimentLabel.NEGATIVE
    assert score("Acme opened a store on Main Street.").label is SentimentLabel.NEUTRAL
    assert score("").compound == 0.0
    assert label_for(0.05) is SentimentLabel.POSITIVE
    assert label_for(-0.05) is SentimentLabel.NEGATIVE
    assert label_for(0.049) is SentimentLabel.NEUTRAL


def test_vader_analyzer_is_created_once() -> None:
    assert analyzer() is analyzer()


def test_faster_vader_gives_exactly_the_stock_scores() -> None:
    from vaderSentiment.vaderSentiment import (
        BOOSTER_DICT,
        NEGATE,
        SPECIAL_CASES,
        SentimentIntensityAnalyzer,
    )

    stock = SentimentIntensityAnalyzer()
    rng = random.Random(7)
    vocabulary = [
        *list(stock.lexicon)[::40],
        *SPECIAL_CASES,
        *BOOSTER_DICT,
        *NEGATE,
        *[
            "but",
            "BUT",
            "least",
            "at",
            "very",
            "no",
            "kind",
            "of",
            "never",
            "so",
            "this",
            "without",
            "doubt",
            "GREAT",
            "Acme",
        ],
        *[":)", ":(", "!!!", "?", "\U0001f600", "\u2764\ufe0f", "café", "isn't"],
    ]
    texts = [
        " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 40)))
        + rng.choice(["", "!", "!!", "?", " :)"])
        for _ in range(3000)
    ]
    # Emoji glued to words, punctuation and each other, at the start and the end, inside
    # sequences (skin tones, variation selectors, ZWJ families, flags), beside accents.
    emoji = [
        *rng.sample(sorted(stock.emojis), 60),
        "\U0001f44d\U0001f3fd",
        "\u2764\ufe0f",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",
        "\U0001f1ec\U0001f1e7",
        "\U0001f621",
        "\U0001f60d",
    ]
    pieces = [*vocabulary, *emoji, *emoji, "Acmé", "déjà", "naïve", ",", ".", "!"]
    texts += [
        "".join(
            rng.choice(pieces) + rng.choice(["", " ", " ", "  ", "\n", "\t"])
            for _ in range(rng.randint(0, 30))
        )
        for _ in range(3000)
    ]
    for text in texts:
        assert analyzer().polarity_scores(text) == stock.polarity_scores(text), repr(text)


def test_negative_score_is_in_range() -> None:
    result = score("AWFUL!!! Never again, Acme made my kid sick")
    assert -1.0 <= result.compound < -0.05


# --------------------------------------------------------------------------- language


def test_language_hint_wins_and_guesses_need_enough_text() -> None:
    assert detect_language("whatever", hint="en-GB") == "en"
    assert (
        detect_language("Le rappel de produits Acme est une honte, je ne rachèterai jamais") == "fr"
    )
    assert detect_language("lol ok") is None
    assert detect_language("Le rappel", hint="<script>") is None


def test_large_term_sets_match_the_same_way() -> None:
    specs = [TermSpec(id=f"brand{i}", term=f"Brand {i}x") for i in range(200)]
    specs.append(TermSpec(id="tag", term="#Acme", kind=TermKind.HASHTAG))
    specs.append(TermSpec(id="phrase", term="recall", mode=MatchMode.PHRASE))
    m = compile_terms(specs)
    assert m.match("brand 7x and BRAND 199X were #acme recalled") == [
        "brand7",
        "brand199",
        "tag",
        "phrase",
    ]
    assert m.match("brand 7xy brand 1999x") == []
    assert m.match("nothing here") == []
