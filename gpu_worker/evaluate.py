"""`python -m gpu_worker.evaluate`: how good a kick model is, measured.

    python -m gpu_worker.evaluate --model gpu_worker/pretrained/kick-gen-v11 \\
        --data var/train/data --out var/eval

Writes `report.md` (Markdown tables), `metrics.json` and `grid.png` (waveform and spectrogram of
one kick per prompt) into --out:
  * artifacts of every generated kick: NaN, clipping, DC offset, click at the end, silence;
  * descriptors (tail fundamental, decay to -40 dB, attack time, spectral centroid of the first
    30 ms) per prompt, beside the held-out kicks that carry the prompt's words;
  * keyword control: for each opposite pair, the share of same-seed pairs ("short house" vs
    "long house", seed s) whose descriptor moves the right way (target >= 90 %), and what the
    decoding stages alone keep of each pair's reach (held-out kicks through the vocoder and
    through VAE + vocoder);
  * Fréchet distance between log-mel statistics of generated and held-out kicks, beside the
    distance between training and held-out kicks as the floor (target <= 2x the floor);
  * variations ("more like this"): the feature distance (log-mel statistics) of variations to
    their parent kick at each strength, beside the distance between two unrelated kicks of the
    same prompt; it must grow with the strength and stay between 0 and the unrelated distance;
  * against recorded kicks of held-out kits (when the dataset mixes in real kicks,
    `gpu_worker.real_kicks`), for every prompt: the Fréchet distance of log-mel statistics plus
    descriptors, beside the real-vs-real floor across the kit-wise split (target <= 2x); the
    spread of 32 kicks against the held-out real kicks' spread (variety, target >= 0.6 at the
    default prompt), both the mean over --seed-sets sets of kicks (seeds 1000 on); coverage (the
    share of held-out real kicks whose nearest generated kick is nearer than their nearest real
    neighbour); precision (the share of a prompt's kicks inside the held-out real kicks'
    3-nearest-neighbour radii: whether each sounds like some recorded kick, whatever the style),
    beside that of the training kits' recorded kicks; the share of kicks that ring on (a loud,
    bright tail: `descriptors.rings_on`) beside the held-out real kicks'; and
    `real_vs_generated.png`.
The procedural figures use the kicks that are not recorded, layered ones included: held-out
bodies are layered under held-out kits' tops as training ones are under training kits' tops.
With several --model values the models are evaluated on the same data and seeds, each into its
own folder, and compared in `comparison.md`.
Reference kicks (held-out and training) go through the pipeline's own post-processing and 16-bit
WAV encoding first, as every generated kick does: the fixed fade-out from 1.0 s and the output
level are the product's, not the model's, and would otherwise dominate both the decay times and
the distance. The log-mel statistics ignore levels under the 16-bit noise floor
(`quantisation_floor`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from gpu_worker import DEFAULT_MODEL_PATH
from gpu_worker.audio import LogMelSpectrogram, decode_wav, deliver
from gpu_worker.config import AudioConfig
from gpu_worker.data import Dataset, load_dataset
from gpu_worker.descriptors import (
    MEASURED_PAIRS,
    MEASURED_WORDS,
    describe,
    find_artifacts,
    rings_on,
)
from gpu_worker.metrics import (
    FLOOR_DRAWS,
    FeatureSpace,
    Floor,
    coverage,
    frechet_distance,
    log_mel_statistics,
    precision,
    spread,
)
from gpu_worker.pipeline import DECODE_CHUNK, KickPipeline
from gpu_worker.real_kicks import REAL_ORIGIN, REAL_ORIGINS

log = logging.getLogger(__name__)

# The style prompts; the model's own default prompt is evaluated first, beside them.
STYLE_PROMPTS = (
    "hit house",
    "punchy 909",
    "long 808",
    "techno",
    "hard distorted",
    "acoustic",
    "lofi tape",
    "short minimal",
)
# (low word, high word, descriptor that must rise from low to high)
PAIR_DESCRIPTORS: tuple[tuple[str, str, str], ...] = tuple(
    (low, high, descriptor) for descriptor, low, _, high, _ in MEASURED_PAIRS
)
PAIR_CONTEXTS = ("house", "techno")
# Same-seed pairs per context word. With 16 (32 pairs per opposite pair) one pair moved a share
# by 3 points and a draw by about 5 around the 90 % target: kick-gen-v6's soft -> punchy read
# 94 % on 32 pairs and 91 % on 128, a late-guidance student 88 % and 90 %.
PAIR_SEEDS = 64
REPORTED_DESCRIPTORS = (
    ("tail_fundamental_hz", "tail fundamental (Hz)", "{:.0f}"),
    ("decay_s", "decay to -40 dB (s)", "{:.2f}"),
    ("attack_ms", "attack (ms)", "{:.1f}"),
    ("early_centroid_hz", "centroid first 30 ms (Hz)", "{:.0f}"),
)
CONTROL_TARGET = 0.9
FRECHET_TARGET = 2.0
SPREAD_TARGET = 0.6
# The 32 kicks whose spread measures variety: ten clicks on generate should give ten kicks.
SPREAD_SEEDS = range(1000, 1032)
# Sets of kicks (as many as held-out recorded kicks) whose figures against the recorded kicks are
# averaged. One set of 82 kicks put kick-gen-v6's default prompt anywhere from 1.17x to 2.01x the
# floor over eight sets, and "acoustic" from 0.98x to 2.18x: one draw decided whether a target
# was met, as one draw of the floor did before it was averaged.
SEED_SETS = 8
# Held-out kicks that must earn a prompt's measured words before they are scored as its bound:
# ten random held-out kicks score 1-1.5x the floor against all of them (a small set runs high).
WORDED_KICKS_MIN = 10
GRID_KICKS = 4
VARIATION_STRENGTHS = (0.1, 0.25, 0.4, 0.6, 0.9)
# Variations' seeds: far from the parents' 0 … n, so that no variation reuses its parent's noise.
VARIATION_SEEDS_FROM = 10_000


@dataclass(frozen=True)
class EvaluationSettings:
    prompts: Sequence[str] = STYLE_PROMPTS
    kicks_per_prompt: int = 8
    pair_seeds: int = PAIR_SEEDS  # per context word
    frechet_kicks: int | None = None  # default: as many as held-out kicks
    steps: int | None = None
    guidance: float | None = None
    # Extra guidance scales at which keyword control and the Fréchet distance are measured again.
    guidance_sweep: Sequence[float] = ()
    seed_sets: int = SEED_SETS
    variation_parents: int = 8
    variations_per_parent: int = 4
    variation_strengths: Sequence[float] = VARIATION_STRENGTHS


@dataclass
class Report:
    artifacts: dict[str, int]
    generated_count: int
    descriptors: list[dict[str, object]] = field(default_factory=list)
    keyword_control: list[dict[str, object]] = field(default_factory=list)
    frechet: dict[str, float] = field(default_factory=dict)
    guidance_sweep: list[dict[str, object]] = field(default_factory=list)
    real: dict[str, object] = field(default_factory=dict)
    variations: dict[str, object] = field(default_factory=dict)
    decoded_gaps: list[dict[str, object]] = field(default_factory=list)


@dataclass
class ArtifactTally:
    """Artifacts of every kick a run generates, counted as the kicks come: a run makes thousands,
    too many to keep as audio."""

    counts: dict[str, int] = field(default_factory=dict)
    kicks: int = 0

    def add(self, kicks: Iterable[np.ndarray]) -> None:
        for kick in kicks:
            for name, found in find_artifacts(kick).as_dict().items():
                self.counts[name] = self.counts.get(name, 0) + int(found)
            self.kicks += 1


def generate_audio(
    pipeline: KickPipeline, prompt: str, seeds: Sequence[int], settings: EvaluationSettings
) -> list[np.ndarray]:
    results = pipeline.generate(
        prompt, seeds=list(seeds), steps=settings.steps, guidance=settings.guidance
    )
    return [decode_wav(result.wav)[0] for result in results]


def held_out_reference(data: Dataset, config: AudioConfig) -> tuple[np.ndarray, Floor]:
    """Log-mel statistics of the held-out kicks as delivered, and the floor: the distance to them
    of as many training kicks."""
    held_out, training = data.split(held_out=True), data.split(held_out=False)
    held_features = log_mel_statistics(as_delivered(held_out.audio, config), config)
    training_features = delivered_features(
        training.audio, lambda audio: log_mel_statistics(audio, config), config
    )
    return held_features, Floor.of(training_features, held_features)


def delivered_features(
    audio: torch.Tensor, features: Callable[[np.ndarray], np.ndarray], config: AudioConfig
) -> np.ndarray:
    """`features` of every kick as delivered, a chunk at a time: a whole training set as 32-bit
    audio would take gigabytes."""
    return np.concatenate([features(as_delivered(chunk, config)) for chunk in audio.split(256)])


@torch.inference_mode()
def decoded_audio(pipeline: KickPipeline, held_out: Dataset) -> dict[str, np.ndarray]:
    """The held-out kicks as delivered, through the vocoder alone (from their own log-mels) and
    through VAE + vocoder (from their reconstructions): what the decoding stages alone make of
    kicks, whatever the U-Net does."""
    config = pipeline.config.audio
    vae = pipeline.models.vae
    vocoded, reconstructed = [], []
    for mel in held_out.mel.to(pipeline.device).split(DECODE_CHUNK):
        vocoded.append(pipeline.vocode(mel).cpu())
        reconstructed.append(pipeline.vocode(vae.decode(vae.encode(mel).mean)).cpu())
    return {
        "prepared": as_delivered(held_out.audio, config),
        "vocoded": as_delivered(torch.cat(vocoded), config),
        "reconstructed": as_delivered(torch.cat(reconstructed), config),
    }


def decoding_distances(
    decoded: dict[str, np.ndarray], held_features: np.ndarray, config: AudioConfig
) -> dict[str, float]:
    """The distance that the decoding stages alone account for, so that a gap can be placed."""

    def distance(audio: np.ndarray) -> float:
        return frechet_distance(log_mel_statistics(audio, config), held_features)

    return {
        "vocoder_vs_held_out": distance(decoded["vocoded"]),
        "reconstruction_vs_held_out": distance(decoded["reconstructed"]),
    }


def decoded_pair_gaps(
    decoded: dict[str, np.ndarray], keywords: Sequence[Sequence[str]]
) -> list[dict[str, object]]:
    """Per opposite pair, the mean of its descriptor over the held-out kicks with the high word
    less that over the kicks with the low word, as prepared and after each decoding stage: the
    part of a word's reach that the decoders keep, which no U-Net can exceed. Pairs with fewer
    than two kicks on a side are left out."""
    measured = {stage: [describe(kick) for kick in audio] for stage, audio in decoded.items()}
    rows: list[dict[str, object]] = []
    for low, high, descriptor in PAIR_DESCRIPTORS:
        sides = [[i for i, own in enumerate(keywords) if word in own] for word in (low, high)]
        if min(len(side) for side in sides) < 2:
            continue
        gaps = {}
        for stage, kicks in measured.items():
            values = np.array([getattr(kick, descriptor) for kick in kicks])
            gaps[stage] = float(values[sides[1]].mean() - values[sides[0]].mean())
        rows.append(
            {
                "pair": f"{low} → {high}",
                "descriptor": descriptor,
                "kicks": [len(side) for side in sides],
                **gaps,
            }
        )
    return rows


def generate_matched(
    pipeline: KickPipeline, held_out: Dataset, count: int, settings: EvaluationSettings
) -> list[np.ndarray]:
    """`count` kicks, each prompted with one held-out kick's own keywords (cycling), so both sets
    share the keyword distribution."""
    prompts = [" ".join(held_out.keywords[i % len(held_out)]) for i in range(count)]
    matched: list[np.ndarray] = []
    for prompt in tqdm(sorted(set(prompts)), desc="matched kicks"):
        seeds = [1000 + i for i, p in enumerate(prompts) if p == prompt]
        matched.extend(generate_audio(pipeline, prompt, seeds, settings))
    return matched


def keyword_control(
    pipeline: KickPipeline, settings: EvaluationSettings
) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    """One row per opposite pair of the vocabulary: the share of same-seed pairs ("short house"
    vs "long house") whose descriptor rises from the low word to the high word; and the kicks."""
    vocab = pipeline.vocabulary
    rows: list[dict[str, object]] = []
    generated: list[np.ndarray] = []
    pairs = [p for p in PAIR_DESCRIPTORS if p[0] in vocab and p[1] in vocab]
    for low, high, descriptor in tqdm(pairs, desc="keyword pairs"):
        moved = total = 0
        for context in [c for c in PAIR_CONTEXTS if c in vocab]:
            seeds = range(settings.pair_seeds)
            lows = generate_audio(pipeline, f"{low} {context}", seeds, settings)
            highs = generate_audio(pipeline, f"{high} {context}", seeds, settings)
            generated.extend(lows + highs)
            for a, b in zip(lows, highs, strict=True):
                moved += getattr(describe(b), descriptor) > getattr(describe(a), descriptor)
                total += 1
        share = moved / total if total else float("nan")
        rows.append(
            {
                "pair": f"{low} → {high}",
                "descriptor": descriptor,
                "share": share,
                "pairs": total,
                "met": share >= CONTROL_TARGET,
            }
        )
    return rows, generated


def variation_distances(
    pipeline: KickPipeline, settings: EvaluationSettings, prompt: str | None = None
) -> tuple[dict[str, object], list[np.ndarray]]:
    """How far "more like this" moves from the kick it varies: for parents of `prompt` (the
    model's default), the mean feature distance (Euclidean, log-mel statistics) of their
    variations at each strength, and between two unrelated kicks of the prompt (every pair of
    parents). Variations should sit between 0 and the unrelated distance, further at a higher
    strength. Returns the figures and every kick generated."""
    import torch

    prompt = pipeline.config.default_prompt if prompt is None else prompt
    config = pipeline.config.audio
    count = settings.variation_parents
    parents = pipeline.generate(
        prompt, seeds=list(range(count)), steps=settings.steps, guidance=settings.guidance
    )
    parent_audio = [decode_wav(kick.wav)[0] for kick in parents]
    parent_features = log_mel_statistics(np.stack(parent_audio), config)
    pairs = [(a, b) for a in range(count) for b in range(count) if a < b]
    unrelated = float(
        np.mean([np.linalg.norm(parent_features[a] - parent_features[b]) for a, b in pairs])
    )
    generated = list(parent_audio)
    distances: list[float] = []
    for strength in tqdm(settings.variation_strengths, desc="variations"):
        moved = []
        for index, parent in enumerate(parents):
            first = VARIATION_SEEDS_FROM + index * settings.variations_per_parent
            seeds = list(range(first, first + settings.variations_per_parent))
            start = torch.from_numpy(np.frombuffer(parent.latent, dtype="<f4").copy())
            variations = pipeline.generate(
                prompt,
                seeds=seeds,
                steps=settings.steps,
                guidance=settings.guidance,
                start_latent=start.view(pipeline.models.vae.latent_shape),
                strength=strength,
            )
            audio = [decode_wav(kick.wav)[0] for kick in variations]
            generated.extend(audio)
            features = log_mel_statistics(np.stack(audio), config)
            moved.extend(np.linalg.norm(features - parent_features[index], axis=1))
        distances.append(float(np.mean(moved)))
    ordered = [0.0, *distances, unrelated]
    summary = {
        "prompt": prompt,
        "strengths": list(settings.variation_strengths),
        "to_parent": distances,
        "unrelated": unrelated,
        "monotonic": all(a < b for a, b in zip(ordered, ordered[1:], strict=False)),
        "parents": count,
        "variations_per_parent": settings.variations_per_parent,
    }
    return summary, generated


def render_variations(variations: dict[str, object]) -> str:
    """The variation figures as a table: one row of distances, the unrelated kick last."""
    strengths = variations["strengths"]
    distances = variations["to_parent"]
    assert isinstance(strengths, list) and isinstance(distances, list)
    verdict = "met" if variations["monotonic"] else "missed"
    return "\n".join(
        [
            f'### Variations of "{variations["prompt"]}" ({variations["parents"]} parents × '
            f"{variations['variations_per_parent']} variations; target: between 0 and an "
            f"unrelated kick, growing with the strength: {verdict})",
            "",
            "| strength | " + " | ".join(f"{s:g}" for s in strengths) + " | unrelated kick |",
            "|---|" + "---|" * (len(strengths) + 1),
            "| feature distance to the parent | "
            + " | ".join(f"{d:.2f}" for d in distances)
            + f" | {variations['unrelated']:.2f} |",
            "",
        ]
    )


def _summary(values: Sequence[float], fmt: str) -> str:
    if not values:
        return "–"
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    return f"{fmt.format(p50)} [{fmt.format(p10)}–{fmt.format(p90)}]"


def _describe_row(label: str, audio: Sequence[np.ndarray]) -> dict[str, object]:
    measured = [describe(kick).as_dict() for kick in audio]
    row: dict[str, object] = {"set": label, "count": len(audio)}
    for key, _, fmt in REPORTED_DESCRIPTORS:
        row[key] = _summary([m[key] for m in measured], fmt)
    return row


def _with_words(
    audio: np.ndarray, keywords: Sequence[Sequence[str]], words: Sequence[str]
) -> list[np.ndarray]:
    return [kick for kick, own in zip(audio, keywords, strict=True) if all(w in own for w in words)]


def as_delivered(audio: torch.Tensor, config: AudioConfig) -> np.ndarray:
    """Reference kicks as the pipeline would deliver them: its fade-out and output level, then
    the 16-bit WAV that every generated kick goes through."""
    return np.stack([decode_wav(wav)[0] for wav in deliver(audio, config)])


@dataclass(frozen=True)
class RealReference:
    """Held-out recorded kicks (whole kits) as delivered, in their own feature space, and the
    floor: the distance to them of as many recorded kicks of the training kits."""

    space: FeatureSpace
    audio: np.ndarray
    features: np.ndarray
    floor: Floor
    kits: list[str]
    keywords: list[list[str]]  # of each held-out kick
    training: Dataset  # every kick the model was trained on (procedural and recorded)

    def held_out_figures(self, words: Sequence[str]) -> dict[str, float]:
        """The held-out kicks that earn the measured words among `words` (short, long, deep…),
        scored against all held-out kicks: where a prompt that asks for part of the recorded kicks
        lands even when its kicks are recorded ones. Empty when the words measure nothing or fewer
        than `WORDED_KICKS_MIN` held-out kicks earn them."""
        measured = [w for w in words if w in MEASURED_WORDS]
        rows = [i for i, own in enumerate(self.keywords) if all(w in own for w in measured)]
        if not measured or len(rows) < WORDED_KICKS_MIN:
            return {}
        distance = frechet_distance(self.features[rows], self.features)
        return {"held_out_ratio": distance / self.floor.distance, "held_out_count": len(rows)}

    def training_figures(self, words: Sequence[str], config: AudioConfig) -> dict[str, float]:
        """The figures of the training kicks that carry all of `words`, as many as the held-out
        real kicks (fewer when there are fewer): what a model that learned its data perfectly
        would score at that prompt. Empty when fewer than 32 kicks carry the words."""
        rows = [i for i, own in enumerate(self.training.keywords) if all(w in own for w in words)]
        if len(rows) < len(SPREAD_SEEDS):
            return {}
        # A random draw in random order: the dataset lists kicks by origin, and the spread is
        # taken over the first 32.
        rng = np.random.default_rng(0)
        rows = rng.choice(rows, size=min(len(rows), len(self.features)), replace=False)
        features = self.space(as_delivered(self.training.audio[torch.from_numpy(rows)], config))
        return {
            "data_ratio": frechet_distance(features, self.features) / self.floor.distance,
            "data_spread": spread(features[: len(SPREAD_SEEDS)]),
            "data_precision": precision(self.features, features),
        }


def real_reference(data: Dataset, config: AudioConfig) -> RealReference | None:
    real = data.of_origin(REAL_ORIGIN)
    held_out, training = real.split(held_out=True), real.split(held_out=False)
    if len(held_out) < 2 or len(training) < 2:
        return None
    audio = as_delivered(held_out.audio, config)
    space = FeatureSpace.of(audio, config)
    features = space(audio)
    return RealReference(
        space,
        audio,
        features,
        Floor.of(delivered_features(training.audio, space, config), features),
        sorted(set(held_out.groups)),
        held_out.keywords,
        data.split(held_out=False),
    )


def realism(
    pipeline: KickPipeline,
    reference: RealReference,
    settings: EvaluationSettings,
    artifacts: ArtifactTally,
) -> tuple[dict[str, object], list[np.ndarray]]:
    """Per prompt, kicks against the held-out real kicks: distance, spread, precision; and
    coverage. Each figure is the mean over `settings.seed_sets` sets of as many kicks as there
    are held-out kicks (seeds from 1000 on), as the floor is over draws of as many recorded
    kicks. Returns the figures and the default prompt's first set of kicks."""
    count = max(len(reference.features), len(SPREAD_SEEDS))
    default = pipeline.config.default_prompt
    default = default if default in settings.prompts else settings.prompts[0]
    rows: list[dict[str, object]] = []
    default_kicks: list[np.ndarray] = []
    pooled: list[np.ndarray] = []
    for prompt in tqdm(settings.prompts, desc="against real kicks"):
        distances, spreads, sets, ringing = [], [], [], 0
        starts = range(SPREAD_SEEDS.start, SPREAD_SEEDS.start + settings.seed_sets * count, count)
        for first in starts:
            audio = generate_audio(pipeline, prompt, range(first, first + count), settings)
            artifacts.add(audio)
            ringing += sum(rings_on(kick) for kick in audio)
            if prompt == default and not default_kicks:
                default_kicks = audio
            features = reference.space(np.stack(audio))
            distances.append(
                frechet_distance(features[: len(reference.features)], reference.features)
            )
            spreads.append(spread(features[: len(SPREAD_SEEDS)]))
            sets.append(features)
        features = np.concatenate(sets)
        ratios = np.array(distances) / reference.floor.distance
        words = pipeline.vocabulary.tokenize(prompt).keywords
        rows.append(
            {
                "prompt": prompt,
                "frechet": float(np.mean(distances)),
                "ratio": float(ratios.mean()),
                "ratio_deviation": float(ratios.std()),
                "spread": float(np.mean(spreads)),
                "precision": precision(reference.features, features),
                "ringing": ringing / len(features),
                **reference.training_figures(words, pipeline.config.audio),
                **reference.held_out_figures(words),
            }
        )
        pooled.append(sets[0])
    default_row = next(row for row in rows if row["prompt"] == default)
    summary = {
        "held_out_kicks": len(reference.features),
        "held_out_kits": reference.kits,
        "floor": reference.floor.distance,
        "floor_deviation": reference.floor.deviation,
        "floor_precision": reference.floor.precision,
        "prompts": rows,
        "worst_ratio": max(row["ratio"] for row in rows),
        "default_prompt": default_row["prompt"],
        "default_spread": default_row["spread"],
        "default_ratio": default_row["ratio"],
        "default_precision": default_row["precision"],
        "default_ringing": default_row["ringing"],
        "held_out_ringing": float(np.mean([rings_on(kick) for kick in reference.audio])),
        "coverage": coverage(reference.features, np.concatenate(pooled)),
        "seed_sets": settings.seed_sets,
    }
    return summary, default_kicks


def evaluate(
    pipeline: KickPipeline, data: Dataset, out: Path, settings: EvaluationSettings
) -> Report:
    out.mkdir(parents=True, exist_ok=True)
    default = pipeline.config.default_prompt
    settings = dataclasses.replace(
        settings, prompts=(default, *(p for p in settings.prompts if p != default))
    )
    config = pipeline.config.audio
    recorded = real_reference(data, config)
    synthesized = [i for i, o in enumerate(data.origins) if o not in REAL_ORIGINS]
    data = data.select(torch.tensor(synthesized))
    held_out = data.split(held_out=True)
    if len(held_out) < 2:
        raise ValueError("the dataset holds fewer than 2 held-out kicks")
    vocab = pipeline.vocabulary
    artifacts = ArtifactTally()

    per_prompt: dict[str, list[np.ndarray]] = {}
    for prompt in tqdm(settings.prompts, desc="prompts"):
        per_prompt[prompt] = generate_audio(
            pipeline, prompt, range(settings.kicks_per_prompt), settings
        )
        artifacts.add(per_prompt[prompt])
    held_audio = as_delivered(held_out.audio, config)
    descriptors = [_describe_row("held-out, all", list(held_audio))]
    for prompt, audio in per_prompt.items():
        descriptors.append(_describe_row(f'generated "{prompt}"', audio))
        words = vocab.tokenize(prompt).keywords
        descriptors.append(
            _describe_row(
                f"held-out with {' + '.join(words)}",
                _with_words(held_audio, held_out.keywords, words),
            )
        )

    control, paired = keyword_control(pipeline, settings)
    artifacts.add(paired)

    count = settings.frechet_kicks or len(held_out)
    matched = generate_matched(pipeline, held_out, count, settings)
    artifacts.add(matched)
    held_features, procedural_floor = held_out_reference(data, config)
    floor = procedural_floor.distance
    decoded = decoded_audio(pipeline, held_out)
    frechet = {
        "generated_vs_held_out": frechet_distance(
            log_mel_statistics(np.stack(matched), config), held_features
        ),
        "training_vs_held_out": floor,
        "training_vs_held_out_deviation": procedural_floor.deviation,
        **decoding_distances(decoded, held_features, config),
    }
    frechet["ratio"] = frechet["generated_vs_held_out"] / floor

    sweep = []
    for guidance in settings.guidance_sweep:
        at_guidance = dataclasses.replace(settings, guidance=guidance)
        rows, paired = keyword_control(pipeline, at_guidance)
        matched = generate_matched(pipeline, held_out, count, at_guidance)
        artifacts.add(paired + matched)
        distance = frechet_distance(log_mel_statistics(np.stack(matched), config), held_features)
        weakest = min(rows, key=lambda row: row["share"], default=None)
        row = {
            "guidance": guidance,
            "frechet": distance,
            "ratio": distance / floor,
            "weakest_pair": weakest["pair"] if weakest else "–",
            "weakest_share": weakest["share"] if weakest else float("nan"),
        }
        if recorded is not None:
            # The default prompt against the recorded kicks: realism and variety at this scale.
            default_only = dataclasses.replace(
                at_guidance, prompts=(pipeline.config.default_prompt,)
            )
            summary, _ = realism(pipeline, recorded, default_only, artifacts)
            row |= {"real_ratio": summary["default_ratio"], "spread": summary["default_spread"]}
        sweep.append(row)

    variations, varied = variation_distances(pipeline, settings)
    artifacts.add(varied)

    real: dict[str, object] = {}
    if recorded is not None:
        real, against_real = realism(pipeline, recorded, settings, artifacts)
        descriptors.insert(1, _describe_row("held-out real kicks", list(recorded.audio)))
        picks = np.linspace(0, len(recorded.audio) - 1, GRID_KICKS).astype(int)
        default = pipeline.config.default_prompt
        plot_grid(
            {
                **{f"real {i + 1}": recorded.audio[row] for i, row in enumerate(picks)},
                **{
                    f'"{default}" {i + 1}': kick for i, kick in enumerate(against_real[:GRID_KICKS])
                },
            },
            config,
            out / "real_vs_generated.png",
        )

    report = Report(
        artifacts.counts,
        artifacts.kicks,
        descriptors,
        control,
        frechet,
        sweep,
        real,
        variations,
        decoded_pair_gaps(decoded, held_out.keywords),
    )
    (out / "report.md").write_text(render_markdown(report, settings))
    (out / "metrics.json").write_text(json.dumps(vars(report), indent=1, default=str) + "\n")
    plot_grid({p: a[0] for p, a in per_prompt.items()}, config, out / "grid.png")
    log.info("evaluation written to %s", out)
    return report


def render_markdown(report: Report, settings: EvaluationSettings) -> str:
    lines = [
        f"### Artifacts ({report.generated_count} generated kicks; target: 0 each)",
        "",
        "| check | kicks |",
        "|---|---|",
        *(f"| {name.replace('_', ' ')} | {count} |" for name, count in report.artifacts.items()),
        "",
        f"### Descriptors: median [10th–90th percentile], {settings.kicks_per_prompt} seeds "
        "per prompt",
        "",
        "| set | kicks | " + " | ".join(label for _, label, _ in REPORTED_DESCRIPTORS) + " |",
        "|---|---|" + "---|" * len(REPORTED_DESCRIPTORS),
        *(
            f"| {row['set']} | {row['count']} | "
            + " | ".join(str(row[key]) for key, _, _ in REPORTED_DESCRIPTORS)
            + " |"
            for row in report.descriptors
        ),
        "",
        f"### Keyword control: same-seed pairs in {' and '.join(PAIR_CONTEXTS)} "
        f"(target ≥ {CONTROL_TARGET:.0%})",
        "",
        "| pair | descriptor that must rise | share | pairs | met |",
        "|---|---|---|---|---|",
        *(
            f"| {row['pair']} | {row['descriptor']} | {row['share']:.0%} | {row['pairs']} | "
            f"{'yes' if row['met'] else 'no'} |"
            for row in report.keyword_control
        ),
        "",
        "### What the decoders keep of each pair: held-out kicks with the high word less those "
        "with the low word, on the pair's descriptor",
        "",
        "| pair | descriptor | kicks (low / high) | as prepared | vocoder alone | VAE + vocoder |",
        "|---|---|---|---|---|---|",
        *(
            f"| {row['pair']} | {row['descriptor']} | {row['kicks'][0]} / {row['kicks'][1]} | "
            f"{row['prepared']:.3g} | {row['vocoded']:.3g} | {row['reconstructed']:.3g} |"
            for row in report.decoded_gaps
        ),
        "",
        f"### Fréchet distance of log-mel statistics (target ≤ {FRECHET_TARGET:.0f}× the floor)",
        "",
        "| comparison | distance |",
        "|---|---|",
        f"| generated vs held-out | {report.frechet['generated_vs_held_out']:.2f} |",
        f"| training vs held-out (floor: the mean of {FLOOR_DRAWS} draws) | "
        f"{report.frechet['training_vs_held_out']:.2f} "
        f"(sd {report.frechet['training_vs_held_out_deviation']:.2f}) |",
        "| vocoder on held-out log-mels vs held-out (decoding alone) | "
        f"{report.frechet['vocoder_vs_held_out']:.2f} |",
        "| VAE + vocoder reconstructions vs held-out | "
        f"{report.frechet['reconstruction_vs_held_out']:.2f} |",
        f"| ratio | {report.frechet['ratio']:.2f}× "
        f"({'met' if report.frechet['ratio'] <= FRECHET_TARGET else 'missed'}) |",
        "",
    ]
    if report.real:
        real = report.real
        lines += [
            f"### Against recorded kicks of held-out kits ({real['held_out_kicks']} kicks of "
            f"{len(real['held_out_kits'])} kits; targets: ≤ {FRECHET_TARGET:.0f}× the floor for "
            f"every prompt, spread ≥ {SPREAD_TARGET} at the default prompt)",
            "",
            f"Floor (recorded kicks of the training kits vs the held-out kits, the mean of "
            f"{FLOOR_DRAWS} draws of as many): {real['floor']:.2f} (standard deviation "
            f"{real['floor_deviation']:.2f}). Each prompt's distance and spread: the mean over "
            f"{real['seed_sets']} sets of as many kicks (± the standard deviation between sets); "
            f"its precision: over all of them. Spread of the held-out real kicks: 1. Coverage of "
            f"the held-out real kicks by all prompts' kicks: {real['coverage']:.0%}. Precision "
            "(share of kicks inside the held-out real kicks' neighbourhoods: does each sound "
            "like some recorded kick?) of the training kits' recorded kicks: "
            f"{real['floor_precision']:.0%}. Rings on: the share of kicks whose tail stays loud "
            "and bright (0.3–1.3 s within 30 dB of the peak, mostly above 1 kHz: a buzz or a "
            f"rattle, not a body); held-out real kicks: {real['held_out_ringing']:.1%}.",
            "",
            "The training data's own columns: the training kicks that carry the prompt's words, "
            "measured the same way (a model that learned its data perfectly would score them). "
            "The last column: the held-out kicks that earn the prompt's measured words (short, "
            "long, deep…) against all held-out kicks, where even recorded kicks land when a "
            f"prompt asks for part of them (at least {WORDED_KICKS_MIN} such kicks).",
            "",
            "| prompt | Fréchet vs held-out real | × floor | spread (32 seeds) | precision "
            "| rings on | training data: × floor | spread | precision | held-out kicks with its "
            "measured words: × floor |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *(
                f"| {row['prompt']} | {row['frechet']:.1f} | {row['ratio']:.2f}× "
                f"± {row['ratio_deviation']:.2f} | "
                f"{row['spread']:.2f} | {row['precision']:.0%} | {row['ringing']:.1%} | "
                + (
                    f"{row['data_ratio']:.2f}× | {row['data_spread']:.2f} | "
                    f"{row['data_precision']:.0%} |"
                    if "data_ratio" in row
                    else "– | – | – |"
                )
                + (
                    f" {row['held_out_ratio']:.2f}× ({row['held_out_count']} kicks) |"
                    if "held_out_ratio" in row
                    else " – |"
                )
                for row in real["prompts"]
            ),
            "",
        ]
    if report.guidance_sweep:
        against_real = report.real and "real_ratio" in report.guidance_sweep[0]
        real_columns = " default prompt vs real (× floor) | its spread |" if against_real else ""

        def real_cells(row: dict[str, object]) -> str:
            return f" {row['real_ratio']:.2f}× | {row['spread']:.2f} |" if against_real else ""

        lines += [
            "### Guidance scale: distribution against keyword control",
            "",
            "| guidance | Fréchet vs held-out | × floor | weakest keyword pair | its share |"
            + real_columns,
            "|---|---|---|---|---|" + "---|---|" * bool(against_real),
            *(
                f"| {row['guidance']:g} | {row['frechet']:.2f} | {row['ratio']:.2f}× | "
                f"{row['weakest_pair']} | {row['weakest_share']:.0%} |" + real_cells(row)
                for row in report.guidance_sweep
            ),
            "",
        ]
    if report.variations:
        lines.append(render_variations(report.variations))
    return "\n".join(lines)


