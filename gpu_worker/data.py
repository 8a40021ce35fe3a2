"""Training data: any folder of kick one-shots (the original model's preparation, step for step)
and the procedural corpus, which is rendered to WAV files and goes through the same path.

Preparation of a folder:
  * keep WAV / AIFF / FLAC / OGG files; drop loops (a name containing "loop" or "bpm") and files
    under 5 KB or over 1 MB;
  * name every kick with a hash prefix of its relative path, so equal names in different
    sub-folders never collide;
  * read (at most 10 s, headers checked before decoding: gpu_worker.audio.read_audio), average
    to mono, resample to 44.1 kHz, drop leading silence, pad/trim to 2 s, normalise to -1 dB
    peak, fade out over the last 0.2 s, and compute the normalised log-mel (128 x 173);
  * keywords from the file name: split on '-', '_', spaces and dots, lower-case, drop numbers
    and single characters; the vocabulary is every word seen at least 5 times.

The result is one folder: `dataset.safetensors` (audio as int16, log-mel as float16, a multi-hot
keyword matrix and a held-out flag per kick), `vocab.json` and `dataset.json` (names, keywords,
what was skipped and why).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile
import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from gpu_worker.audio import LogMelSpectrogram, UnreadableAudioError, fit_length, read_audio
from gpu_worker.augment import augment_kick, layer_kick
from gpu_worker.config import AudioConfig
from gpu_worker.descriptors import MEASURED_WORDS, describe, measured_keywords
from gpu_worker.models.keywords import Vocabulary, split_words
from gpu_worker.parallel import map_on_cores
from gpu_worker.synth import SAMPLE_RATE, KickParams, draw_params, keywords_for, render_kick

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".aif", ".aiff", ".flac", ".ogg")
LOOP_MARKERS = ("loop", "bpm")
MIN_FILE_BYTES = 5 * 1024
MAX_FILE_BYTES = 1024 * 1024
# A file longer than this is a take or a loop, not a one-shot kick.
MAX_SOURCE_SECONDS = 10.0
# Leading samples quieter than this (relative to the peak) are silence before the hit.
ONSET_THRESHOLD_DB = -60.0
PEAK_DB = -1.0
FADE_OUT_S = 0.2
MIN_WORD_COUNT = 5
# Drum-machine model numbers are words to producers ("909", "808"), not take or BPM numbers.
DRUM_MACHINE_NUMBERS = frozenset({"606", "707", "727", "808", "909"})
HELD_OUT_SHARE = 0.05

LIBRARY_ORIGIN = "library"

DATASET_FILE = "dataset.safetensors"
VOCAB_FILE = "vocab.json"
INDEX_FILE = "dataset.json"


def keywords_from_name(file_name: str) -> list[str]:
    """Keywords of a file name (extension removed), in order, without repeats."""
    stem = Path(file_name).stem
    words: list[str] = []
    for word in split_words(stem):
        if len(word) < 2 or (word.isdigit() and word not in DRUM_MACHINE_NUMBERS):
            continue
        if word not in words:
            words.append(word)
    return words


@dataclass(frozen=True)
class Candidate:
    path: Path
    name: str  # hash-prefixed, unique within the dataset


@dataclass(frozen=True)
class Skipped:
    path: str
    kind: str  # what the summary counts: "loop", "too small", "too large" or "unreadable"
    reason: str


def find_kicks(source: Path) -> tuple[list[Candidate], list[Skipped]]:
    """The kept audio files under `source` (sorted, so preparation is reproducible)."""
    kept: list[Candidate] = []
    skipped: list[Skipped] = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source).as_posix()
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            continue
        lowered = path.name.lower()
        if any(marker in lowered for marker in LOOP_MARKERS):
            skipped.append(Skipped(relative, "loop", "a loop, not a one-shot"))
            continue
        size = path.stat().st_size
        if size < MIN_FILE_BYTES:
            skipped.append(Skipped(relative, "too small", f"smaller than {MIN_FILE_BYTES} bytes"))
            continue
        if size > MAX_FILE_BYTES:
            skipped.append(Skipped(relative, "too large", f"larger than {MAX_FILE_BYTES} bytes"))
            continue
        prefix = hashlib.sha1(relative.encode()).hexdigest()[:8]
        kept.append(Candidate(path, f"{prefix}_{path.name}"))
    return kept, skipped


def load_kick(path: Path | BinaryIO, config: AudioConfig) -> np.ndarray:
    """Read any supported file -> float32 mono at the model's rate, starting at the hit, 2 s,
    -1 dB peak, faded.

    Raises UnreadableAudioError (a ValueError) for unreadable, absurd, too long or silent files.
    """
    return prepare_kick(read_audio(path, config.sample_rate, MAX_SOURCE_SECONDS), config)


def from_onset(mono: np.ndarray) -> np.ndarray:
    """The audio from its first sample above ONSET_THRESHOLD_DB under the peak; raises
    UnreadableAudioError for silent or non-finite audio."""
    peak = float(np.abs(mono).max()) if mono.size else 0.0
    if not np.isfinite(peak) or peak < 2.0**-15:
        raise UnreadableAudioError("silent or non-finite audio")
    return mono[int(np.argmax(np.abs(mono) >= peak * 10 ** (ONSET_THRESHOLD_DB / 20))) :]


def prepare_kick(mono: np.ndarray, config: AudioConfig) -> np.ndarray:
    """Float32 mono at the model's rate -> from the hit, 2 s, -1 dB peak, faded out."""
    kick = fit_length(torch.from_numpy(from_onset(mono).astype(np.float32)), config.num_samples)
    kick = kick * (10 ** (PEAK_DB / 20) / kick.abs().max())
    fade_samples = int(FADE_OUT_S * config.sample_rate)
    kick[-fade_samples:] *= torch.linspace(1.0, 0.0, fade_samples)
    return kick.numpy().astype(np.float32)


