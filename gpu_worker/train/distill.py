"""Distillation: a student U-Net that samples in a few DDIM steps of one pass each.

Progressive distillation (Salimans & Ho 2022) with the guidance baked in (Meng et al. 2023):
round by round the step count halves. The first round's teacher is the model's own U-Net with
classifier-free guidance at the model's default scale and interval (two passes a step) on
`teacher_steps` DDIM steps; its student, started from a copy of that U-Net, learns to land in one
unguided pass where two teacher steps land. Each later round's teacher is the previous round's
(EMA) student. The keyword encoder is shared and frozen, so prompts mean what they meant.

No dataset is needed: the latents that get noised are the model's own kicks at its default
sampler, for random prompts the way the app composes them (a style word or two and a few
character words, sometimes none), and, for one kick in eight, the model's default prompt, which
every new member's first kicks use. Every round's student is exported as a complete model folder
(`<run>/steps-N`, sampler "distilled"), so the evaluation can draw the steps-versus-quality curve;
`<run>/summary.json` holds each round's distance to the teacher.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import math
from pathlib import Path

import torch

from gpu_worker.config import DistilledConfig
from gpu_worker.models import Vocabulary
from gpu_worker.pipeline import KickPipeline, check_guidance
from gpu_worker.synth import OPPOSITE_PAIRS
from gpu_worker.train.common import (
    Budget,
    LearningRate,
    Progress,
    checkpoint_path,
    load_checkpoint,
    save_checkpoint,
    seed_everything,
    select_device,
    stage_logging,
    train_loop,
)
from gpu_worker.train.diffusion import update_ema
from gpu_worker.weights import resolve_model_folder, save_model_folder

log = logging.getLogger("gpu_worker.train")

STAGE = "distill"
SUMMARY_FILE = "summary.json"
# Prompt shapes of the keyword chips: how many style words, and how often each opposite pair
# contributes one of its two words.
STYLE_WORD_COUNTS = ((0, 0.15), (1, 0.6), (2, 0.25))
PAIR_WORD_SHARE = 0.3
DEFAULT_PROMPT_SHARE = 0.125
# Validation kicks are seeded apart from the pool's.
VALIDATION_SEED = 10**6


@dataclasses.dataclass(frozen=True)
class DistillTraining:
    teacher_steps: int = 32
    student_steps: int = 4
    batch_size: int = 256
    learning_rate: float = 1e-4
    decay_share: float = 0.3
    ema_decay: float = 0.999
    # The model's own kicks whose noised latents the rounds train on.
    pool_size: int = 8192
    validation_kicks: int = 256
    # The guidance the student learns, which becomes the exported model's default (None: the
    # model's own default_guidance).
    guidance: float | None = None
    # Likewise the share of the noise schedule below which it guides (None: the model's own).
    guidance_noise_limit: float | None = None
    # Likewise the default prompt, every word of which the model must know (None: the model's).
    default_prompt: str | None = None

    def __post_init__(self) -> None:
        ratio = self.teacher_steps / self.student_steps
        if self.student_steps < 1 or ratio < 2 or not math.log2(ratio).is_integer():
            raise ValueError("teacher steps must be the student's steps times a power of two")
        if self.guidance is not None:
            check_guidance(self.guidance)
        if self.guidance_noise_limit is not None and not 0.0 < self.guidance_noise_limit <= 1.0:
            raise ValueError("the guidance noise limit is a share of the schedule in (0, 1]")

    @property
    def rounds(self) -> list[int]:
        """The student's step count of each round, e.g. [16, 8, 4]."""
        return [
            self.teacher_steps >> level
            for level in range(1, round(math.log2(self.teacher_steps / self.student_steps)) + 1)
        ]