def render_comparison(reports: dict[str, Report]) -> str:
    """The headline figures of several models evaluated on the same data and seeds."""
    names = list(reports)

    def row(label: str, value: Callable[[Report], str]) -> str:
        return f"| {label} | " + " | ".join(value(reports[n]) for n in names) + " |"

    def real(key: str, fmt: str) -> Callable[[Report], str]:
        return lambda r: fmt.format(r.real[key]) if r.real else "–"

    def weakest(r: Report) -> str:
        shares = [c["share"] for c in r.keyword_control]
        return f"{min(shares):.0%}" if shares else "–"

    def punch_gap(r: Report) -> str:
        row = next((g for g in r.decoded_gaps if g["pair"] == "soft → punchy"), None)
        return f"{row['reconstructed']:.2f} of {row['prepared']:.2f}" if row else "–"

    lines = [
        "| measure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
        row("default prompt", lambda r: f'"{r.real["default_prompt"]}"' if r.real else "–"),
        row("Fréchet vs held-out real, default prompt (× floor)", real("default_ratio", "{:.2f}×")),
        row("Fréchet vs held-out real, worst prompt (× floor)", real("worst_ratio", "{:.2f}×")),
        row(
            "spread of 32 default-prompt kicks (held-out real: 1)", real("default_spread", "{:.2f}")
        ),
        row("coverage of held-out real kicks", real("coverage", "{:.0%}")),
        row("precision at the default prompt", real("default_precision", "{:.0%}")),
        row("precision of the training kits' recorded kicks", real("floor_precision", "{:.0%}")),
        row("default-prompt kicks that ring on", real("default_ringing", "{:.1%}")),
        row("held-out real kicks that ring on", real("held_out_ringing", "{:.1%}")),
        row("Fréchet vs held-out procedural (× floor)", lambda r: f"{r.frechet['ratio']:.2f}×"),
        row("weakest keyword pair", weakest),
        row("soft → punchy attack gap kept by VAE + vocoder (dB)", punch_gap),
        row("artifacts", lambda r: f"{sum(r.artifacts.values())} in {r.generated_count}"),
    ]
    return "\n".join(lines) + "\n"


