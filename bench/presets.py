"""Presets benchmark: the `presets` query as a member's library grows, and the stock library build.

    DEBUG=1 nice .venv/bin/python bench/presets.py [--runs 30]

Uses a throwaway test database (SQLite in memory, or test_<name> on PostgreSQL when DATABASE_URL
is set). For 1, 20 and 200 presets of one member (every other one using an AI kick, plus the
shared presets), prints p50 latency and SQL queries of
`{ presets { results { ... aiKick { ... } } } }` (its first page, at most 100 presets) run
through the project's schema (with the strawberry-django optimizer), against a baseline in the
same run: the same query on the same types with the optimizer left out. Then times a full build
of the stock sound library and prints its size per kind.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django  # noqa: E402

django.setup()

import strawberry  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from backend.schema import Mutation, Query  # noqa: E402
from backend.schema import schema as project_schema  # noqa: E402
from kicks.models import GeneratedKick  # noqa: E402
from presets.catalogue import CATALOGUE  # noqa: E402
from presets.models import Preset  # noqa: E402
from presets.sample_library import build, built_samples  # noqa: E402

QUERY = """{ presets { results { id name isShared bpm kickKey aiKick { id name audioUrl seed }
  kickLength noiseKey reverbKey limiterPreGain } } }"""
SIZES = (1, 20, 200)


def add_presets(member, start: int, count: int) -> None:
    for number in range(start, start + count):
        kick = None
        if number % 2:
            kick = GeneratedKick(owner=member, name=f"AI: Bench {number}", prompt="hit", seed=1)
            kick.audio.name = f"{member.pk}/{kick.uuid}.wav"
            kick.save()
        Preset.objects.create(
            owner=member,
            name=f"Bench {number}",
            bpm=130,
            ai_kick=kick,
            kick_key="" if kick else "kick-909-punch",
            kick_length=0.5,
            kick_distortion=0.1,
            kick_ott=0.5,
            noise_key="noise-pink",
            noise_low_pass=5000,
            noise_high_pass=100,
            noise_volume=-30,
            reverb_key="ir-warehouse",
            reverb_low_pass=4000,
            reverb_high_pass=200,
            reverb_volume=-12,
            master_ott=0.3,
            master_distortion=0.1,
            limiter_pre_gain=2,
        )


def measure(schema: strawberry.Schema, request, runs: int) -> tuple[float, int, int]:
    """p50 milliseconds, SQL queries and presets returned of one execution of QUERY."""
    context = {"request": request, "response": None}
    with CaptureQueriesContext(connection) as queries:
        result = schema.execute_sync(QUERY, context_value=context)
    assert result.errors is None, result.errors
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        schema.execute_sync(QUERY, context_value=context)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), len(queries), len(result.data["presets"]["results"])


def bench_query(runs: int) -> None:
    # The project's schema minus the optimizer: what the same types cost resolved naively.
    naive = strawberry.Schema(query=Query, mutation=Mutation)
    member = get_user_model().objects.create_user("bench", "bench@example.com", "x" * 12)
    request = RequestFactory().post("/graphql/")
    request.user = member
    print(f"presets query, one member ({connection.vendor}), p50 of {runs} runs")
    print(
        f"{'own presets':>11} {'returned':>8} | {'optimized ms':>12} {'SQL':>4} | "
        f"{'naive ms':>9} {'SQL':>4} | {'speed-up':>8}"
    )
    added = 0
    for size in SIZES:
        add_presets(member, added + 1, size - added)
        added = size
        fast_ms, fast_sql, returned = measure(project_schema, request, runs)
        slow_ms, slow_sql, _ = measure(naive, request, runs)
        print(
            f"{size:>11} {returned:>8} | {fast_ms:>12.2f} {fast_sql:>4} | "
            f"{slow_ms:>9.2f} {slow_sql:>4} | {slow_ms / fast_ms:>7.1f}x"
        )


def bench_library() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        report = build(root)
        first = time.perf_counter() - started
        started = time.perf_counter()
        build(root)
        again = time.perf_counter() - started
        entries = built_samples(root)
        print(
            f"\nstock library: {len(CATALOGUE)} files, {report.total_bytes / 1e6:.2f} MB; "
            f"build {first:.1f} s, unchanged rebuild {again:.1f} s"
        )
        print(f"{'kind':>16} {'files':>5} {'MB':>6} {'seconds of audio':>16}")
        for kind in dict.fromkeys(sample.kind for sample in CATALOGUE):
            keys = [sample.key for sample in CATALOGUE if sample.kind is kind]
            size = sum((root / "audio" / entries[key].file_name).stat().st_size for key in keys)
            seconds = sum(entries[key].frames / entries[key].sample_rate for key in keys)
            print(f"{kind.name:>16} {len(keys):>5} {size / 1e6:>6.2f} {seconds:>16.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        bench_query(args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    bench_library()


if __name__ == "__main__":
    main()
