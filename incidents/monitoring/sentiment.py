"""Sentiment of a mention with VADER, which was built for short social-media text
(emoticons, capitals, "!!!", slang) and needs no model download.

The analyser loads its lexicon once per process (about 15 ms) and is reused. Stock VADER
3.3.2 lowercases the whole word list again for every sentiment word it checks for
negations and idioms, which makes it quadratic in the length of the text, and it rebuilds
every text character by character to translate emoji. `_FastAnalyzer` gives the same
scores (tests compare it with the stock analyser on thousands of texts) with those costs
removed: the checks only ever look three words either side of the word, so they are
given that window; the emoji pass looks up only the non-ASCII characters (no emoji is
ASCII), found by a regular expression, instead of rebuilding the text; words made of
letters and digits only skip the punctuation strip, which cannot change them; and a word
outside the lexicon (most words) gets the 0 the stock `sentiment_valence` would give it
without the call. Very long texts are still cut to their first `MAX_CHARS` characters: a
news article's tone is set in its opening, and a 50 kB post must not stall a batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from vaderSentiment.vaderSentiment import BOOSTER_DICT as _BOOSTERS
from vaderSentiment.vaderSentiment import (
    N_SCALAR,
    NEGATE,
    SentimentIntensityAnalyzer,
    SentiText,
    allcap_differential,
)

MAX_CHARS = 2000
# VADER's authors' thresholds on the compound score.
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


class SentimentLabel(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


@dataclass(frozen=True, slots=True)
class Sentiment:
    compound: float
    label: SentimentLabel


_NEGATIONS = frozenset(NEGATE)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _negated(word: str) -> bool:
    """vaderSentiment's `negated([word])` for one lowercase word."""
    return word in _NEGATIONS or "n't" in word


def _sentitext(text: str) -> SentiText:
    """`SentiText(text)` for a str, with the stock punctuation strip skipped for the
    words it cannot change (letters and digits only: no punctuation to strip)."""
    sentitext = SentiText.__new__(SentiText)
    strip = SentiText._strip_punc_if_word
    words = [word if word.isalnum() else strip(word) for word in text.split()]
    sentitext.text = text
    sentitext.words_and_emoticons = words
    sentitext.is_cap_diff = allcap_differential(words)
    return sentitext


class _FastAnalyzer(SentimentIntensityAnalyzer):
    """VADER with the same scores and without its quadratic and per-character costs."""

    def __init__(self) -> None:
        super().__init__()
        # The stock pass looks each character of the text up in the emoji lexicon; no
        # emoji is ASCII (in 3.3.2), so only the non-ASCII characters need looking up.
        ascii_emoji = any(key.isascii() for key in self.emojis if len(key) == 1)
        self._candidates = re.compile(r".", re.S) if ascii_emoji else _NON_ASCII

    def _describe_emoji(self, text: str) -> str:
        """The stock emoji pass: each emoji becomes its description, after a space unless
        it starts the text or follows a space."""
        emojis = self.emojis
        parts: list[str] = []
        done = 0
        for match in self._candidates.finditer(text):
            description = emojis.get(match.group())
            if description is None:
                continue
            start = match.start()
            parts.append(text[done:start])
            if start and text[start - 1] != " ":
                parts.append(" ")
            parts.append(description)
            done = start + 1
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)

    # Both checks are called for word i only when i > start_i, so the indexes i-1 .. i-3
    # they read are never negative, and they read nothing beyond words i-3 .. i+2.
    def _negation_check(
        self, valence: float, words_and_emoticons: list[str], start_i: int, i: int
    ) -> float:
        # The stock check, reading only the three words before word i and testing for a
        # negation with a set instead of a scan of the NEGATE list.
        words = words_and_emoticons
        if start_i == 0:
            if _negated(words[i - 1].lower()):
                valence = valence * N_SCALAR
        elif start_i == 1:
            w2, w1 = words[i - 2].lower(), words[i - 1].lower()
            if w2 == "never" and (w1 == "so" or w1 == "this"):
                valence = valence * 1.25
            elif w2 == "without" and w1 == "doubt":
                pass
            elif _negated(w2):
                valence = valence * N_SCALAR
        elif start_i == 2:
            w3, w2, w1 = words[i - 3].lower(), words[i - 2].lower(), words[i - 1].lower()
            if (w3 == "never" and (w2 == "so" or w2 == "this")) or (w1 == "so" or w1 == "this"):
                valence = valence * 1.25
            elif w3 == "without" and (w2 == "doubt" or w1 == "doubt"):
                pass
            elif _negated(w3):
                valence = valence * N_SCALAR
        return valence

    def _special_idioms_check(
        self, valence: float, words_and_emoticons: list[str], i: int
    ) -> float:
        low = max(0, i - 3)
        return float(
            SentimentIntensityAnalyzer._special_idioms_check(
                valence, words_and_emoticons[low : i + 3], i - low
            )
        )

    def polarity_scores(self, text: str) -> dict[str, Any]:
        if not text.isascii() or self._candidates is not _NON_ASCII:
            text = self._describe_emoji(text)
        # From here on, the stock method's body after its emoji pass (vaderSentiment
        # 3.3.2).
        text = text.strip()
        sentitext = _sentitext(text)
        sentiments: list[float] = []
        words_and_emoticons = sentitext.words_and_emoticons
        last = len(words_and_emoticons) - 1
        lexicon = self.lexicon
        for i, item in enumerate(words_and_emoticons):
            item_lower = item.lower()
            if item_lower in _BOOSTERS:
                sentiments.append(0)
                continue
            if i < last and item_lower == "kind" and words_and_emoticons[i + 1].lower() == "of":
                sentiments.append(0)
                continue
            if item_lower not in lexicon:  # what sentiment_valence appends for such a word
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(words_and_emoticons, sentiments)
        return dict(self.score_valence(sentiments, text))


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    return _FastAnalyzer()


def label_for(compound: float) -> SentimentLabel:
    if compound >= POSITIVE_AT:
        return SentimentLabel.POSITIVE
    if compound <= NEGATIVE_AT:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


def score(text: str) -> Sentiment:
    """Compound score in [-1, 1] and its label; empty text is neutral."""
    if not text or not text.strip():
        return Sentiment(0.0, SentimentLabel.NEUTRAL)
    compound = float(analyzer().polarity_scores(text[:MAX_CHARS])["compound"])
    return Sentiment(compound, label_for(compound))