@dataclass
class Dataset:
    """Prepared kicks in memory: the training scripts' input."""

    names: list[str]
    keywords: list[list[str]]
    vocab: Vocabulary
    audio: torch.Tensor  # (N, num_samples) float32
    mel: torch.Tensor  # (N, n_mels, frames) float32, normalised log-mel
    keyword_weights: torch.Tensor  # (N, len(vocab)) multi-hot float32
    held_out: torch.Tensor  # (N,) bool: kept out of training, used by the evaluation
    origins: list[str]  # where each kick comes from: "library", "procedural", "real", ...
    groups: list[str]  # held out as a whole: the kick itself, or its kit

    def __len__(self) -> int:
        return len(self.names)

    def split(self, held_out: bool) -> Dataset:
        return self.select(torch.nonzero(self.held_out == held_out).squeeze(1))

    def of_origin(self, *origins: str) -> Dataset:
        return self.select(torch.tensor([i for i, o in enumerate(self.origins) if o in origins]))

    def select(self, index: torch.Tensor) -> Dataset:
        rows = index.to(torch.long).tolist()
        return Dataset(
            names=[self.names[i] for i in rows],
            keywords=[self.keywords[i] for i in rows],
            vocab=self.vocab,
            audio=self.audio[rows],
            mel=self.mel[rows],
            keyword_weights=self.keyword_weights[rows],
            held_out=self.held_out[rows],
            origins=[self.origins[i] for i in rows],
            groups=[self.groups[i] for i in rows],
        )

    def sampling_weights(self, oversampled: Mapping[str, float]) -> torch.Tensor:
        """Per-kick weight: `oversampled[origin]` for the origins named, 1 for the rest."""
        return torch.tensor([oversampled.get(origin, 1.0) for origin in self.origins])


