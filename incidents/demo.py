"""Demo monitoring for Acme Foods: watch terms, a push source, eight days of ordinary
mentions and a negative surge in the last two hours, stored through the real ingestion
path and run through the real detector, so the demo opens on a raised alert.
Idempotent: mentions have fixed external ids, and detection updates the open alert."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from clients.models import Client
from incidents.alerts import detect_for_client
from incidents.ingest import ingest_entries
from incidents.models import MatchMode, Source, SourceKind, TermKind, WatchTerm
from incidents.monitoring.parse import ParsedEntry

TERMS = [
    ("Acme Foods", TermKind.BRAND, MatchMode.WORD, False),
    ("Acme Crunch", TermKind.PRODUCT, MatchMode.WORD, False),
    ("#AcmeFail", TermKind.HASHTAG, MatchMode.WORD, False),
    ("recall", TermKind.NEGATIVE, MatchMode.PHRASE, True),
    ("made me sick", TermKind.NEGATIVE, MatchMode.PHRASE, False),
]
EVERYDAY = [
    "Loving the new Acme Crunch flavour, perfect with coffee ☕",
    "Acme Foods granola is back in stock at my local shop 🙌",
    "Anyone tried Acme Crunch with yoghurt? Asking for a friend",
    "Acme Foods delivery was late again, a bit annoying",
    "Meal prep Sunday with Acme Foods oat bars #healthy",
    "Not sure about the new Acme Crunch packaging tbh",
]
SURGE = [
    "Acme Crunch made me sick last night, is there a recall? #AcmeFail",
    "Why is nobody at Acme Foods answering about the mould in Acme Crunch?? #AcmeFail",
    "Heard there's an Acme Foods recall, my kids ate two boxes 😡",
    "Disgusting. Found mould in my Acme Crunch. Never again #AcmeFail",
    "Acme Foods silent while people get ill from Acme Crunch. Shameful.",
]
AUTHORS = ["@mia_eats", "@dadofthree", "@jkfoodie", "@helen_b", "@snackreview", "@tomw", "@ravi_k"]


def load_monitoring_demo(*, client: Client) -> None:
    for term, kind, mode, priority in TERMS:
        WatchTerm.objects.get_or_create(
            client=client,
            term=term,
            defaults={"kind": kind, "mode": mode, "high_priority": priority},
        )
    source, _ = Source.objects.get_or_create(
        client=client,
        name="Listening tool (demo push)",
        defaults={"kind": SourceKind.PUSH},
    )
    if source.mentions.exists():
        return
    rng = random.Random(7)
    now = timezone.now().replace(second=0, microsecond=0)
    entries: list[ParsedEntry] = []
    moment = now - timedelta(days=8)
    n = 0
    while moment < now - timedelta(hours=2):
        # A daily rhythm: busier in the afternoon and evening than at night.
        hour = moment.hour
        per_hour = 1 if hour < 7 else 6 if 12 <= hour < 22 else 3
        for _ in range(rng.randint(max(0, per_hour - 1), per_hour + 1)):
            n += 1
            entries.append(_entry(n, rng.choice(EVERYDAY), moment, rng, surge=False))
        moment += timedelta(hours=1)
    while moment < now:
        for _ in range(rng.randint(9, 14)):  # per 5 minutes
            n += 1
            entries.append(_entry(n, rng.choice(SURGE), moment, rng, surge=True))
        moment += timedelta(minutes=5)
    ingest_entries(source=source, entries=entries)
    # Replay detection as beat would have run it, every 5 minutes through the surge.
    step = now - timedelta(hours=2, minutes=30)
    while step <= now:
        detect_for_client(client=client, now=step)
        step += timedelta(minutes=5)


def _entry(n: int, text: str, moment: datetime, rng: random.Random, *, surge: bool) -> ParsedEntry:
    published = moment + timedelta(minutes=rng.randint(0, 4))
    author = rng.choice(AUTHORS)
    return ParsedEntry(
        external_id=f"demo-{n}",
        url=f"https://social.example/{author.lstrip('@')}/status/{n}",
        author=author,
        author_reach=rng.choice([120, 900, 2_400, 15_000, *([180_000] if surge else [])]),
        title="",
        text=text,
        published=published,
        language="en",
    )
