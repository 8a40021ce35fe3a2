"""`python manage.py build_samples`: render the stock sound library (run once during set-up)."""

from __future__ import annotations

from pathlib import Path
from time import perf_counter
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from presets.sample_library import build, library_dir


class Command(BaseCommand):
    # The system checks warn that the library is missing, which is what this command fixes.
    requires_system_checks: list[str] = []
    help = (
        "Render the stock kicks, noise loops and impulse responses of presets.catalogue into "
        "STOCK_SAMPLES_DIR. Reproducible and idempotent: unchanged files are left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            help="Folder to build into (default: STOCK_SAMPLES_DIR).",
        )

    def handle(self, *args: Any, out: Path | None, **options: Any) -> None:
        root = out or library_dir()
        started = perf_counter()
        report = build(root)
        self.stdout.write(
            f"Stock samples in {root}: {len(report.written)} written, "
            f"{len(report.unchanged)} unchanged, {len(report.removed_files)} stale removed, "
            f"{report.total_bytes / 1e6:.2f} MB in all ({perf_counter() - started:.1f} s)."
        )
