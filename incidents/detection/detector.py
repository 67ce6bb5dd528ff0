"""Streaming spike detector over bucketed mention counts (pure Python, no database).

Feed it one `Bucket` at a time (`SpikeDetector.observe`); it returns the `Alert`s that bucket
raises, deciding from that bucket and earlier ones only. See docs/detector.md for the method,
the parameters and its score on the NAB realTweets series.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from incidents.detection.explain import count_sentence

# Deviations are measured on square roots of counts, where counting noise has about the same
# spread (1/2) at every rate, so one scale serves a brand with 3 mentions an hour and one with 3,000.
# Tail quantiles are kept in geometric bins of 2 %: exact enough, and O(1) per bucket.
_BIN_FLOOR = 0.5  # deviations below this (half a sqrt unit: counting noise) share bin 0
_BIN_RATIO = 1.02
_LOG_RATIO = math.log(_BIN_RATIO)


class AlertKind(StrEnum):
    VOLUME_SPIKE = "volume_spike"
    NEGATIVE_SURGE = "negative_surge"
    INFLUENCER = "influencer"
    KEYWORD = "keyword"


VOLUME = AlertKind.VOLUME_SPIKE
NEGATIVE = AlertKind.NEGATIVE_SURGE
INFLUENCER = AlertKind.INFLUENCER


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Bucket:
    """Mentions counted over [start, start + width)."""

    start: datetime
    volume: int
    negative: int = 0
    width: timedelta = timedelta(minutes=5)
    max_reach: int | None = None  # largest audience among the bucket's authors
    keywords: frozenset[str] = frozenset()  # watch terms matched by the bucket's mentions


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. `score` is a z-like deviation for the count kinds (see `Config.threshold`)."""

    kind: AlertKind
    score: float
    severity: Severity
    window_start: datetime
    window_end: datetime
    observed: float
    expected: float
    explanation: str


@dataclass(frozen=True, slots=True)
class Config:
    """Tunables. Durations are converted to whole buckets of `bucket_width`."""

    bucket_width: timedelta = timedelta(minutes=5)
    # short windows compared with the baseline, shortest first
    short_windows: tuple[timedelta, ...] = (
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
    )
    recent_baseline: timedelta = timedelta(hours=12)
    # the same time yesterday / last week, +- this much, are the seasonal baselines
    seasonal_halfwidth: timedelta = timedelta(minutes=30)
    daily_seasonality: bool = True
    weekly_seasonality: bool = True
    # a deviation is judged against the usual large deviations of this series: the
    # `tail_quantile` of its deviations over the past `tail_window`
    tail_window: timedelta = timedelta(days=28)
    tail_quantile: float = 0.99
    threshold: float = 2.2  # score (deviation / usual large deviation) that makes a spike
    warmup: timedelta = timedelta(days=1)  # no count alert before this much history
    min_excess: int = 10  # at least this many mentions above the usual in the window
    min_ratio: float = 1.5  # and at least this many times the usual
    min_expected: float = 0.2  # per bucket: a floor so that "0 usually" is not a zero divisor
    cooldown: timedelta = timedelta(hours=12)
    # negative surge: share of negative must also rise by this much (absolute, 0-1)
    min_share_rise: float = 0.15
    # severity: z at or above threshold * factor
    severity_factors: tuple[float, float, float] = (1.5, 2.5, 4.0)
    # per client
    influencer_reach: int | None = None
    priority_keywords: frozenset[str] = frozenset()

    def buckets(self, span: timedelta) -> int:
        return max(1, round(span / self.bucket_width))