def prepare_folder(
    source: Path,
    out: Path,
    config: AudioConfig | None = None,
    min_word_count: int = MIN_WORD_COUNT,
    held_out_share: float = HELD_OUT_SHARE,
    group_depth: int = 0,
    origin: str = LIBRARY_ORIGIN,
) -> Path:
    """Prepare every kick under `source` into the dataset folder `out`; returns `out`.

    `group_depth` 0 holds out single files; 1 holds out whole first-level folders (a kit, a
    sample pack), so that no sibling of a held-out kick is trained on.
    """
    config = config or AudioConfig()
    candidates, skipped = find_kicks(source)
    names: list[str] = []
    groups: list[str] = []
    audio: list[np.ndarray] = []
    for candidate in tqdm(candidates, desc="prepare", unit="kick"):
        try:
            audio.append(load_kick(candidate.path, config))
        except UnreadableAudioError as error:
            relative = candidate.path.relative_to(source).as_posix()
            log.warning("skipped %s: %s", relative, error)
            skipped.append(Skipped(relative, "unreadable", str(error)))
            continue
        names.append(candidate.name)
        folders = candidate.path.relative_to(source).parts[:-1]
        groups.append("/".join(folders[:group_depth]) if group_depth else candidate.name)
    if not names:
        raise ValueError(f"no usable kicks under {source}")
    # The hash prefix is not a keyword: it is unique per file.
    keywords = [keywords_from_name(name.split("_", 1)[1]) for name in names]
    counts = Counter(word for words in keywords for word in words)
    vocab_words = sorted(word for word, count in counts.items() if count >= min_word_count)
    if not vocab_words:
        raise ValueError(f"no keyword appears {min_word_count} times in the file names")
    vocab = Vocabulary(vocab_words)
    keywords = [[w for w in words if w in vocab] for words in keywords]

    waveforms = torch.from_numpy(np.stack(audio))
    dataset = Dataset(
        names=names,
        keywords=keywords,
        vocab=vocab,
        audio=waveforms,
        mel=_log_mel(waveforms, config),
        keyword_weights=vocab.multi_hot([vocab.ids(w) for w in keywords]),
        # Held-out membership hangs on the group's name alone, so it survives re-preparing a
        # grown folder.
        held_out=torch.tensor([is_held_out(group, held_out_share) for group in groups]),
        origins=[origin] * len(names),
        groups=groups,
    )
    save_dataset(
        dataset,
        out,
        source=str(source),
        audio=vars(config),
        word_counts=dict(counts.most_common()),
        skipped=[vars(s) for s in skipped],
    )
    held_out = dataset.held_out
    skipped_kinds = Counter(s.kind for s in skipped)
    log.info(
        "prepared %d kicks (%d held out), skipped %d (%s), vocabulary of %d words -> %s",
        len(names),
        int(held_out.sum()),
        len(skipped),
        ", ".join(f"{count} {kind}" for kind, count in sorted(skipped_kinds.items())) or "none",
        len(vocab),
        out,
    )
    return out


def save_dataset(dataset: Dataset, out: Path, **about: object) -> None:
    """Write `dataset` as a dataset folder; `about` goes into the index (dataset.json)."""
    out.mkdir(parents=True, exist_ok=True)
    save_file(
        {
            "audio": (dataset.audio.clamp(-1, 1) * 32767).round().to(torch.int16),
            "mel": dataset.mel.to(torch.float16),
            "keyword_weights": dataset.keyword_weights.to(torch.uint8),
            "held_out": dataset.held_out.to(torch.uint8),
        },
        str(out / DATASET_FILE),
    )
    dataset.vocab.save(out / VOCAB_FILE)
    index = {
        **about,
        "names": dataset.names,
        "origins": dataset.origins,
        "groups": dataset.groups,
        "keywords": dataset.keywords,
    }
    (out / INDEX_FILE).write_text(json.dumps(index, indent=1) + "\n")


@dataclass(frozen=True)
class Layering:
    """A `share` of the training kicks of `origin` replaced by their layered version
    (`augment.layer_kick`): under the top of a training kick of `top_origins`, never one of a
    held-out kit."""

    origin: str
    top_origins: tuple[str, ...]
    share: float


def mix_datasets(
    parts: Sequence[Path],
    out: Path,
    augmented_copies: Mapping[str, int] | None = None,
    layering: Layering | None = None,
    seed: int = 0,
) -> Path:
    """One training dataset from prepared ones (the procedural corpus, real kicks): every kick
    with its origin, group and held-out flag, one vocabulary (every word of every part),
    `augmented_copies[origin]` augmented copies of each training kick of that origin (origin
    "<origin>-augmented"; never of a held-out kick), and `layering`'s share of its origin's
    kicks layered (origin "<origin>-layered"; see `_layer`). An augmented or layered kick keeps
    its source words and has its measured words measured again, since shaping moves them (a
    layered kick keeps its body's soft/punchy word too)."""
    datasets = [load_dataset(part) for part in parts]
    config = AudioConfig(**json.loads((parts[0] / INDEX_FILE).read_text())["audio"])
    vocab = Vocabulary(sorted({word for d in datasets for word in d.vocab.words}))
    names, keywords, origins, groups = [], [], [], []
    audio, mel, held_out = [], [], []
    for dataset in datasets:
        names += dataset.names
        keywords += dataset.keywords
        origins += dataset.origins
        groups += dataset.groups
        audio.append(dataset.audio)
        mel.append(dataset.mel)
        held_out.append(dataset.held_out)
    rng = np.random.default_rng(seed)
    extra: list[np.ndarray] = []
    for origin, copies in (augmented_copies or {}).items():
        for dataset in datasets:
            training = [i for i, o in enumerate(dataset.origins) if o == origin]
            for i in tqdm(training, desc=f"augment {origin}", unit="kick"):
                if dataset.held_out[i]:
                    continue
                for copy in range(copies):
                    kick = _augmented(dataset.audio[i].numpy(), config, rng)
                    if kick is None:
                        continue
                    extra.append(kick)
                    names.append(f"{dataset.names[i]}~{copy + 1}")
                    keywords.append(_remeasured(dataset.keywords[i], kick, vocab))
                    origins.append(augmented_origin(origin))
                    groups.append(dataset.groups[i])
    if extra:
        augmented = torch.from_numpy(np.stack(extra))
        audio.append(augmented)
        mel.append(_log_mel(augmented, config))
        held_out.append(torch.zeros(len(extra), dtype=torch.bool))
    waveforms, log_mels, held = torch.cat(audio), torch.cat(mel), torch.cat(held_out)
    if layering is not None:
        layered = _layer(waveforms, held, names, keywords, origins, layering, vocab, config, rng)
        log_mels[layered] = _log_mel(waveforms[layered], config)
    mixed = Dataset(
        names=names,
        keywords=keywords,
        vocab=vocab,
        audio=waveforms,
        mel=log_mels,
        keyword_weights=vocab.multi_hot([vocab.ids(words) for words in keywords]),
        held_out=held,
        origins=origins,
        groups=groups,
    )
    save_dataset(mixed, out, parts=[str(p) for p in parts], audio=vars(config))
    log.info(
        "mixed %s -> %s",
        ", ".join(f"{count} {origin}" for origin, count in Counter(origins).most_common()),
        out,
    )
    return out


