"""`python -m gpu_worker.evaluate`: how good a kick model is, measured.

    python -m gpu_worker.evaluate --model gpu_worker/pretrained/kick-gen-v2 \\
        --data var/train/data --out var/eval

Writes `report.md` (Markdown tables), `metrics.json` and `grid.png` (waveform and spectrogram of
one kick per prompt) into --out:
  * artifacts of every generated kick: NaN, clipping, DC offset, click at the end, silence;
  * descriptors (tail fundamental, decay to -40 dB, attack time, spectral centroid of the first
    30 ms) per prompt, beside the held-out kicks that carry the prompt's words;
  * keyword control: for each opposite pair, the share of same-seed pairs ("short house" vs
    "long house", seed s) whose descriptor moves the right way (target >= 90 %);
  * Fréchet distance between log-mel statistics of generated and held-out kicks, beside the
    distance between training and held-out kicks as the floor (target <= 2x the floor).
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
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy import linalg
from tqdm import tqdm

from gpu_worker.audio import (
    LogMelSpectrogram,
    decode_wav,
    encode_wav,
    log_mel_to_normalised,
    postprocess,
)
from gpu_worker.config import AudioConfig
from gpu_worker.data import Dataset, load_dataset
from gpu_worker.descriptors import MEASURED_PAIRS, describe, find_artifacts
from gpu_worker.pipeline import DECODE_CHUNK, KickPipeline

log = logging.getLogger(__name__)

DEFAULT_PROMPTS = (
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
REPORTED_DESCRIPTORS = (
    ("tail_fundamental_hz", "tail fundamental (Hz)", "{:.0f}"),
    ("decay_s", "decay to -40 dB (s)", "{:.2f}"),
    ("attack_ms", "attack (ms)", "{:.1f}"),
    ("early_centroid_hz", "centroid first 30 ms (Hz)", "{:.0f}"),
)
CONTROL_TARGET = 0.9
FRECHET_TARGET = 2.0
# Log-mel statistics: 16 mel bands x 8 time segments (denser at the start, where kicks differ).
_BAND_EDGES = np.linspace(0, 128, 17).astype(int)
_FRAME_EDGES = np.array([0, 4, 8, 13, 20, 30, 45, 70, 173])


@dataclass(frozen=True)
class EvaluationSettings:
    prompts: Sequence[str] = DEFAULT_PROMPTS
    kicks_per_prompt: int = 8
    pair_seeds: int = 16  # per context word
    frechet_kicks: int | None = None  # default: as many as held-out kicks
    steps: int | None = None
    guidance: float | None = None
    # Extra guidance scales at which keyword control and the Fréchet distance are measured again.
    guidance_sweep: Sequence[float] = ()


@dataclass
class Report:
    artifacts: dict[str, int]
    generated_count: int
    descriptors: list[dict[str, object]] = field(default_factory=list)
    keyword_control: list[dict[str, object]] = field(default_factory=list)
    frechet: dict[str, float] = field(default_factory=dict)
    guidance_sweep: list[dict[str, object]] = field(default_factory=list)


def generate_audio(
    pipeline: KickPipeline, prompt: str, seeds: Sequence[int], settings: EvaluationSettings
) -> list[np.ndarray]:
    results = pipeline.generate(
        prompt, seeds=list(seeds), steps=settings.steps, guidance=settings.guidance
    )
    return [decode_wav(result.wav)[0] for result in results]


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to the rows of `a` and of `b`."""
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = np.real(linalg.sqrtm(cov_a @ cov_b))
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


