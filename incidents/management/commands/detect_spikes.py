"""`manage.py detect_spikes FILE.csv`: replay a NAB-format series (timestamp,value) through the
spike detector and print one alert timestamp per line, as written in the file.

Each decision uses that row and earlier ones only (the detector is streaming), so the output
is what the detector would have said live. Throughput goes to stderr with `--explain`.
"""

from __future__ import annotations

import csv
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.detection.detector import Bucket, Config, SpikeDetector


class Command(BaseCommand):
    help = "Run the spike detector over a timestamp,value CSV and print alert timestamps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_path", metavar="FILE.csv")
        parser.add_argument(
            "--explain", action="store_true", help="print each alert's explanation too"
        )
        parser.add_argument(
            "--bucket-minutes",
            type=int,
            default=5,
            help="width of one row's bucket in minutes (default 5)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        width = timedelta(minutes=options["bucket_minutes"])
        detector = SpikeDetector(Config(bucket_width=width))
        explain: bool = options["explain"]
        out = self.stdout
        rows = 0
        began = time.perf_counter()
        try:
            handle = open(options["csv_path"], newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {options['csv_path']}: {exc}") from exc
        with handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or [h.strip().lower() for h in header[:2]] != ["timestamp", "value"]:
                raise CommandError("expected a header row 'timestamp,value'")
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                try:
                    stamp = datetime.fromisoformat(row[0].strip())
                    volume = round(float(row[1]))
                except (ValueError, IndexError) as exc:
                    raise CommandError(f"line {line}: {exc}") from exc
                if stamp.tzinfo is None:
                    stamp = stamp.replace(tzinfo=UTC)
                try:
                    alerts = detector.observe(Bucket(start=stamp, volume=volume, width=width))
                except ValueError as exc:
                    raise CommandError(f"line {line}: {exc}") from exc
                rows += 1
                if alerts:
                    out.write(row[0])
                    if explain:
                        for alert in alerts:
                            out.write(f"  {alert.kind} {alert.severity}: {alert.explanation}")
        if explain:
            elapsed = time.perf_counter() - began
            sys.stderr.write(
                f"{rows} rows in {elapsed:.2f} s ({rows / max(elapsed, 1e-9):,.0f} rows/s)\n"
            )