class _TailQuantile:
    """Upper quantile of the last `size` deviations, in geometric bins.

    A pointer sits on the bin holding the quantile and moves a bin or two per update, so
    adding a value, dropping the oldest and reading the quantile are all O(1).
    """

    __slots__ = ("above", "counts", "current", "quantile", "ring", "seen", "size")

    def __init__(self, size: int, quantile: float) -> None:
        self.size = size
        self.quantile = quantile
        self.ring = [0] * size
        self.seen = 0
        self.counts = [0] * 64
        self.current = 0  # bin of the quantile
        self.above = 0  # values in bins above `current`

    def value(self) -> float:
        """The quantile (a deviation, at least `_BIN_FLOOR`), or 0.0 before any value."""
        if self.seen == 0:
            return 0.0
        return _BIN_FLOOR * _BIN_RATIO ** (self.current + 0.5) if self.current else _BIN_FLOOR

    def add(self, deviation: float) -> None:
        b = int(math.log(deviation / _BIN_FLOOR) / _LOG_RATIO) + 1 if deviation > _BIN_FLOOR else 0
        counts = self.counts
        if b >= len(counts):
            counts.extend([0] * (b + 64 - len(counts)))
        slot = self.seen % self.size
        if self.seen >= self.size:
            old = self.ring[slot]
            counts[old] -= 1
            if old > self.current:
                self.above -= 1
        self.ring[slot] = b
        counts[b] += 1
        if b > self.current:
            self.above += 1
        self.seen += 1
        n = min(self.seen, self.size)
        rank = n - int(self.quantile * n)  # the rank-th largest value is the quantile
        while self.above + counts[self.current] < rank:  # too high: step down
            self.above += counts[self.current]
            self.current -= 1
        while self.above >= rank:  # too low: step up
            self.current += 1
            self.above -= counts[self.current]


@dataclass(slots=True)
class _Candidate:
    score: float
    span: int  # buckets
    observed: float
    expected: float


class _Tracker:
    """Baseline, deviation and tail of one count series (volume, or negative mentions)."""

    def __init__(self, config: Config) -> None:
        c = self.config = config
        self.spans = tuple(c.buckets(w) for w in c.short_windows)
        self.recent_len = c.buckets(c.recent_baseline)
        self.day = c.buckets(timedelta(days=1))
        self.week = c.buckets(timedelta(days=7))
        self.half = (
            min(c.buckets(c.seasonal_halfwidth), self.day - 1) if c.seasonal_halfwidth else 0
        )
        self.warmup = c.buckets(c.warmup)
        size = max(self.week + self.half + 1, self.recent_len + 1, max(self.spans) + 1)
        self.n = 0  # buckets seen
        self.ring = [0] * size
        self.expected_ring = [0.0] * size
        self.sums = [0] * len(self.spans)
        self.expected_sums = [0.0] * len(self.spans)
        tail = c.buckets(c.tail_window)
        self.tails = [_TailQuantile(tail, c.tail_quantile) for _ in self.spans]
        # sorted windows (for medians) of the last hours, and of the same time yesterday and
        # last week +- `half` buckets
        self.recent: list[int] = []
        self.yesterday: list[int] = []
        self.last_week: list[int] = []
        self.seasonal = (
            (self.day, self.yesterday, c.daily_seasonality),
            (self.week, self.last_week, c.weekly_seasonality),
        )

    def expected_now(self) -> float:
        """Usual count for the next bucket: the highest of the recent and seasonal medians.

        Taking the highest means a spike must stand out against the last hours *and* against
        the same time yesterday and last week, so a regular Monday-morning rush is no news.
        """
        best = _median(self.recent) if self.recent else 0.0
        for _period, window, enabled in self.seasonal:
            if enabled and len(window) > self.half:
                m = _median(window)
                if m > best:
                    best = m
        floor = self.config.min_expected
        return best if best > floor else floor

    def step(self, x: int) -> _Candidate | None:
        """Take the next bucket's count; return the strongest spike candidate, if any."""
        c = self.config
        n, ring, expected_ring, sums, expected_sums = (
            self.n,
            self.ring,
            self.expected_ring,
            self.sums,
            self.expected_sums,
        )
        size = len(ring)
        e = self.expected_now()
        ring[n % size] = x
        expected_ring[n % size] = e
        best: _Candidate | None = None
        ready = n >= self.warmup
        for i, k in enumerate(self.spans):
            s = sums[i] + x
            es = expected_sums[i] + e
            if n >= k:
                old = (n - k) % size
                s -= ring[old]
                es -= expected_ring[old]
            sums[i] = s
            expected_sums[i] = es
            if n + 1 < k:
                continue
            deviation = math.sqrt(s) - math.sqrt(es)
            tail = self.tails[i]
            if ready and s - es >= c.min_excess and s >= c.min_ratio * es:
                usual = tail.value()
                if deviation >= c.threshold * usual:
                    score = deviation / usual
                    if best is None or score > best.score:
                        best = _Candidate(score=score, span=k, observed=float(s), expected=es)
            tail.add(deviation)
        # move the baseline windows on so that they describe bucket n + 1
        recent = self.recent
        insort(recent, x)
        if n >= self.recent_len:
            del recent[bisect_left(recent, ring[(n - self.recent_len) % size])]
        half = self.half
        for period, window, _enabled in self.seasonal:
            incoming = n + 1 - period + half
            if incoming >= 0:
                insort(window, ring[incoming % size])
                outgoing = incoming - 2 * half - 1
                if outgoing >= 0:
                    del window[bisect_left(window, ring[outgoing % size])]
        self.n = n + 1
        return best


