"""Behaviour of the streaming spike detector and of `manage.py detect_spikes`."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.detection.detector import Alert, AlertKind, Bucket, Config, SpikeDetector

FIVE_MIN = timedelta(minutes=5)
# a Monday, midnight
START = datetime(2025, 3, 3, tzinfo=UTC)
DAY = 288  # five-minute buckets


def noisy(rng: random.Random, mean: float) -> int:
    """A count with roughly Poisson noise around `mean`."""
    return max(0, round(rng.gauss(mean, mean**0.5)))


def series(
    length: int, level: Callable[[int], float], *, seed: int = 1
) -> list[tuple[datetime, int]]:
    rng = random.Random(seed)
    return [(START + i * FIVE_MIN, noisy(rng, level(i))) for i in range(length)]


def run(
    points: Iterable[tuple[datetime, int]], config: Config | None = None
) -> list[tuple[int, Alert]]:
    detector = SpikeDetector(config)
    return [
        (i, alert)
        for i, (start, volume) in enumerate(points)
        for alert in detector.observe(Bucket(start=start, volume=volume))
    ]


def test_flat_series_raises_nothing() -> None:
    assert run(series(10 * DAY, lambda i: 20)) == []


def test_quiet_series_does_not_alert_on_a_handful_of_mentions() -> None:
    points = series(3 * DAY, lambda i: 0.3)
    points[2 * DAY] = (points[2 * DAY][0], 4)
    assert run(points) == []


def test_clear_surge_raises_one_volume_alert_that_explains_itself() -> None:
    surge = 2 * DAY + 14 * 12  # Wednesday 14:00
    points = series(3 * DAY, lambda i: 200 if surge <= i < surge + 6 else 20)

    alerts = run(points)

    assert [(i, a.kind) for i, a in alerts] == [(surge, AlertKind.VOLUME_SPIKE)]
    alert = alerts[0][1]
    assert alert.window_start == START + surge * FIVE_MIN
    assert alert.window_end == alert.window_start + FIVE_MIN
    assert alert.observed > 150
    assert 15 <= alert.expected <= 25
    assert alert.score >= Config().threshold
    assert "the usual for a Wednesday 14:00" in alert.explanation
    assert "in 5 min (about 2" in alert.explanation  # about 20 expected
    assert "×" in alert.explanation


def test_cooldown_keeps_a_second_burst_of_the_same_surge_quiet() -> None:
    surge = 2 * DAY + 14 * 12
    bursts = {surge, surge + 1, surge + 12, surge + 13, surge + 36}  # within three hours
    later = surge + 16 * 12  # after the twelve-hour cool-down
    points = series(4 * DAY, lambda i: 200 if i in bursts or i == later else 20)

    alerts = run(points)

    assert [i for i, _ in alerts] == [surge, later]


def test_regular_monday_morning_peak_does_not_alert_but_the_same_peak_at_night_does() -> None:
    def level(i: int) -> float:
        day, minute = divmod(i, DAY)
        monday_peak = day % 7 == 0 and 9 * 12 <= minute < 10 * 12
        odd_hour = day == 30 and 3 * 12 <= minute < 4 * 12  # Wednesday 03:00
        return 150 if monday_peak or odd_hour else 20

    alerts = run(series(31 * DAY, level))

    monday_alerts = [i for i, _ in alerts if (i // DAY) % 7 == 0 and i // DAY >= 7]
    assert monday_alerts == [], "a peak that comes every Monday is the usual"
    night = [(i, a) for i, a in alerts if i // DAY == 30]
    assert [i for i, _ in night] == [30 * DAY + 3 * 12]
    assert "a Wednesday 03:00" in night[0][1].explanation


def test_negative_surge_fires_on_share_of_negative_not_on_volume() -> None:
    rng = random.Random(3)
    detector = SpikeDetector()
    alerts: list[tuple[int, Alert]] = []
    surge = 2 * DAY + 10 * 12
    for i in range(3 * DAY):
        volume = noisy(rng, 40)
        negative = 30 if surge <= i < surge + 3 else noisy(rng, 4)
        bucket = Bucket(start=START + i * FIVE_MIN, volume=volume, negative=min(negative, volume))
        alerts += [(i, a) for a in detector.observe(bucket)]

    assert [(i, a.kind) for i, a in alerts] == [(surge, AlertKind.NEGATIVE_SURGE)]
    assert alerts[0][1].explanation.startswith("Negative mentions ")
    assert "the usual for a Wednesday 10:00" in alerts[0][1].explanation


def test_volume_spike_with_the_usual_share_of_negative_is_not_a_negative_surge() -> None:
    rng = random.Random(4)
    detector = SpikeDetector()
    kinds: list[AlertKind] = []
    surge = 2 * DAY + 10 * 12
    for i in range(3 * DAY):
        volume = 400 if i == surge else noisy(rng, 40)
        bucket = Bucket(start=START + i * FIVE_MIN, volume=volume, negative=volume // 10)
        kinds += [a.kind for a in detector.observe(bucket)]

    assert kinds == [AlertKind.VOLUME_SPIKE]


def test_influencer_mention_above_the_client_threshold_alerts() -> None:
    detector = SpikeDetector(Config(influencer_reach=100_000))
    quiet = detector.observe(Bucket(start=START, volume=3, max_reach=90_000))
    loud = detector.observe(Bucket(start=START + FIVE_MIN, volume=3, max_reach=250_000))

    assert quiet == []
    assert [a.kind for a in loud] == [AlertKind.INFLUENCER]
    assert "reach of 250,000" in loud[0].explanation
    assert "threshold is 100,000" in loud[0].explanation


def test_without_an_influencer_threshold_reach_never_alerts() -> None:
    detector = SpikeDetector()
    assert detector.observe(Bucket(start=START, volume=3, max_reach=10**9)) == []


def test_priority_keyword_alerts_once_while_it_keeps_appearing() -> None:
    detector = SpikeDetector(Config(priority_keywords=frozenset({"recall"})))
    first = detector.observe(Bucket(start=START, volume=5, keywords=frozenset({"Recall", "pizza"})))
    again = detector.observe(
        Bucket(start=START + FIVE_MIN, volume=5, keywords=frozenset({"recall"}))
    )

    assert [a.kind for a in first] == [AlertKind.KEYWORD]
    assert '"Recall"' in first[0].explanation
    assert again == []


def test_decisions_use_only_past_data() -> None:
    rng = random.Random(7)
    spikes = {rng.randrange(DAY, 6 * DAY) for _ in range(12)}
    points = series(6 * DAY, lambda i: 300 if i in spikes else 20 + 10 * (i % DAY > DAY // 2))
    full = [(i, a.explanation) for i, a in run(points)]
    assert full, "the series should raise something"

    for cut in (DAY + 7, 3 * DAY, 4 * DAY + 100, 6 * DAY - 1):
        prefix = [(i, a.explanation) for i, a in run(points[:cut])]
        assert prefix == [(i, e) for i, e in full if i < cut]


def test_buckets_out_of_order_are_refused() -> None:
    detector = SpikeDetector()
    detector.observe(Bucket(start=START + FIVE_MIN, volume=1))
    with pytest.raises(ValueError, match="not after"):
        detector.observe(Bucket(start=START, volume=1))


def test_gap_counts_as_silence_and_keeps_the_daily_rhythm() -> None:
    points = series(3 * DAY, lambda i: 20)
    surge = 2 * DAY + 14 * 12
    points[surge] = (points[surge][0], 250)
    with_gap = points[: DAY + 10] + points[DAY + 40 :]  # 2.5 hours without data
    assert [i for i, _ in run(with_gap)] == [surge - 30]


def test_detect_spikes_command_prints_alert_timestamps(tmp_path: Path) -> None:
    surge = 2 * DAY + 14 * 12
    points = series(3 * DAY, lambda i: 200 if surge <= i < surge + 4 else 20)
    csv_path = tmp_path / "series.csv"
    lines = ["timestamp,value"] + [f"{t:%Y-%m-%d %H:%M:%S},{v}" for t, v in points]
    csv_path.write_text("\n".join(lines) + "\n")

    out = StringIO()
    call_command("detect_spikes", str(csv_path), stdout=out)
    assert out.getvalue().splitlines() == ["2025-03-05 14:00:00"]

    explained = StringIO()
    call_command("detect_spikes", str(csv_path), "--explain", stdout=explained)
    text = explained.getvalue()
    assert text.startswith("2025-03-05 14:00:00\n")
    assert "volume_spike" in text
    assert "the usual for a Wednesday 14:00" in text
