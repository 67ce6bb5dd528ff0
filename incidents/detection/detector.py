"""Streaming spike detector over bucketed mention counts (pure Python, no database).

Feed it one `Bucket` at a time (`SpikeDetector.observe`); it returns the `Alert`s that bucket
raises, deciding from that bucket and earlier ones only. See docs/detector.md for the method,
the parameters and its score on the NAB realTweets series.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from incidents.detection.explain import count_sentence

# sqrt(Poisson) has a standard deviation of about 1/2 whatever the rate; its mean absolute
# deviation is 1/2 * sqrt(2/pi). No series can be quieter than counting noise.
_POISSON_MAD = 0.5 * math.sqrt(2.0 / math.pi)
_MAD_TO_SD = math.sqrt(math.pi / 2.0)


class AlertKind(StrEnum):
    VOLUME_SPIKE = "volume_spike"
    NEGATIVE_SURGE = "negative_surge"
    INFLUENCER = "influencer"
    KEYWORD = "keyword"


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
    # how the robust deviation (scale) forgets: its half-life
    scale_half_life: timedelta = timedelta(days=1)
    scale_clip: float = 4.0
    warmup: timedelta = timedelta(hours=6)
    threshold: float = 6.0  # z above which a count is a spike
    min_excess: int = 10  # at least this many mentions above the usual in the window
    min_ratio: float = 1.5  # and at least this many times the usual
    min_expected: float = 0.2  # per bucket: a floor so that "0 usually" is not a zero divisor
    cooldown: timedelta = timedelta(hours=2)
    # negative surge: share of negative must also rise by this much (absolute, 0-1)
    min_share_rise: float = 0.15
    # severity: z at or above threshold * factor
    severity_factors: tuple[float, float, float] = (1.5, 2.5, 4.0)
    # per client
    influencer_reach: int | None = None
    priority_keywords: frozenset[str] = frozenset()

    def buckets(self, span: timedelta) -> int:
        return max(1, round(span / self.bucket_width))


class _SortedWindow:
    """A multiset kept sorted, for sliding medians (add and remove are a memmove)."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[int] = []

    def add(self, value: int) -> None:
        insort(self.items, value)

    def remove(self, value: int) -> None:
        del self.items[bisect_left(self.items, value)]

    def median(self) -> float:
        items, n = self.items, len(self.items)
        mid = n // 2
        return float(items[mid]) if n % 2 else (items[mid - 1] + items[mid]) / 2.0


@dataclass(slots=True)
class _Candidate:
    z: float
    span: int  # buckets
    observed: float
    expected: float


