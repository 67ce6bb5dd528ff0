"""Sentiment of a mention with VADER, which was built for short social-media text
(emoticons, capitals, "!!!", slang) and needs no model download.

The analyser loads its lexicon once per process (about 15 ms) and is reused; scoring is
pure Python, so very long texts are cut to their first `MAX_CHARS` characters: news
articles are judged on their opening, which is where their tone is set, and a 50 kB post
does not stall a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

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


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


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
