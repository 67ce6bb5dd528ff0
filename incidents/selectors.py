"""Reads of the monitoring pages (and, later, the post-mortem PDF): mention volume per
bucket, top terms, top authors, counts. Every function takes a queryset the caller has
already limited with `.within(scope)`, so scoping stays in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncHour

from incidents.drill_mentions import drill_q
from incidents.models import Mention, Sentiment, Source, Triage, WatchTerm
from portal.charts.timeseries import Bucket

RANGES: dict[str, tuple[str, int]] = {
    # key: (label, hours); hourly buckets in both
    "24h": ("Last 24 hours", 24),
    "7d": ("Last 7 days", 7 * 24),
}
DEFAULT_RANGE = "7d"


def hourly_volume(
    mentions: QuerySet[Mention], *, end: datetime, hours: int, tz: tzinfo
) -> list[Bucket]:
    """`hours` hourly buckets ending with the one holding `end`, in the time zone `tz`
    (so a half-hour-offset agency gets its own hours), with empty buckets filled in."""
    last = end.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    # Step in absolute time: local hours are one real hour apart, also across DST.
    starts = [last - timedelta(hours=h) for h in range(hours - 1, -1, -1)]
    rows = (
        mentions.filter(published_at__gte=starts[0], published_at__lt=last + timedelta(hours=1))
        .annotate(bucket=TruncHour("published_at", tzinfo=tz))
        .values("bucket")
        .annotate(
            total=Count("pk"), negative=Count("pk", filter=Q(sentiment_label=Sentiment.NEGATIVE))
        )
        .order_by()
    )
    found = {row["bucket"].timestamp(): row for row in rows}
    buckets = []
    for start in starts:
        row = found.get(start.timestamp())
        buckets.append(Bucket(start, row["total"] if row else 0, row["negative"] if row else 0))
    return buckets


@dataclass(frozen=True)
class TermCount:
    term: WatchTerm
    count: int


def top_terms(terms: QuerySet[WatchTerm], *, since: datetime, limit: int = 10) -> list[TermCount]:
    counted = Q(mentions__published_at__gte=since) & ~drill_q("mentions__")
    rows = (
        terms.annotate(n=Count("mentions", filter=counted))
        .filter(n__gt=0)
        .order_by("-n", "term")[:limit]
    )
    return [TermCount(t, t.n) for t in rows]


@dataclass(frozen=True)
class AuthorReach:
    author: str
    reach: int
    count: int


def top_authors(
    mentions: QuerySet[Mention], *, since: datetime, limit: int = 10
) -> list[AuthorReach]:
    rows = (
        mentions.filter(published_at__gte=since, author_reach__isnull=False)
        .exclude(author="")
        .values("author")
        .annotate(reach=Max("author_reach"), n=Count("pk"))
        .order_by("-reach", "author")[:limit]
    )
    return [AuthorReach(r["author"], r["reach"], r["n"]) for r in rows]


def triage_counts(mentions: QuerySet[Mention]) -> list[tuple[str, str, int]]:
    """(value, label, count) for every triage status, in workflow order."""
    rows = dict(mentions.values_list("triage").annotate(n=Count("pk")).order_by())
    return [(value, str(label), rows.get(value, 0)) for value, label in Triage.choices]


@dataclass(frozen=True)
class SourceHealth:
    total: int
    enabled: int
    failing: int
    never_succeeded: int


def source_health(sources: QuerySet[Source]) -> SourceHealth:
    # Aliases differ from field names: Django refuses an aggregate named like a field.
    agg = sources.aggregate(
        n_total=Count("pk"),
        n_enabled=Count("pk", filter=Q(enabled=True)),
        n_failing=Count("pk", filter=Q(enabled=True, consecutive_failures__gt=0)),
        n_never=Count("pk", filter=Q(enabled=True, last_success_at__isnull=True) & ~Q(kind="push")),
    )
    return SourceHealth(agg["n_total"], agg["n_enabled"], agg["n_failing"], agg["n_never"])
