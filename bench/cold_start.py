"""What a Modal container's start costs on our side, phase by phase, each round in a fresh process.

    nice .venv/bin/python bench/cold_start.py [--rounds 5] [--model PATH] [--device cuda]

Without a memory snapshot a container imports torch and the package, loads the weights (phase
one, `KickGeneratorService.load`: from the image, or from the Hub cache on the Volume) and moves
them to its device (phase two, `start`); with a snapshot it restores the state after phase one
and runs phase two only. Each round is a new Python process, so imports and the first CUDA call
are paid as a container pays them; the figures are medians (min in brackets). RSS after phase
one is about what the snapshot holds. The first kick after phase two, and a second one, show
what is left to warm up. Container scheduling and snapshot restore are Modal's (not measured).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ROUND = r"""
import json, resource, sys, time
marks = {}
started = time.perf_counter()
import torch
torch.set_num_threads(2)
marks["import torch"] = time.perf_counter() - started
mark = time.perf_counter()
from gpu_worker.modal_app import KickGeneratorService
marks["import gpu_worker.modal_app (modal, pipeline)"] = time.perf_counter() - mark
source, cache_dir, device = sys.argv[1], sys.argv[2] or None, sys.argv[3]
mark = time.perf_counter()
service = KickGeneratorService.load(source, cache_dir=cache_dir, timeout_s=600)
marks["phase one: load the weights on the CPU"] = time.perf_counter() - mark
rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
mark = time.perf_counter()
service.start(device)
if device == "cuda":
    torch.cuda.synchronize()
marks[f"phase two: move to {device}"] = time.perf_counter() - mark
for name in ("first kick", "second kick"):
    mark = time.perf_counter()
    list(service.generate_stream("hit house", 7))
    marks[f"{name} (default steps, previews)"] = time.perf_counter() - mark
print(json.dumps({"marks": marks, "rss_mib": rss_mib}))
"""


def hub_cache_of(folder: Path, cache: Path) -> str:
    """Lays ``folder`` out as huggingface_hub's cache of a pinned repo; returns the pinned id."""
    commit = "0" * 40
    repo = cache / "models--kwr--kick-gen-bench"
    shutil.copytree(folder, repo / "snapshots" / commit)
    return f"kwr/kick-gen-bench@{commit}"


def run_round(source: str, cache_dir: str, device: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", ROUND, source, cache_dir, device],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},  # a pinned, cached model asks no one
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from gpu_worker import DEFAULT_MODEL_PATH

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        pinned = hub_cache_of(args.model, Path(scratch))
        sources = {
            "model folder in the image": (str(args.model), ""),
            "Hub id from the Volume's cache": (pinned, scratch),
        }
        for label, (source, cache_dir) in sources.items():
            rounds = [run_round(source, cache_dir, args.device) for _ in range(args.rounds)]
            print(f"\n{label}, {args.rounds} fresh processes, device {args.device}")
            print("| step | median s (min) |\n|---|---|")
            for step in rounds[0]["marks"]:
                values = [r["marks"][step] for r in rounds]
                print(f"| {step} | {statistics.median(values):.2f} ({min(values):.2f}) |")
            rss = statistics.median(r["rss_mib"] for r in rounds)
            print(f"| peak RSS after phase one | {rss:.0f} MiB |")


if __name__ == "__main__":
    main()
