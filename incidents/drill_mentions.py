"""Telling drill mentions from real ones (guide V.C).

A drill replays synthetic mentions through the real ingestion into the client's
"Drill replay" push source (incidents.drills). They belong to the drill incident only:
the mention inbox, the monitoring overview and its charts, the alert detector and the
war room's "usual" baseline leave them out, so an exercise never looks like a real
crisis nor moves the client's figures. The source's name is reserved (the source form
refuses it), which makes it the flag.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from incidents.models import Mention, Source, SourceKind

DRILL_SOURCE_NAME = "Drill replay"


def drill_q(prefix: str = "") -> Q:
    """Matches drill mentions; `prefix` reaches them through a relation ("mentions__")."""
    return Q(
        **{f"{prefix}source__name": DRILL_SOURCE_NAME, f"{prefix}source__kind": SourceKind.PUSH}
    )


def drill_sources() -> QuerySet[Source]:
    """The drill replay sources (one per client that ever ran a drill)."""
    return Source.objects.filter(name=DRILL_SOURCE_NAME, kind=SourceKind.PUSH)


def real_mentions(mentions: QuerySet[Mention]) -> QuerySet[Mention]:
    """The mentions of a queryset that are not drill replays."""
    return mentions.exclude(drill_q())