def quantisation_floor(transform: LogMelSpectrogram) -> float:
    """The mel magnitude of a 1 kHz sine one 16-bit step high (90 dB below full scale): the
    quietest tone a 16-bit WAV carries, under which the statistics see silence. Without it the
    statistics of quiet bands measure where a tail sinks under the last bit: the 16-bit encoding
    alone moved the held-out kicks 0.28 away from themselves, three times the training-vs-held-out
    distance of 0.087."""
    config = transform.config
    time = torch.arange(config.num_samples) / config.sample_rate
    tone = 2.0**-15 * torch.sin(2 * math.pi * 1000.0 * time)
    with torch.inference_mode():
        # Middle frames: away from the edges, where the centred STFT sees a partial window.
        return float(transform.mel(tone[None])[0][:, 20:-20].mean(dim=1).max())


def log_mel_statistics(audio: np.ndarray, config: AudioConfig) -> np.ndarray:
    """(N, samples) -> (N, 128) features: the normalised log-mel, floored at what a 16-bit WAV
    can carry, averaged over a coarse grid."""
    transform = LogMelSpectrogram(config)
    floor = quantisation_floor(transform)
    with torch.inference_mode():
        magnitude = torch.cat([transform.mel(chunk) for chunk in torch.from_numpy(audio).split(64)])
        mel = log_mel_to_normalised(torch.log(magnitude.clamp_min(floor)), config).numpy()
    cells = [
        mel[:, b0:b1, f0:f1].mean(axis=(1, 2))
        for b0, b1 in zip(_BAND_EDGES[:-1], _BAND_EDGES[1:], strict=True)
        for f0, f1 in zip(_FRAME_EDGES[:-1], _FRAME_EDGES[1:], strict=True)
    ]
    return np.stack(cells, axis=1)


def held_out_reference(data: Dataset, config: AudioConfig) -> tuple[np.ndarray, float]:
    """Log-mel statistics of the held-out kicks as delivered, and the floor: the distance to them
    of as many training kicks."""
    held_out, training = data.split(held_out=True), data.split(held_out=False)
    held_features = log_mel_statistics(as_delivered(held_out.audio, config), config)
    rows = np.random.default_rng(0).choice(
        len(training), size=min(len(held_out), len(training)), replace=False
    )
    training_features = log_mel_statistics(as_delivered(training.audio[rows], config), config)
    return held_features, frechet_distance(training_features, held_features)


@torch.inference_mode()
def decoding_distances(
    pipeline: KickPipeline, held_out: Dataset, held_features: np.ndarray
) -> dict[str, float]:
    """The distance that the decoding stages alone account for, so that a gap can be placed: the
    vocoder on the held-out kicks' own log-mels, then on their VAE reconstructions."""
    config = pipeline.config.audio
    vae = pipeline.models.vae
    vocoded, reconstructed = [], []
    for mel in held_out.mel.to(pipeline.device).split(DECODE_CHUNK):
        vocoded.append(pipeline.vocode(mel).cpu())
        reconstructed.append(pipeline.vocode(vae.decode(vae.encode(mel).mean)).cpu())

    def distance(audio: list[torch.Tensor]) -> float:
        features = log_mel_statistics(as_delivered(torch.cat(audio), config), config)
        return frechet_distance(features, held_features)

    return {
        "vocoder_vs_held_out": distance(vocoded),
        "reconstruction_vs_held_out": distance(reconstructed),
    }


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
    return np.stack(
        [
            decode_wav(encode_wav(kick, config.sample_rate))[0]
            for kick in postprocess(audio, config).numpy()
        ]
    )