# The words of a kick's punch, which neither layering nor prompt-matched pairing may change. A top
# is there for the recorded hit's texture, not to decide the punch: when any top was taken, the
# "soft" house and techno training kicks fell from 122 and 145 to 67 and 52, and a model
# fine-tuned on them followed "soft -> punchy" only 75 % of the time (kick-gen-v11's
# MODEL_CARD.md, "Layered kicks").
PUNCH_WORDS = frozenset({"soft", "punchy"})
LAYERING_TRIES = 8


def _layer(
    waveforms: torch.Tensor,
    held_out: torch.Tensor,
    names: list[str],
    keywords: list[list[str]],
    origins: list[str],
    layering: Layering,
    vocab: Vocabulary,
    config: AudioConfig,
    rng: np.random.Generator,
) -> list[int]:
    """Replaces, in place, `layering.share` of its origin's kicks by layered ones and returns
    their rows (their log-mels are the caller's to compute again). Training bodies take training
    kits' tops and held-out bodies held-out kits' tops: the held-out kicks then come from the
    distribution the model learns, and no top crosses the split. Bodies are taken in random
    order, and one that no top keeps (`_attack_keeping_layer`) is left as it was. A layered kick
    keeps its body's soft/punchy word and has its other measured words measured again."""

    def rows(of: Container[str], held: bool) -> list[int]:
        return [i for i, o in enumerate(origins) if o in of and bool(held_out[i]) == held]

    sides = []
    for held in (False, True):
        bodies, tops = rows({layering.origin}, held), rows(layering.top_origins, held)
        if bodies and not tops:
            side = "held-out" if held else "training"
            raise ValueError(f"no {side} kicks of {', '.join(layering.top_origins)} to layer with")
        sides.append((bodies, tops, round(layering.share * len(bodies))))
    layered: list[int] = []
    total = sum(wanted for *_, wanted in sides)
    with tqdm(total=total, desc=f"layer {layering.origin}", unit="kick") as bar:
        for bodies, tops, wanted in sides:
            done = 0
            for body in rng.permutation(bodies):
                if done == wanted:
                    break
                drawn = _attack_keeping_layer(waveforms[body].numpy(), waveforms, tops, config, rng)
                if drawn is None:
                    continue
                kick, top = drawn
                waveforms[body] = torch.from_numpy(kick)
                names[body] = f"{names[body]}+{names[top]}"
                keywords[body] = _remeasured(keywords[body], kick, vocab, kept=PUNCH_WORDS)
                origins[body] = layered_origin(layering.origin)
                layered.append(int(body))
                done += 1
                bar.update()
    return sorted(layered)