def random_prompts(
    vocabulary: Vocabulary,
    count: int,
    generator: torch.Generator,
    default_prompt: tuple[int, ...] = (),
) -> torch.Tensor:
    """(count, len(vocabulary)) multi-hot prompts shaped like the keyword chips compose them; with
    `default_prompt` (its word ids), that prompt as it is in a share `DEFAULT_PROMPT_SHARE`."""
    pairs = [
        (low, high)
        for _, low, _, high, _ in OPPOSITE_PAIRS
        if low in vocabulary and high in vocabulary
    ]
    pair_words = {word for pair in pairs for word in pair}
    styles = [word for word in vocabulary.words if word not in pair_words]
    counts = torch.tensor([c for c, _ in STYLE_WORD_COUNTS])
    shares = torch.tensor([s for _, s in STYLE_WORD_COUNTS])
    prompts: list[tuple[int, ...]] = []
    for _ in range(count):
        if default_prompt and torch.rand(1, generator=generator).item() < DEFAULT_PROMPT_SHARE:
            prompts.append(default_prompt)
            continue
        style_count = int(counts[torch.multinomial(shares, 1, generator=generator)])
        order = torch.randperm(len(styles), generator=generator)[:style_count].tolist()
        words = [styles[i] for i in order]
        for pair in pairs:
            if torch.rand(1, generator=generator).item() < PAIR_WORD_SHARE:
                words.append(pair[int(torch.randint(2, (1,), generator=generator))])
        prompts.append(vocabulary.ids(words))
    return vocabulary.multi_hot(prompts)


class Teacher:
    """DDIM steps of a teacher: the model's guided U-Net, or an earlier round's student."""

    def __init__(self, pipeline: KickPipeline, unet: torch.nn.Module, guided: bool) -> None:
        self.pipeline = pipeline
        self.unet = unet
        self.guided = guided
        config = pipeline.config
        self.guidance = config.default_guidance
        self.guided_below = config.guidance_noise_limit * config.diffusion.num_train_timesteps
        with torch.no_grad():
            self.unconditional = pipeline.keyword_embedding(())

    @torch.no_grad()
    def step(
        self, latents: torch.Tensor, timestep: int, previous: int, conditional: torch.Tensor
    ) -> torch.Tensor:
        unconditional = self.unconditional if self.guided and timestep < self.guided_below else None
        prediction = self.pipeline.guided_prediction(
            self.unet, latents, timestep, conditional, unconditional, self.guidance
        )
        return self.pipeline.sampler.step(prediction, timestep, previous, latents)

    @torch.no_grad()
    def sample(self, noise: torch.Tensor, conditional: torch.Tensor, steps: int) -> torch.Tensor:
        timesteps = self.pipeline.sampler.timesteps(steps)
        latents = noise
        for index, timestep in enumerate(timesteps):
            previous = timesteps[index + 1] if index + 1 < len(timesteps) else -1
            latents = self.step(latents, timestep, previous, conditional)
        return latents


def _sample_in_chunks(
    teacher: Teacher, noise: torch.Tensor, conditional: torch.Tensor, steps: int, chunk: int
) -> torch.Tensor:
    return torch.cat(
        [
            teacher.sample(n, c, steps)
            for n, c in zip(noise.split(chunk), conditional.split(chunk), strict=True)
        ]
    )


def relative_distance(latents: torch.Tensor, reference: torch.Tensor) -> float:
    """RMS difference of two latent batches over the reference's RMS."""
    return float((latents - reference).pow(2).mean().sqrt() / reference.pow(2).mean().sqrt())