def _median(items: list[int]) -> float:
    n = len(items)
    mid = n // 2
    return float(items[mid]) if n % 2 else (items[mid - 1] + items[mid]) / 2.0


class SpikeDetector:
    """Streaming detector for one client's mention series.

    Buckets must arrive in time order; a gap is read as buckets with no mentions.
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self._volume = _Tracker(self.config)
        self._negative = _Tracker(self.config)
        self._cooldown = self.config.buckets(self.config.cooldown)
        self._index = -1  # bucket number of the last bucket seen
        self._start: datetime | None = None
        self._last_alert: dict[str, int] = {}
        self._active: set[str] = set()
        # negative share baseline: EWMA of negatives and volume over the recent baseline
        self._share_alpha = 1.0 / self.config.buckets(self.config.recent_baseline)
        self._neg_level = 0.0
        self._vol_level = 0.0
        # Until the first negative mention the negative series is all zeros: count them and
        # replay them on the first negative mention (series without sentiment stay cheap).
        self._zero_negatives = 0
        self._wanted = frozenset(k.casefold() for k in self.config.priority_keywords)
        self._keywords_active: set[str] = set()

    @property
    def active(self) -> frozenset[str]:
        """Alert kinds whose condition held in the last bucket ("keyword:<term>" for
        keywords): a surge still going on, which a caller may report as continuing."""
        return frozenset(self._active)

    def observe(self, bucket: Bucket) -> list[Alert]:
        c = self.config
        if bucket.width != c.bucket_width:
            raise ValueError(f"bucket width {bucket.width} differs from {c.bucket_width}")
        if self._start is None:
            self._start = bucket.start
        offset = (bucket.start - self._start) / c.bucket_width
        index = round(offset)
        if index <= self._index:
            raise ValueError(f"bucket {bucket.start} is not after the previous bucket")
        gap = index - self._index - 1
        if gap > len(self._volume.ring):
            # silent for longer than any baseline reaches back: start learning afresh
            self._volume = _Tracker(c)
            self._negative = _Tracker(c)
            self._zero_negatives = 0
        else:
            # a gap means nothing was said: feed empty buckets, without alerting on them
            for _ in range(gap):
                self._volume.step(0)
                self._step_negative(0)
        self._index = index
        alerts: list[Alert] = []
        active = self._active
        volume = self._volume.step(bucket.volume)
        if (
            (volume is not None or VOLUME in active)
            and self._fire(VOLUME, volume is not None, index)
            and volume
        ):
            alerts.append(self._count_alert(VOLUME, volume, bucket, "mentions"))
        negative = self._step_negative(bucket.negative)
        if negative is not None:
            share_now = negative.observed / max(1.0, self._window_volume(negative.span))
            usual_share = self._neg_level / self._vol_level if self._vol_level > 0 else 0.0
            if share_now < usual_share + c.min_share_rise:
                negative = None  # negatives rose with volume: a volume spike, not a surge
        if (
            (negative is not None or NEGATIVE in active)
            and self._fire(NEGATIVE, negative is not None, index)
            and negative
        ):
            alerts.append(self._count_alert(NEGATIVE, negative, bucket, "negative mentions"))
        alpha = self._share_alpha
        self._neg_level += alpha * (bucket.negative - self._neg_level)
        self._vol_level += alpha * (bucket.volume - self._vol_level)
        reach = bucket.max_reach
        threshold = c.influencer_reach
        influencer = threshold is not None and reach is not None and reach >= threshold
        if (influencer or INFLUENCER in active) and self._fire(INFLUENCER, influencer, index):
            alerts.append(self._influencer_alert(bucket, reach or 0))
        if bucket.keywords or self._keywords_active:
            alerts.extend(self._keyword_alerts(bucket, index))
        return alerts

    def _keyword_alerts(self, bucket: Bucket, index: int) -> list[Alert]:
        matched = {t.casefold(): t for t in bucket.keywords if t.casefold() in self._wanted}
        alerts = [
            self._keyword_alert(bucket, matched[key])
            for key in sorted(matched)
            if self._fire(f"keyword:{key}", True, index)
        ]
        for key in self._keywords_active - matched.keys():
            self._active.discard(f"keyword:{key}")
        self._keywords_active = set(matched)
        return alerts

    def _step_negative(self, count: int) -> _Candidate | None:
        if count == 0 and self._negative.n == 0:
            self._zero_negatives += 1
            return None
        for _ in range(self._zero_negatives):
            self._negative.step(0)
        self._zero_negatives = 0
        return self._negative.step(count)

    def _window_volume(self, span: int) -> float:
        return float(self._volume.sums[self._volume.spans.index(span)])

    def _fire(self, key: str, condition: bool, index: int) -> bool:
        """Rising edge of `condition`, outside the cool-down of the last alert of `key`."""
        was_active = key in self._active
        if not condition:
            self._active.discard(key)
            return False
        self._active.add(key)
        if was_active:
            return False
        last = self._last_alert.get(key)
        if last is not None and index - last < self._cooldown:
            return False
        self._last_alert[key] = index
        return True

    def _severity(self, score: float) -> Severity:
        low, high, critical = (f * self.config.threshold for f in self.config.severity_factors)
        if score >= critical:
            return Severity.CRITICAL
        if score >= high:
            return Severity.HIGH
        if score >= low:
            return Severity.MEDIUM
        return Severity.LOW

    def _count_alert(self, kind: AlertKind, cand: _Candidate, bucket: Bucket, noun: str) -> Alert:
        end = bucket.start + bucket.width
        span = cand.span * bucket.width
        start = end - span
        severity = self._severity(cand.score)
        sentence = count_sentence(
            noun=noun, observed=cand.observed, expected=cand.expected, span=span, start=start
        )
        return Alert(
            kind=kind,
            score=round(cand.score, 2),
            severity=severity,
            window_start=start,
            window_end=end,
            observed=cand.observed,
            expected=round(cand.expected, 2),
            explanation=f"{sentence[0].upper()}{sentence[1:]}; {severity} severity (score {cand.score:.1f}).",
        )

    def _influencer_alert(self, bucket: Bucket, reach: int) -> Alert:
        threshold = self.config.influencer_reach or 1
        ratio = reach / threshold
        severity = (
            Severity.CRITICAL if ratio >= 10 else Severity.HIGH if ratio >= 3 else Severity.MEDIUM
        )
        return Alert(
            kind=AlertKind.INFLUENCER,
            score=round(ratio, 2),
            severity=severity,
            window_start=bucket.start,
            window_end=bucket.start + bucket.width,
            observed=float(reach),
            expected=float(threshold),
            explanation=(
                f"An author with a reach of {reach:,} mentioned the brand at "
                f"{bucket.start:%H:%M} (this client's influencer threshold is {threshold:,})."
            ),
        )

    def _keyword_alert(self, bucket: Bucket, term: str) -> Alert:
        return Alert(
            kind=AlertKind.KEYWORD,
            score=1.0,
            severity=Severity.HIGH,
            window_start=bucket.start,
            window_end=bucket.start + bucket.width,
            observed=1.0,
            expected=0.0,
            explanation=(
                f'High-priority keyword "{term}" appeared in mentions at {bucket.start:%H:%M}.'
            ),
        )