def _attack_keeping_layer(
    body: np.ndarray,
    waveforms: torch.Tensor,
    tops: list[int],
    config: AudioConfig,
    rng: np.random.Generator,
) -> tuple[np.ndarray, int] | None:
    """`body` prepared under the first of up to `LAYERING_TRIES` random tops that leaves its
    soft/punchy word as it was (or, like it, absent), with that top's row; None when none does."""

    def attack_words(kick: np.ndarray) -> set[str]:
        return set(measured_keywords(describe(kick))) & PUNCH_WORDS

    body_words = attack_words(body)
    for _ in range(LAYERING_TRIES):
        top = int(rng.choice(tops))
        kick = prepare_kick(
            layer_kick(body, waveforms[top].numpy(), config.sample_rate, rng), config
        )
        if attack_words(kick) == body_words:
            return kick, top
    return None


def _remeasured(
    words: list[str], kick: np.ndarray, vocab: Vocabulary, kept: frozenset[str] = frozenset()
) -> list[str]:
    """`words` with their measured words measured again on `kick`, except the `kept` ones: a
    procedural kick's measured words come from its synth parameters, and one the measurement
    left where it was stays."""
    own = [w for w in words if w not in MEASURED_WORDS or w in kept]
    measured = [w for w in measured_keywords(describe(kick)) if w not in kept]
    return [w for w in own + measured if w in vocab]


def augmented_origin(origin: str) -> str:
    return f"{origin}-augmented"


def layered_origin(origin: str) -> str:
    return f"{origin}-layered"


def _augmented(
    kick: np.ndarray, config: AudioConfig, rng: np.random.Generator
) -> np.ndarray | None:
    try:
        return prepare_kick(augment_kick(kick, config.sample_rate, rng), config)
    except UnreadableAudioError:  # shaped into silence
        return None


def is_held_out(group: str, share: float) -> bool:
    return int(hashlib.sha1(group.encode()).hexdigest()[:8], 16) / 16**8 < share


def _log_mel(waveforms: torch.Tensor, config: AudioConfig, batch: int = 64) -> torch.Tensor:
    transform = LogMelSpectrogram(config)
    with torch.inference_mode():
        return torch.cat([transform(chunk) for chunk in waveforms.split(batch)])


def load_dataset(folder: Path) -> Dataset:
    tensors = load_file(str(folder / DATASET_FILE))
    index = json.loads((folder / INDEX_FILE).read_text())
    return Dataset(
        names=index["names"],
        keywords=index["keywords"],
        vocab=Vocabulary.load(folder / VOCAB_FILE),
        audio=tensors["audio"].float() / 32767,
        mel=tensors["mel"].float(),
        keyword_weights=tensors["keyword_weights"].float(),
        held_out=tensors["held_out"].bool(),
        origins=index.get("origins") or [LIBRARY_ORIGIN] * len(index["names"]),
        groups=index.get("groups") or list(index["names"]),
    )


def synthetic_corpus(count: int, seed: int) -> Iterator[tuple[str, KickParams]]:
    """(file name, parameters) of `count` procedural kicks, the styles in turn, reproducible.

    The file name carries the kick's grounded keywords, then its index (a number, so not a
    keyword), the way a producer's library names its files.
    """
    for index, params in enumerate(draw_params(count, seed)):
        yield "_".join([*keywords_for(params), f"{index:05d}"]) + ".wav", params


def write_synthetic_corpus(folder: Path, count: int, seed: int) -> list[Path]:
    """Render the procedural corpus as 16-bit WAV files (files already there are kept)."""
    return write_corpus(folder, synthetic_corpus(count, seed))


def write_corpus(folder: Path, kicks: Iterable[tuple[str, KickParams]]) -> list[Path]:
    """Render (file name, parameters) pairs as 16-bit WAV files (files already there are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder / name, params) for name, params in kicks]
    map_on_cores(_write_kick, [job for job in jobs if not job[0].exists()], desc="synth")
    return [path for path, _ in jobs]


def _write_kick(job: tuple[Path, KickParams]) -> None:
    path, params = job
    soundfile.write(path, render_kick(params), SAMPLE_RATE, subtype="PCM_16")


def batches(
    count: int,
    batch_size: int,
    generator: torch.Generator,
    weights: torch.Tensor | None = None,
) -> Iterator[torch.Tensor]:
    """Endless shuffled index batches, every item once per epoch (smaller sets: one batch); with
    `weights`, items are drawn with replacement in proportion to them (oversampling)."""
    batch_size = min(batch_size, count)
    if weights is not None and not bool((weights == weights[0]).all()):
        while True:
            yield torch.multinomial(weights, batch_size, replacement=True, generator=generator)
    while True:
        order = torch.randperm(count, generator=generator)
        for start in range(0, count - batch_size + 1, batch_size):
            yield order[start : start + batch_size]