def plot_grid(kicks: dict[str, np.ndarray], config: AudioConfig, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    transform = LogMelSpectrogram(config)
    figure, axes = plt.subplots(len(kicks), 2, figsize=(10, 1.8 * len(kicks)), squeeze=False)
    for row, (prompt, audio) in enumerate(kicks.items()):
        times = np.arange(audio.size) / config.sample_rate
        axes[row, 0].plot(times, audio, linewidth=0.5)
        axes[row, 0].set_xlim(0, 1.0)
        axes[row, 0].set_ylim(-1, 1)
        axes[row, 0].set_ylabel(prompt, fontsize=8)
        with torch.inference_mode():
            mel = transform(torch.from_numpy(audio)[None])[0].numpy()
        axes[row, 1].imshow(
            mel,
            origin="lower",
            aspect="auto",
            vmin=-1,
            vmax=1,
            extent=(0, config.duration_s, 0, config.n_mels),
        )
    axes[-1, 0].set_xlabel("time (s), waveform")
    axes[-1, 1].set_xlabel("time (s), log-mel")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m gpu_worker.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--model",
        action="append",
        default=None,
        help="model folder or Hub id (default: shipped); repeat it to compare models on the same "
        "data and seeds",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("var/train/data"),
        help="prepared dataset with held-out kicks",
    )
    parser.add_argument("--out", type=Path, default=Path("var/eval"))
    parser.add_argument("--kicks-per-prompt", type=int, default=8)
    parser.add_argument("--pair-seeds", type=int, default=PAIR_SEEDS)
    parser.add_argument("--frechet-kicks", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--guidance", type=float, default=None)
    parser.add_argument(
        "--guidance-sweep",
        type=lambda text: [float(value) for value in text.split(",")],
        default=[],
        metavar="G1,G2,...",
        help="also measure keyword control and the Fréchet distance at these guidance scales",
    )
    parser.add_argument(
        "--seed-sets",
        type=int,
        default=SEED_SETS,
        help="sets of kicks whose figures against the recorded kicks are averaged",
    )
    parser.add_argument("--device", default=None)
    parser.add_argument(
        "--only-variations",
        action="store_true",
        help="measure only how far variations move from their parent (needs no --data)",
    )
    parser.add_argument("--variation-parents", type=int, default=8)
    parser.add_argument("--variations-per-parent", type=int, default=4)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = EvaluationSettings(
        kicks_per_prompt=args.kicks_per_prompt,
        pair_seeds=args.pair_seeds,
        frechet_kicks=args.frechet_kicks,
        steps=args.steps,
        guidance=args.guidance,
        guidance_sweep=args.guidance_sweep,
        seed_sets=args.seed_sets,
        variation_parents=args.variation_parents,
        variations_per_parent=args.variations_per_parent,
    )
    models = args.model or [None]
    if args.only_variations:
        for model in models:
            pipeline = KickPipeline.from_pretrained(model, device=args.device)
            variations, _ = variation_distances(pipeline, settings)
            print(f"## {Path(model or DEFAULT_MODEL_PATH).name}\n\n{render_variations(variations)}")
        return
    data = load_dataset(args.data)
    reports: dict[str, Report] = {}
    for model in models:
        pipeline = KickPipeline.from_pretrained(model, device=args.device)
        name = Path(model or DEFAULT_MODEL_PATH).name
        out = args.out / name if len(models) > 1 else args.out
        reports[name] = evaluate(pipeline, data, out, settings)
        print(f"## {name}\n\n{render_markdown(reports[name], settings)}")
    if len(models) > 1:
        comparison = render_comparison(reports)
        (args.out / "comparison.md").write_text(comparison)
        print(comparison)


if __name__ == "__main__":
    main()
