"""What every training stage shares: the run folder, device, seeding, logging, checkpoints and
the time-budgeted loop with its progress bar.

A run folder holds everything of one training run:
    config.json            the ModelConfig being trained (written by the first stage)
    vocab.json             the dataset's vocabulary
    checkpoints/<stage>.pt model + optimizer + progress, for resuming (kept out of git: var/)
    logs/<stage>.log       one line per logging interval
    model/                 the exported pipeline folder (config.json, vocab.json, *.safetensors)
Checkpoints are read with ``torch.load(weights_only=True)``, which never runs pickled code.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from gpu_worker.config import ModelConfig
from gpu_worker.data import VOCAB_FILE, Dataset, batches
from gpu_worker.models import Vocabulary
from gpu_worker.real_kicks import REAL_ORIGINS

log = logging.getLogger("gpu_worker.train")

CONFIG_FILE = "config.json"
# The attack: the first 100 ms from the hit, where recorded kicks differ most and the soft/punchy
# words live. Losses over the whole 2 s hardly see it: kick-gen-v6's vocoder took "soft techno"
# training kicks from 3.2 to 5.0 dB of attack energy and punchy ones from 7.8 to 6.8 dB.
ATTACK_S = 0.1


def training_order(
    train: Dataset, batch_size: int, real_weight: float, generator: torch.Generator
) -> Iterator[torch.Tensor]:
    """Batches in which recorded kicks (and their augmented copies) are drawn `real_weight`
    times as often as a procedural kick."""
    return batches(len(train), batch_size, generator, real_sampling_weights(train, real_weight))


def real_sampling_weights(train: Dataset, real_weight: float) -> torch.Tensor:
    """Per-kick weight: `real_weight` for recorded kicks and their augmented copies, else 1."""
    return train.sampling_weights(dict.fromkeys(REAL_ORIGINS, real_weight))


def select_device(name: str | None = None) -> torch.device:
    """The named device, else CUDA when present, else the CPU."""
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seeds Python, numpy and torch; returns the CPU generator that orders the data."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@contextmanager
def stage_logging(run_dir: Path, stage: str) -> Iterator[logging.Logger]:
    """Log lines of one stage go to the console and to logs/<stage>.log (appended on resume)."""
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(run_dir / "logs" / f"{stage}.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger("gpu_worker")
    root.addHandler(handler)
    try:
        yield log
    finally:
        root.removeHandler(handler)
        handler.close()


def run_config(run_dir: Path, config: ModelConfig | None = None) -> ModelConfig:
    """The run's ModelConfig: written from `config` (or the defaults) by the first stage."""
    path = run_dir / CONFIG_FILE
    if path.exists():
        return ModelConfig.load(path)
    run_dir.mkdir(parents=True, exist_ok=True)
    config = config or ModelConfig()
    config.save(path)
    return config


def run_vocabulary(run_dir: Path, data_dir: Path) -> Vocabulary:
    """The vocabulary is fixed by the first stage; later stages must see the same dataset."""
    path = run_dir / VOCAB_FILE
    dataset_vocab = Vocabulary.load(data_dir / VOCAB_FILE)
    if path.exists():
        vocab = Vocabulary.load(path)
        if vocab.words != dataset_vocab.words:
            raise ValueError(f"{data_dir} has a different vocabulary from the run in {run_dir}")
        return vocab
    run_dir.mkdir(parents=True, exist_ok=True)
    dataset_vocab.save(path)
    return dataset_vocab


@dataclass
class Budget:
    """Stop after `minutes` of wall time in this invocation or at `max_steps` total steps."""

    minutes: float
    max_steps: int | None = None

    def __post_init__(self) -> None:
        if self.minutes <= 0 and self.max_steps is None:
            raise ValueError("give a positive --minutes or --max-steps")


@dataclass(frozen=True)
class LearningRate:
    """Constant, then linearly down to zero over the last `decay_share` of the budget (warm-up-free
    warmup-stable-decay): a stage stopped by its time budget ends on annealed weights, not
    wherever the last full-size step left them. Set from here on every step, so a resumed run
    takes the rate given now, not the one stored in its optimizer state."""

    base: float
    decay_share: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.decay_share <= 1.0:
            raise ValueError("the decay share must be between 0 and 1")

    def at(self, done: float) -> float:
        """The rate once `done` (0 … 1) of the budget is spent."""
        if self.decay_share == 0.0:
            return self.base
        return self.base * min(1.0, max(0.0, (1.0 - done) / self.decay_share))