def distill(
    model: str | Path | None,
    run_dir: Path,
    budget: Budget,
    settings: DistillTraining = DistillTraining(),
    seed: int = 0,
    device: str | None = None,
    fresh: bool = False,
    cache_dir: Path | None = None,
) -> Path:
    """Runs every round within `budget` (shared equally), exports each round's model folder and
    returns the last one."""
    target = select_device(device)
    generator = seed_everything(seed)
    pipeline = _with_defaults(
        KickPipeline.from_pretrained(resolve_model_folder(model, cache_dir), device=target),
        settings,
    )
    config, models = pipeline.config, pipeline.models
    chunk = max(settings.batch_size, 256)
    shape = models.vae.latent_shape
    rounds = settings.rounds
    round_budget = Budget(budget.minutes / len(rounds), budget.max_steps)

    with stage_logging(run_dir, STAGE) as log_:
        teacher = Teacher(pipeline, models.unet, guided=True)
        # no_grad, not inference_mode: the pool feeds the students' training steps.
        with torch.no_grad():
            prompts = random_prompts(
                pipeline.vocabulary,
                settings.pool_size + settings.validation_kicks,
                generator,
                pipeline.vocabulary.tokenize(config.default_prompt).ids,
            )
            conditional = models.keywords(prompts.to(target))
            noise = torch.randn(len(prompts), *shape, generator=generator).to(target)
            # Every round's student is judged against the model's default sampler.
            reference_steps = config.default_steps
            pool = _sample_in_chunks(teacher, noise, conditional, reference_steps, chunk)
        pool, validation = pool.split([settings.pool_size, settings.validation_kicks])
        pool_conditional, validation_conditional = conditional.split(
            [settings.pool_size, settings.validation_kicks]
        )
        validation_noise = noise[settings.pool_size :]
        # The undistilled teacher at each step count: what a round has to beat.
        undistilled = {
            steps: relative_distance(
                _sample_in_chunks(teacher, validation_noise, validation_conditional, steps, chunk),
                validation,
            )
            for steps in (settings.teacher_steps, *rounds)
        }
        log_.info("guided DDIM, distance to %d steps: %s", config.default_steps, undistilled)
        log_.info(
            "distilling %s on %s: %d pool kicks, rounds %s, %.1f min each",
            model or "the shipped model",
            target,
            settings.pool_size,
            rounds,
            round_budget.minutes,
        )
        summary: dict[str, object] = {
            "teacher_steps": settings.teacher_steps,
            "reference_steps": config.default_steps,
            "undistilled_distance": undistilled,
            "rounds": [],
        }
        teacher_steps = settings.teacher_steps
        for student_steps in rounds:
            stage = f"{STAGE}-{student_steps}"
            student = copy.deepcopy(teacher.unet).to(target).train().requires_grad_(True)
            ema = copy.deepcopy(student).requires_grad_(False)
            progress = _train_round(
                stage,
                run_dir,
                teacher,
                student,
                ema,
                (pool, pool_conditional),
                (teacher_steps, student_steps),
                round_budget,
                settings,
                generator,
                fresh,
            )
            ema.eval()
            teacher = Teacher(pipeline, ema, guided=False)
            with torch.no_grad():
                distilled = _sample_in_chunks(
                    teacher, validation_noise, validation_conditional, student_steps, chunk
                )
            distance = relative_distance(distilled, validation)
            log_.info(
                "%d steps: %d training steps in %.1f min, distance to the %d-step teacher %.4f",
                student_steps,
                progress.step,
                progress.seconds / 60,
                reference_steps,
                distance,
            )
            summary["rounds"].append(  # type: ignore[union-attr]
                {
                    "steps": student_steps,
                    "training_steps": progress.step,
                    "minutes": round(progress.seconds / 60, 2),
                    "distance_to_teacher": round(distance, 4),
                }
            )
            folder = _export(pipeline, ema, student_steps, run_dir / f"steps-{student_steps}")
            teacher_steps = student_steps
        (run_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
    return folder


def _with_defaults(pipeline: KickPipeline, settings: DistillTraining) -> KickPipeline:
    """The pipeline with the defaults the student is to learn: the teachers and the export read
    them from its config."""
    changes: dict[str, object] = {}
    if settings.guidance is not None:
        changes["default_guidance"] = settings.guidance
    if settings.guidance_noise_limit is not None:
        changes["guidance_noise_limit"] = settings.guidance_noise_limit
    if settings.default_prompt is not None:
        tokens = pipeline.vocabulary.tokenize(settings.default_prompt)
        if tokens.ignored_words or not tokens.keywords:
            unknown = ", ".join(tokens.ignored_words) or "none"
            raise ValueError(
                f"the default prompt {settings.default_prompt!r} must be words of the model's "
                f"vocabulary (unknown: {unknown})"
            )
        changes["default_prompt"] = " ".join(tokens.keywords)
    if not changes:
        return pipeline
    return KickPipeline(
        dataclasses.replace(pipeline.config, **changes),
        pipeline.vocabulary,
        pipeline.models,
        device=pipeline.device,
    )


def _train_round(
    stage: str,
    run_dir: Path,
    teacher: Teacher,
    student: torch.nn.Module,
    ema: torch.nn.Module,
    pool: tuple[torch.Tensor, torch.Tensor],
    steps: tuple[int, int],
    budget: Budget,
    settings: DistillTraining,
    generator: torch.Generator,
    fresh: bool,
) -> Progress:
    """One halving: `student` learns two of the teacher's steps in one. A round whose checkpoint
    says it finished is loaded, not trained again."""
    latents, conditional = pool
    teacher_steps, student_steps = steps
    sampler = teacher.pipeline.sampler
    teacher_grid = sampler.timesteps(teacher_steps)
    student_grid = sampler.timesteps(student_steps)
    halves = teacher_steps // student_steps
    if teacher_grid[::halves] != student_grid:
        raise ValueError(
            f"the {student_steps}-step grid is not part of the {teacher_steps}-step one"
        )
    device = latents.device
    optimizer = torch.optim.AdamW(student.parameters(), lr=settings.learning_rate, weight_decay=0.0)
    modules = {"unet": student, "ema_unet": ema}
    if checkpoint_path(run_dir, stage).exists() and not fresh:
        progress = load_checkpoint(run_dir, stage, modules, {"adam": optimizer}, generator)
        if progress.extra.get("finished"):
            return progress
        log.info("resuming %s at step %d", stage, progress.step)
    else:
        progress = Progress()

    def step(index: int) -> dict[str, float]:
        position = int(torch.randint(student_steps, (1,), generator=generator))
        timestep = student_grid[position]
        previous = student_grid[position + 1] if position + 1 < student_steps else -1
        rows = torch.randint(len(latents), (settings.batch_size,), generator=generator).to(device)
        clean, keywords = latents[rows], conditional[rows]
        noise = torch.randn(clean.shape, generator=generator).to(device)
        timesteps = torch.full((len(rows),), timestep, device=device)
        noisy = sampler.add_noise(clean, noise, timesteps)
        # The teacher's `halves` steps from `noisy`, and the clean estimate that makes one
        # student step land where they land.
        landed = noisy
        for inner in range(halves):
            now = teacher_grid[position * halves + inner]
            after = (
                teacher_grid[position * halves + inner + 1]
                if position * halves + inner + 1 < teacher_steps
                else -1
            )
            landed = teacher.step(landed, now, after, keywords)
        wanted = sampler.clean_for_step(noisy, timestep, landed, previous)
        student.train()
        predicted = sampler.clean_estimate(student(noisy, timesteps, keywords), timestep, noisy)
        # Salimans & Ho's "truncated SNR" weighting of the clean-latent error.
        weight = max(sampler.signal_to_noise(timestep), 1.0)
        loss = weight * (predicted - wanted).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        optimizer.step()
        update_ema(ema, student, min(settings.ema_decay, (1 + index) / (10 + index)))
        return {"loss": loss.item()}

    def save(current: Progress) -> None:
        save_checkpoint(run_dir, stage, modules, {"adam": optimizer}, current, generator)

    progress = train_loop(
        stage,
        step,
        budget,
        progress,
        save,
        optimizer,
        LearningRate(settings.learning_rate, settings.decay_share),
    )
    progress.extra["finished"] = True
    save(progress)
    return progress


def _export(pipeline: KickPipeline, student: torch.nn.Module, steps: int, out: Path) -> Path:
    """The model folder with `student` as its distilled sampler (and its default)."""
    config = dataclasses.replace(
        pipeline.config,
        sampler="distilled",
        distilled=DistilledConfig(steps=steps, guidance=pipeline.config.default_guidance),
    )
    models = dataclasses.replace(pipeline.models, student=student)
    save_model_folder(out, config, pipeline.vocabulary, models)
    log.info("exported %s (%d-step distilled sampler)", out, steps)
    return out
