"""Incident page latency: the war room of an incident with 5,000 timeline entries,
against a bare Django view, both through the same middleware stack and test client.

    python -m bench.incident_page [--entries 5000] [--runs 50] [--profile]

A throwaway SQLite database is migrated in a temporary FIREBREAK_VAR_DIR. The bare view
is routed only by bench/incident_page_urls.py (the project's URLs plus `/__bare__/`),
switched in with override_settings, so it never exists in the project. The last line
reads `incident_page: p95 <ms> ms (bare view p95 <ms> ms, ratio <R>)`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["FIREBREAK_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def measure(get: Callable[[], int], runs: int) -> list[float]:
    get()  # warm up (template loading, caches)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        status = get()
        times.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise SystemExit(f"unexpected status {status}")
    return times


def run(entries: int, runs: int, *, profile: bool = False) -> int:
    from django.test import Client as HttpClient
    from django.test.utils import override_settings
    from django.urls import reverse
    from django.utils import timezone

    from clients.models import Agency, Client, Contact, Membership, Role
    from incidents.incident_services import incident_open
    from incidents.models import IncidentTask, TimelineEntry
    from portal.models import User

    agency = Agency.objects.create(name="Bench Agency")
    client = Client.objects.create(agency=agency, name="Bench Foods")
    user = User.objects.create_user(email="bench@bench.test", password=None, full_name="Bea")
    Membership.objects.create(agency=agency, user=user, role=Role.OWNER)
    Contact.objects.create(client=client, name="Jane", email="jane@bench.test")
    incident = incident_open(client=client, by=user, title="Bench incident", severity=2)
    now = timezone.now()
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            incident=incident,
            author=user,
            text=f"Entry {n}: something happened and the team acted on it.",
            created_at=now - timedelta(seconds=entries - n),
        )
        for n in range(entries)
    )
    IncidentTask.objects.bulk_create(
        IncidentTask(incident=incident, title=f"Task {n}", assignee=user) for n in range(20)
    )
    http = HttpClient()
    http.force_login(user)
    page = reverse(
        "incidents:detail", kwargs={"client": client.public_id, "pk": incident.public_id}
    )
    from django.conf import settings

    # No collectstatic manifest in a throwaway directory: plain static URLs instead.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ROOT_URLCONF="bench.incident_page_urls", STORAGES=storages):
        if profile:
            from pyinstrument import Profiler  # dev extra

            http.get(page)
            with Profiler(interval=0.0005) as profiler:
                for _ in range(runs):
                    http.get(page)
            print(
                profiler.output_text(
                    unicode=True,
                    color=False,
                    show_all=bool(os.environ.get("ALL")),
                    flat=bool(os.environ.get("FLAT")),
                )
            )
        page_times = measure(lambda: http.get(page).status_code, runs)
        bare_times = measure(lambda: http.get("/__bare__/").status_code, runs)
    for name, times in (("incident page", page_times), ("bare view", bare_times)):
        print(
            f"{name}: median {statistics.median(times):.1f} ms, "
            f"p95 {percentile(times, 95):.1f} ms over {runs} requests"
        )
    page_p95, bare_p95 = percentile(page_times, 95), percentile(bare_times, 95)
    print(
        f"incident_page: p95 {page_p95:.1f} ms (bare view p95 {bare_p95:.1f} ms, "
        f"ratio {page_p95 / bare_p95:.1f})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--profile", action="store_true", help="print a pyinstrument profile of the page first"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="firebreak-bench-") as var_dir:
        setup_django(var_dir)
        return run(args.entries, args.runs, profile=args.profile)


if __name__ == "__main__":
    raise SystemExit(main())