@dataclass
class Progress:
    """Persisted in the checkpoint: where a resumed run continues."""

    step: int = 0
    seconds: float = 0.0  # training time summed over every invocation
    extra: dict[str, Any] = field(default_factory=dict)


def checkpoint_path(run_dir: Path, stage: str) -> Path:
    return run_dir / "checkpoints" / f"{stage}.pt"


def save_checkpoint(
    run_dir: Path,
    stage: str,
    modules: dict[str, torch.nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
    progress: Progress,
    generator: torch.Generator,
) -> Path:
    path = checkpoint_path(run_dir, stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "modules": {name: m.state_dict() for name, m in modules.items()},
        "optimizers": {name: o.state_dict() for name, o in optimizers.items()},
        "step": progress.step,
        "seconds": progress.seconds,
        "extra": progress.extra,
        "generator": generator.get_state(),
    }
    # Write then rename: an interrupted save never leaves a truncated checkpoint behind.
    temporary = path.with_suffix(".tmp")
    torch.save(state, temporary)
    temporary.replace(path)
    return path


def load_checkpoint(
    run_dir: Path,
    stage: str,
    modules: dict[str, torch.nn.Module],
    optimizers: dict[str, torch.optim.Optimizer] | None = None,
    generator: torch.Generator | None = None,
) -> Progress:
    path = checkpoint_path(run_dir, stage)
    if not path.exists():
        raise FileNotFoundError(f"no {stage} checkpoint at {path}; run that stage first")
    state = torch.load(path, map_location="cpu", weights_only=True)
    for name, module in modules.items():
        module.load_state_dict(state["modules"][name])
    for name, optimizer in (optimizers or {}).items():
        # A run initialised from a model folder has no optimizer state yet: it starts fresh.
        if name in state["optimizers"]:
            optimizer.load_state_dict(state["optimizers"][name])
    if generator is not None:
        generator.set_state(state["generator"])
    return Progress(state["step"], state["seconds"], state["extra"])


def train_loop(
    stage: str,
    step_fn: Callable[[int], dict[str, float]],
    budget: Budget,
    progress: Progress,
    save: Callable[[Progress], None],
    optimizer: torch.optim.Optimizer,
    learning_rate: LearningRate,
    checkpoint_every_s: float = 300.0,
    log_every: int = 50,
) -> Progress:
    """Calls `step_fn(step)` until the budget is spent, with the learning rate of the schedule, a
    progress bar, periodic log lines (running means of the returned losses) and checkpoints;
    saves once more at the end."""
    started = time.monotonic()
    last_save = started
    deadline = started + budget.minutes * 60 if budget.minutes > 0 else math.inf
    first_step = progress.step

    def spent() -> float:
        """Share of this invocation's budget used so far: time or steps, whichever is further."""
        shares = [0.0]
        if budget.minutes > 0:
            shares.append((time.monotonic() - started) / (budget.minutes * 60))
        if budget.max_steps is not None and budget.max_steps > first_step:
            shares.append((progress.step - first_step) / (budget.max_steps - first_step))
        return max(shares)

    sums: dict[str, float] = {}
    count = 0
    total = budget.max_steps if budget.max_steps is not None else None
    bar = tqdm(total=total, initial=progress.step, desc=stage, unit="step", dynamic_ncols=True)
    base_seconds = progress.seconds
    try:
        while time.monotonic() < deadline and (
            budget.max_steps is None or progress.step < budget.max_steps
        ):
            rate = learning_rate.at(spent())
            for group in optimizer.param_groups:
                group["lr"] = rate
            losses = step_fn(progress.step)
            progress.step += 1
            progress.seconds = base_seconds + time.monotonic() - started
            for key, value in losses.items():
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"{stage}: {key} became {value} at step {progress.step}"
                    )
                sums[key] = sums.get(key, 0.0) + value
            count += 1
            bar.update(1)
            if progress.step % log_every == 0:
                means = {key: value / count for key, value in sums.items()}
                bar.set_postfix({k: f"{v:.4f}" for k, v in means.items()})
                log.info(
                    "%s step %d (%.1f min) lr=%.2e %s",
                    stage,
                    progress.step,
                    progress.seconds / 60,
                    rate,
                    " ".join(f"{k}={v:.5f}" for k, v in means.items()),
                )
                sums, count = {}, 0
            if time.monotonic() - last_save >= checkpoint_every_s:
                save(progress)
                last_save = time.monotonic()
    finally:
        bar.close()
    save(progress)
    log.info(
        "%s stopped at step %d after %.1f min of training in total",
        stage,
        progress.step,
        progress.seconds / 60,
    )
    return progress