def evaluate(
    pipeline: KickPipeline, data: Dataset, out: Path, settings: EvaluationSettings
) -> Report:
    out.mkdir(parents=True, exist_ok=True)
    config = pipeline.config.audio
    held_out = data.split(held_out=True)
    if len(held_out) < 2:
        raise ValueError("the dataset holds fewer than 2 held-out kicks")
    vocab = pipeline.vocabulary
    generated: list[np.ndarray] = []

    per_prompt: dict[str, list[np.ndarray]] = {}
    for prompt in tqdm(settings.prompts, desc="prompts"):
        per_prompt[prompt] = generate_audio(
            pipeline, prompt, range(settings.kicks_per_prompt), settings
        )
        generated.extend(per_prompt[prompt])
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
    generated.extend(paired)

    count = settings.frechet_kicks or len(held_out)
    matched = generate_matched(pipeline, held_out, count, settings)
    generated.extend(matched)
    held_features, floor = held_out_reference(data, config)
    frechet = {
        "generated_vs_held_out": frechet_distance(
            log_mel_statistics(np.stack(matched), config), held_features
        ),
        "training_vs_held_out": floor,
        **decoding_distances(pipeline, held_out, held_features),
    }
    frechet["ratio"] = frechet["generated_vs_held_out"] / floor

    sweep = []
    for guidance in settings.guidance_sweep:
        at_guidance = dataclasses.replace(settings, guidance=guidance)
        rows, paired = keyword_control(pipeline, at_guidance)
        matched = generate_matched(pipeline, held_out, count, at_guidance)
        generated.extend(paired + matched)
        distance = frechet_distance(log_mel_statistics(np.stack(matched), config), held_features)
        weakest = min(rows, key=lambda row: row["share"], default=None)
        sweep.append(
            {
                "guidance": guidance,
                "frechet": distance,
                "ratio": distance / floor,
                "weakest_pair": weakest["pair"] if weakest else "–",
                "weakest_share": weakest["share"] if weakest else float("nan"),
            }
        )

    found = [find_artifacts(kick).as_dict() for kick in generated]
    artifacts = {name: sum(f[name] for f in found) for name in found[0]}
    report = Report(artifacts, len(generated), descriptors, control, frechet, sweep)
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
        f"### Fréchet distance of log-mel statistics (target ≤ {FRECHET_TARGET:.0f}× the floor)",
        "",
        "| comparison | distance |",
        "|---|---|",
        f"| generated vs held-out | {report.frechet['generated_vs_held_out']:.2f} |",
        f"| training vs held-out (floor) | {report.frechet['training_vs_held_out']:.2f} |",
        "| vocoder on held-out log-mels vs held-out (decoding alone) | "
        f"{report.frechet['vocoder_vs_held_out']:.2f} |",
        "| VAE + vocoder reconstructions vs held-out | "
        f"{report.frechet['reconstruction_vs_held_out']:.2f} |",
        f"| ratio | {report.frechet['ratio']:.2f}× "
        f"({'met' if report.frechet['ratio'] <= FRECHET_TARGET else 'missed'}) |",
        "",
    ]
    if report.guidance_sweep:
        lines += [
            "### Guidance scale: distribution against keyword control",
            "",
            "| guidance | Fréchet vs held-out | × floor | weakest keyword pair | its share |",
            "|---|---|---|---|---|",
            *(
                f"| {row['guidance']:g} | {row['frechet']:.2f} | {row['ratio']:.2f}× | "
                f"{row['weakest_pair']} | {row['weakest_share']:.0%} |"
                for row in report.guidance_sweep
            ),
            "",
        ]
    return "\n".join(lines)


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
    parser.add_argument("--model", default=None, help="model folder or Hub id (default: shipped)")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("var/train/data"),
        help="prepared dataset with held-out kicks",
    )
    parser.add_argument("--out", type=Path, default=Path("var/eval"))
    parser.add_argument("--kicks-per-prompt", type=int, default=8)
    parser.add_argument("--pair-seeds", type=int, default=16)
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
    parser.add_argument("--device", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = EvaluationSettings(
        kicks_per_prompt=args.kicks_per_prompt,
        pair_seeds=args.pair_seeds,
        frechet_kicks=args.frechet_kicks,
        steps=args.steps,
        guidance=args.guidance,
        guidance_sweep=args.guidance_sweep,
    )
    pipeline = KickPipeline.from_pretrained(args.model, device=args.device)
    report = evaluate(pipeline, load_dataset(args.data), args.out, settings)
    print(render_markdown(report, settings))


if __name__ == "__main__":
    main()
