"""The default recipe behind `python -m gpu_worker.train all`: two phases of two stages each, the
two stages of a phase side by side in their own processes.

    phase 1 (45 %): VAE, its rate decayed at the end | vocoder on ground-truth log-mels
    phase 2 (55 %): diffusion (needs the VAE)        | vocoder continued, half of each batch VAE
                                                       reconstructions, its rate decayed at the end

Side by side because the networks are small: on a CPU two single-thread trainings get more done
than one two-thread training (VAE 0.92 s per batch of 16 on one thread, 0.62 s on two); on a GPU
the two share the device. The second vocoder phase fits the vocoder to the
slightly smoothed log-mels that the VAE decoder gives it at generation time, while the ground-truth
half keeps it faithful to mels it has not seen. Diffusion gets the larger share because it is the
bottleneck: with 46 % the decoding chain (VAE + vocoder) of a 120-minute run came within 1.2× of
the Fréchet floor while generated kicks stayed at 2.2×.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gpu_worker.config import ModelConfig
from gpu_worker.parallel import usable_cores
from gpu_worker.train.common import Budget, run_config, run_vocabulary
from gpu_worker.train.diffusion import train_diffusion
from gpu_worker.train.vae import train_vae
from gpu_worker.train.vocoder import VocoderTraining, train_vocoder

log = logging.getLogger("gpu_worker.train")

STAGES: dict[str, Callable[..., Any]] = {
    "vae": train_vae,
    "diffusion": train_diffusion,
    "vocoder": train_vocoder,
}
FINE_TUNE_VAE_SHARE = 0.5


@dataclass(frozen=True)
class Job:
    """One stage of a phase: the training function's name and its extra keyword arguments."""

    stage: str
    options: dict[str, Any] = field(default_factory=dict)
    continues: bool = False  # resumes the checkpoint of an earlier phase even with --fresh


@dataclass(frozen=True)
class Phase:
    share: float  # of the whole budget; both jobs get all of it
    jobs: tuple[Job, ...]


PHASES: tuple[Phase, ...] = (
    Phase(
        0.45,
        (Job("vae"), Job("vocoder", {"settings": VocoderTraining(decay_share=0.0)})),
    ),
    Phase(
        0.55,
        (
            Job("diffusion"),
            Job(
                "vocoder",
                {"settings": VocoderTraining(vae_share=FINE_TUNE_VAE_SHARE)},
                continues=True,
            ),
        ),
    ),
)


def default_threads() -> int:
    """CPU threads per stage process: the cores this process may use, shared by the two lanes."""
    return max(1, usable_cores() // 2)


def train_all(
    data_dir: Path,
    run_dir: Path,
    minutes: float,
    seed: int = 0,
    device: str | None = None,
    fresh: bool = False,
    config: ModelConfig | None = None,
    threads: int | None = None,
) -> None:
    """Trains every stage of the run within `minutes` of wall time."""
    if minutes <= 0:
        raise ValueError("give a positive --minutes")
    # Written once here, before two processes could both try to.
    run_config(run_dir, config)
    run_vocabulary(run_dir, data_dir)
    for number, phase in enumerate(PHASES, start=1):
        budget = Budget(minutes * phase.share)
        log.info(
            "phase %d of %d: %s, %.0f min",
            number,
            len(PHASES),
            " | ".join(job.stage for job in phase.jobs),
            budget.minutes,
        )
        run_side_by_side(
            [
                (
                    job.stage,
                    {
                        "data_dir": data_dir,
                        "run_dir": run_dir,
                        "budget": budget,
                        "seed": seed,
                        "device": device,
                        "fresh": fresh and not job.continues,
                        **job.options,
                    },
                )
                for job in phase.jobs
            ],
            threads or default_threads(),
        )


def run_side_by_side(jobs: list[tuple[str, dict[str, Any]]], threads: int) -> None:
    """Runs each (stage, arguments) in its own process; the first failure stops the others."""
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_run_stage, args=(stage, arguments, threads, lane), name=stage)
        for lane, (stage, arguments) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    stopped: list[str] = []
    try:
        while any(p.is_alive() for p in processes) and not any(p.exitcode for p in processes):
            time.sleep(0.5)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                stopped.append(process.name)
            process.join()
    failed = [p.name for p in processes if p.exitcode != 0 and p.name not in stopped]
    if failed:
        message = f"training stage {', '.join(failed)} failed (see the run's logs/)"
        raise RuntimeError(message + (f"; stopped {', '.join(stopped)}" if stopped else ""))


def _run_stage(stage: str, arguments: dict[str, Any], threads: int, lane: int) -> None:
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s [{stage}] %(message)s")
    torch.set_num_threads(threads)
    # One progress bar line per lane instead of two bars overwriting each other.
    os.environ["TQDM_POSITION"] = str(lane)
    STAGES[stage](**arguments)