@dataclass(slots=True)
class _Tracker:
    """Baseline and deviation of one count series (volume, or negative mentions)."""

    config: Config
    spans: tuple[int, ...] = ()
    recent_len: int = 0
    day: int = 0
    week: int = 0
    half: int = 0
    warmup: int = 0
    alpha: float = 0.0
    n: int = 0
    ring: list[int] = field(default_factory=list)
    expected_ring: list[float] = field(default_factory=list)
    sums: list[int] = field(default_factory=list)
    expected_sums: list[float] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    recent: _SortedWindow = field(default_factory=_SortedWindow)
    yesterday: _SortedWindow = field(default_factory=_SortedWindow)
    last_week: _SortedWindow = field(default_factory=_SortedWindow)

    def __post_init__(self) -> None:
        c = self.config
        self.spans = tuple(c.buckets(w) for w in c.short_windows)
        self.recent_len = c.buckets(c.recent_baseline)
        self.day = c.buckets(timedelta(days=1))
        self.week = c.buckets(timedelta(days=7))
        self.half = min(c.buckets(c.seasonal_halfwidth), self.day - 1) if c.seasonal_halfwidth else 0
        self.warmup = c.buckets(c.warmup)
        self.alpha = 1.0 - 0.5 ** (1.0 / c.buckets(c.scale_half_life))
        size = max(self.week + self.half + 1, self.recent_len + 1, max(self.spans) + 1)
        self.ring = [0] * size
        self.expected_ring = [0.0] * size
        self.sums = [0] * len(self.spans)
        self.expected_sums = [0.0] * len(self.spans)
        self.scales = [_POISSON_MAD] * len(self.spans)

    def expected_now(self) -> float:
        """Usual count for the next bucket, from the buckets seen so far."""
        c = self.config
        best = self.recent.median() if self.recent.items else 0.0
        if c.daily_seasonality and len(self.yesterday.items) > self.half:
            best = max(best, self.yesterday.median())
        if c.weekly_seasonality and len(self.last_week.items) > self.half:
            best = max(best, self.last_week.median())
        return max(best, c.min_expected)

    def step(self, x: int) -> _Candidate | None:
        """Take the next bucket's count; return the strongest spike candidate, if any."""
        c = self.config
        n, ring, size = self.n, self.ring, len(self.ring)
        e = self.expected_now()
        ring[n % size] = x
        self.expected_ring[n % size] = e
        best: _Candidate | None = None
        ready = n >= self.warmup
        for i, k in enumerate(self.spans):
            s = self.sums[i] + x
            es = self.expected_sums[i] + e
            if n >= k:
                s -= ring[(n - k) % size]
                es -= self.expected_ring[(n - k) % size]
            self.sums[i], self.expected_sums[i] = s, es
            if n + 1 < k:
                continue
            root_e = math.sqrt(es)
            r = math.sqrt(s) - root_e
            scale = self.scales[i]
            z = r / (_MAD_TO_SD * scale)
            clipped = r if r < c.scale_clip * scale else c.scale_clip * scale
            if clipped < 0:
                clipped = -clipped
            scale += self.alpha * (clipped - scale)
            self.scales[i] = scale if scale > _POISSON_MAD else _POISSON_MAD
            if (
                ready
                and z >= c.threshold
                and s - es >= c.min_excess
                and s >= c.min_ratio * es
                and (best is None or z > best.z)
            ):
                best = _Candidate(z=z, span=k, observed=float(s), expected=es)
        self._slide(n, x)
        self.n = n + 1
        return best

    def _slide(self, n: int, x: int) -> None:
        """Move the baseline windows on so that they describe bucket n + 1."""
        ring, size = self.ring, len(self.ring)
        self.recent.add(x)
        if n - self.recent_len >= 0:
            self.recent.remove(ring[(n - self.recent_len) % size])
        for period, window in ((self.day, self.yesterday), (self.week, self.last_week)):
            incoming = n + 1 - period + self.half
            if 0 <= incoming <= n:
                window.add(ring[incoming % size])
            outgoing = n - period - self.half
            if outgoing >= 0:
                window.remove(ring[outgoing % size])


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
        # a gap means nothing was said: feed empty buckets, without alerting on them
        for _ in range(min(index - self._index - 1, len(self._volume.ring))):
            self._volume.step(0)
            self._negative.step(0)
        self._index = index
        alerts: list[Alert] = []
        volume = self._volume.step(bucket.volume)
        negative = self._negative.step(bucket.negative)
        if self._fire(AlertKind.VOLUME_SPIKE, volume is not None, index) and volume:
            alerts.append(self._count_alert(AlertKind.VOLUME_SPIKE, volume, bucket, "mentions"))
        if negative is not None:
            share_now = negative.observed / max(1.0, self._window_volume(negative.span))
            usual_share = self._neg_level / self._vol_level if self._vol_level > 0 else 0.0
            if share_now < usual_share + c.min_share_rise:
                negative = None
        if self._fire(AlertKind.NEGATIVE_SURGE, negative is not None, index) and negative:
            alerts.append(
                self._count_alert(AlertKind.NEGATIVE_SURGE, negative, bucket, "negative mentions")
            )
        self._neg_level += self._share_alpha * (bucket.negative - self._neg_level)
        self._vol_level += self._share_alpha * (bucket.volume - self._vol_level)
        reach = bucket.max_reach
        influencer = c.influencer_reach is not None and reach is not None and reach >= c.influencer_reach
        if self._fire(AlertKind.INFLUENCER, influencer, index) and reach is not None:
            alerts.append(self._influencer_alert(bucket, reach))
        wanted = {k.casefold() for k in c.priority_keywords}
        for term in sorted(bucket.keywords):
            key = f"{AlertKind.KEYWORD}:{term.casefold()}"
            matched = term.casefold() in wanted
            if self._fire(key, matched, index):
                alerts.append(self._keyword_alert(bucket, term))
        return alerts

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

    def _severity(self, z: float) -> Severity:
        low, high, critical = (f * self.config.threshold for f in self.config.severity_factors)
        if z >= critical:
            return Severity.CRITICAL
        if z >= high:
            return Severity.HIGH
        if z >= low:
            return Severity.MEDIUM
        return Severity.LOW

    def _count_alert(
        self, kind: AlertKind, cand: _Candidate, bucket: Bucket, noun: str
    ) -> Alert:
        end = bucket.start + bucket.width
        span = cand.span * bucket.width
        start = end - span
        severity = self._severity(cand.z)
        sentence = count_sentence(
            noun=noun, observed=cand.observed, expected=cand.expected, span=span, start=start
        )
        return Alert(
            kind=kind,
            score=round(cand.z, 2),
            severity=severity,
            window_start=start,
            window_end=end,
            observed=cand.observed,
            expected=round(cand.expected, 2),
            explanation=f"{sentence[0].upper()}{sentence[1:]}; {severity} severity (score {cand.z:.1f}).",
        )

    def _influencer_alert(self, bucket: Bucket, reach: int) -> Alert:
        threshold = self.config.influencer_reach or 1
        ratio = reach / threshold
        severity = (
            Severity.CRITICAL
            if ratio >= 10
            else Severity.HIGH
            if ratio >= 3
            else Severity.MEDIUM
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
                f"High-priority keyword \"{term}\" appeared in mentions at {bucket.start:%H:%M}."
            ),
        )
