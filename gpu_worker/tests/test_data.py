"""Data preparation on an awkward folder: names, formats, channels, rates, sizes and loops."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

from gpu_worker.audio import LogMelSpectrogram
from gpu_worker.augment import LayeringRanges, layer_kick
from gpu_worker.config import AudioConfig
from gpu_worker.data import (
    INDEX_FILE,
    PUNCH_WORDS,
    Layering,
    augmented_origin,
    batches,
    find_kicks,
    keywords_from_name,
    layered_origin,
    load_dataset,
    mix_datasets,
    prepare_folder,
    synthetic_corpus,
    write_synthetic_corpus,
)
from gpu_worker.descriptors import MEASURED_WORDS, describe, measured_keywords
from gpu_worker.synth import keywords_for, render_kick, sample_params

CONFIG = AudioConfig()


def _kick(style: str, seed: int, seconds: float = 2.0, rate: int = 44_100) -> np.ndarray:
    audio = render_kick(sample_params(style, np.random.default_rng(seed)))
    if rate != 44_100:
        times = np.arange(int(seconds * rate)) / rate
        return np.interp(times, np.arange(audio.size) / 44_100, audio, right=0).astype(np.float32)
    return np.pad(audio, (0, max(0, int(seconds * rate) - audio.size)))[: int(seconds * rate)]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("library")
    (root / "Drums" / "Kicks").mkdir(parents=True)
    (root / "More Kicks").mkdir()
    for i in range(6):
        # Awkward names: mixed case, spaces, dots, numbers, single letters, a take number.
        soundfile.write(
            root / "Drums" / "Kicks" / f"Deep House-Kick_{i:02d} v2.wav",
            _kick("house", i),
            44_100,
            subtype="PCM_16",
        )
        # Same file names in another folder: the hash prefix keeps them apart.
        soundfile.write(
            root / "More Kicks" / f"Deep House-Kick_{i:02d} v2.wav",
            _kick("house", 100 + i),
            44_100,
            subtype="PCM_16",
        )
        # Stereo at 48 kHz, as AIFF.
        stereo = np.stack([_kick("909", i, rate=48_000), 0.5 * _kick("909", i, rate=48_000)], 1)
        soundfile.write(root / f"punchy.909.kick.{i}.aiff", stereo, 48_000, subtype="PCM_16")
        # 22.05 kHz FLAC, one second long: padded to 2 s.
        soundfile.write(
            root / f"TECHNO_kick_short_{i}.flac",
            _kick("techno", i, seconds=1.0, rate=22_050),
            22_050,
            subtype="PCM_24",
        )
    soundfile.write(root / "house kick loop 01.wav", _kick("house", 50), 44_100)
    soundfile.write(root / "Kick 128 BPM groove.wav", _kick("house", 51), 44_100)
    soundfile.write(
        root / "tiny kick.wav", _kick("house", 52, seconds=0.02), 44_100, subtype="PCM_16"
    )
    long_take = np.tile(_kick("808", 53), 4)  # 8 s of float32 = 1.4 MB
    soundfile.write(root / "huge kick take.wav", long_take, 44_100, subtype="FLOAT")
    (root / "notes.txt").write_text("not audio")
    (root / "broken kick.wav").write_bytes(b"RIFF" + bytes(8000))  # right size, not audio
    return root


def test_keywords_from_names_follow_the_original_rules() -> None:
    assert keywords_from_name("Deep House-Kick_01 v2.wav") == ["deep", "house", "kick", "v2"]
    assert keywords_from_name("punchy.909.kick.3.aiff") == ["punchy", "909", "kick"]
    assert keywords_from_name("a_B_hit hit  HIT-2024.flac") == ["hit"]


def test_loops_and_files_out_of_the_size_range_are_dropped(library: Path) -> None:
    kept, skipped = find_kicks(library)
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["house kick loop 01.wav"].startswith("a loop")
    assert reasons["Kick 128 BPM groove.wav"].startswith("a loop")
    assert reasons["tiny kick.wav"].startswith("smaller than")
    assert reasons["huge kick take.wav"].startswith("larger than")
    assert "notes.txt" not in reasons and all(c.path.suffix != ".txt" for c in kept)
    assert len(kept) == 25  # 24 kicks and the broken file, which fails when read
    assert len({c.name for c in kept}) == len(kept)


def test_prepared_folder_is_uniform_audio_mels_and_grounded_keywords(
    library: Path, tmp_path: Path
) -> None:
    out = prepare_folder(library, tmp_path / "dataset", CONFIG, held_out_share=0.2)
    data = load_dataset(out)
    assert len(data) == 24
    assert data.audio.shape == (24, CONFIG.num_samples)
    assert data.mel.shape == (24, CONFIG.n_mels, CONFIG.frames)
    assert -1.0 <= float(data.mel.min()) and float(data.mel.max()) <= 1.0
    peaks_db = 20 * np.log10(data.audio.abs().amax(1).numpy())
    np.testing.assert_allclose(peaks_db, -1.0, atol=0.01)
    assert float(data.audio[:, -1].abs().max()) == 0.0  # faded out
    fade = data.audio[:, -int(0.2 * 44_100) :]
    assert float(fade[:, -100:].abs().max()) < 0.01

    # The vocabulary holds the words seen at least 5 times; "v2" (6 x 2) too, single letters
    # and numbers other than drum-machine names never.
    assert data.vocab.words == ("909", "deep", "house", "kick", "punchy", "short", "techno", "v2")
    for name, words in zip(data.names, data.keywords, strict=True):
        assert len(name.split("_", 1)[0]) == 8  # hash prefix
        if name.endswith(".flac"):
            assert words == ["techno", "kick", "short"]
    row = data.names.index(next(n for n in data.names if n.endswith(".aiff")))
    assert data.vocab.words[0] == "909" and data.keyword_weights[row, 0] == 1
    assert 0 < int(data.held_out.sum()) < 24

    index = json.loads((out / INDEX_FILE).read_text())
    assert {s["path"]: s["reason"] for s in index["skipped"]}["broken kick.wav"].startswith(
        "unreadable"
    )


def test_synthetic_corpus_goes_through_the_same_path(tmp_path: Path) -> None:
    paths = write_synthetic_corpus(tmp_path / "corpus", 16, seed=3)
    assert [p.name for p in paths] == [name for name, _ in synthetic_corpus(16, seed=3)]
    out = prepare_folder(tmp_path / "corpus", tmp_path / "dataset", CONFIG, min_word_count=2)
    data = load_dataset(out)
    assert len(data) == 16
    params = [p for _, p in synthetic_corpus(16, seed=3)]
    by_name = {
        n.split("_", 1)[1]: words for n, words in zip(data.names, data.keywords, strict=True)
    }
    for path, p in zip(paths, params, strict=True):
        expected = [w for w in keywords_for(p) if w in data.vocab]
        assert by_name[path.name] == expected


def _procedural_and_real(
    library: Path, root: Path, kicks: int, real_held_out: float, procedural_held_out: float = 0.05
) -> tuple[Path, Path]:
    """A prepared procedural corpus of `kicks` kicks and the library prepared as real kits."""
    write_synthetic_corpus(root / "corpus", kicks, seed=4)
    procedural = prepare_folder(
        root / "corpus",
        root / "procedural",
        CONFIG,
        min_word_count=2,
        held_out_share=procedural_held_out,
        origin="procedural",
    )
    real = prepare_folder(
        library, root / "real", CONFIG, held_out_share=real_held_out, group_depth=1, origin="real"
    )
    return procedural, real


def test_mixing_keeps_each_part_and_augments_only_training_kicks_of_an_origin(
    library: Path, tmp_path: Path
) -> None:
    procedural, real = _procedural_and_real(library, tmp_path, 12, real_held_out=0.7)
    mixed = load_dataset(mix_datasets([procedural, real], tmp_path / "mixed", {"real": 2}, seed=1))
    parts = [load_dataset(procedural), load_dataset(real)]

    assert set(mixed.vocab.words) == {w for part in parts for w in part.vocab.words}
    assert mixed.origins.count("procedural") == len(parts[0])
    assert mixed.origins.count("real") == len(parts[1])
    training_real = int((~parts[1].held_out).sum())
    assert 0 < training_real < len(parts[1])  # whole folders on both sides
    assert mixed.origins.count(augmented_origin("real")) == 2 * training_real
    augmented = mixed.of_origin(augmented_origin("real"))
    assert not bool(augmented.held_out.any())
    assert set(augmented.groups) <= set(parts[1].split(held_out=False).groups)
    assert mixed.held_out.sum() == sum(int(part.held_out.sum()) for part in parts)
    # An augmented kick keeps its source's own words and has its measured words measured again.
    for name, words in zip(augmented.names, augmented.keywords, strict=True):
        source = parts[1].keywords[parts[1].names.index(name.rsplit("~", 1)[0])]
        assert [w for w in words if w not in MEASURED_WORDS] == [
            w for w in source if w not in MEASURED_WORDS
        ]
    np.testing.assert_allclose(20 * np.log10(augmented.audio.abs().amax(1).numpy()), -1, atol=0.01)
    assert augmented.mel.shape[1:] == (CONFIG.n_mels, CONFIG.frames)


def test_a_share_of_the_procedural_kicks_is_layered_under_real_tops_of_their_own_side(
    library: Path, tmp_path: Path
) -> None:
    procedural, real = _procedural_and_real(
        library, tmp_path, 20, real_held_out=0.7, procedural_held_out=0.2
    )
    layering = Layering("procedural", ("real",), share=0.5)
    mixed = load_dataset(mix_datasets([procedural, real], tmp_path / "mixed", None, layering))
    parts = [load_dataset(procedural), load_dataset(real)]

    layered = mixed.of_origin(layered_origin("procedural"))
    for held in (False, True):
        bodies = int((parts[0].held_out == held).sum())
        assert len(layered.split(held_out=held)) == round(0.5 * bodies) > 0
    assert mixed.origins.count("procedural") == len(parts[0]) - len(layered)
    # The recorded kicks stay as they were; a training body takes a training kit's top and a
    # held-out body a held-out kit's top.
    assert torch.equal(mixed.of_origin("real").audio, parts[1].audio)
    assert torch.equal(mixed.held_out, torch.cat([p.held_out for p in parts]))
    tops_of_side = {held: parts[1].split(held_out=held).names for held in (False, True)}
    for name, held in zip(layered.names, layered.held_out.tolist(), strict=True):
        assert name.split("+", 1)[1] in tops_of_side[held]
    for name, words, kick in zip(layered.names, layered.keywords, layered.audio, strict=True):
        source = parts[0].names.index(name.split("+", 1)[0])
        assert not torch.equal(kick, parts[0].audio[source])
        # The synth's own words and its soft/punchy word stay (the top kept the body's attack);
        # the other measured words are measured on the layered kick.
        assert [w for w in words if w not in MEASURED_WORDS or w in PUNCH_WORDS] == [
            w for w in parts[0].keywords[source] if w not in MEASURED_WORDS or w in PUNCH_WORDS
        ]
        assert [w for w in words if w in MEASURED_WORDS - PUNCH_WORDS] == [
            w
            for w in measured_keywords(describe(kick.numpy()))
            if w in mixed.vocab and w not in PUNCH_WORDS
        ]
    np.testing.assert_allclose(20 * np.log10(layered.audio.abs().amax(1).numpy()), -1, atol=0.01)
    # The log-mels the models train on are the layered kicks', not the bodies': compared over the
    # first 20 frames, where the tops sit (the stored audio is 16-bit, the log-mels half-precision).
    bodies = parts[0].audio[[parts[0].names.index(n.split("+")[0]) for n in layered.names]]
    with torch.inference_mode():
        to_layered = (layered.mel - LogMelSpectrogram(CONFIG)(layered.audio))[..., :20].abs()
        to_bodies = (layered.mel - LogMelSpectrogram(CONFIG)(bodies))[..., :20].abs()
    assert to_layered.mean() < 0.2 * to_bodies.mean()


def test_a_body_keeps_its_attack_word_or_stays_unlayered(tmp_path: Path) -> None:
    # Noise that rings on for 300 ms as a top buries the attack of many bodies (4 ms bursts no
    # longer move any of these 24, since the recording chain reached the synth); those bodies are
    # left as they were.
    tops = tmp_path / "bursts"
    tops.mkdir()
    rng = np.random.default_rng(3)
    time = np.arange(CONFIG.sample_rate) / CONFIG.sample_rate
    for i in range(4):
        burst = rng.standard_normal(time.size) * np.exp(-time / 0.3)
        soundfile.write(tops / f"burst {i}.wav", (0.9 * burst / np.abs(burst).max()), 44_100)
    write_synthetic_corpus(tmp_path / "corpus", 24, seed=5)
    procedural, real = (
        prepare_folder(
            folder, tmp_path / origin, CONFIG, min_word_count=1, held_out_share=0.0, origin=origin
        )
        for folder, origin in ((tmp_path / "corpus", "procedural"), (tops, "real"))
    )
    layering = Layering("procedural", ("real",), share=1.0)
    mixed = load_dataset(mix_datasets([procedural, real], tmp_path / "mixed", None, layering))
    bodies = load_dataset(procedural)

    def attack(kick: torch.Tensor) -> set[str]:
        return PUNCH_WORDS & set(measured_keywords(describe(kick.numpy())))

    kept = mixed.of_origin(layered_origin("procedural"))
    left = mixed.of_origin("procedural").split(held_out=False)
    assert len(kept) > 0 and len(left) > 0
    for name, kick in zip(kept.names, kept.audio, strict=True):
        body = bodies.audio[bodies.names.index(name.split("+")[0])]
        assert attack(body) == attack(kick)
    for name, kick in zip(left.names, left.audio, strict=True):
        assert torch.equal(kick, bodies.audio[bodies.names.index(name)])


@pytest.mark.parametrize(("real_held_out", "side"), [(1.0, "training"), (0.0, "held-out")])
def test_layering_without_real_kicks_on_a_side_is_refused_before_anything_is_written(
    library: Path, tmp_path: Path, real_held_out: float, side: str
) -> None:
    procedural, real = _procedural_and_real(
        library, tmp_path, 12, real_held_out=real_held_out, procedural_held_out=0.5
    )
    # Held-out membership hangs on each kick's name, so the procedural kicks must land on both
    # sides for the refusal to be about the real ones.
    assert 0 < int(load_dataset(procedural).held_out.sum()) < 12
    with pytest.raises(ValueError, match=f"no {side} kicks of real to layer with"):
        mix_datasets(
            [procedural, real], tmp_path / "mixed", None, Layering("procedural", ("real",), 0.5)
        )
    assert not (tmp_path / "mixed").exists()


def test_a_layer_adds_the_tops_highs_at_its_level_and_hardly_any_of_its_lows() -> None:
    rate = CONFIG.sample_rate
    time = np.arange(rate) / rate
    body = (0.5 * np.sin(2 * np.pi * 50 * time) * np.exp(-time / 0.3)).astype(np.float32)
    ranges = LayeringRanges(top_gain=(0.8, 0.8), crossover_hz=(200.0, 200.0))
    bright = np.sin(2 * np.pi * 3000 * time).astype(np.float32)
    added = layer_kick(body, bright, rate, np.random.default_rng(0), ranges) - body
    assert np.abs(added[rate // 10 :]).max() == pytest.approx(0.8 * 0.5, rel=0.02)
    low = np.sin(2 * np.pi * 40 * time).astype(np.float32)
    added = layer_kick(body, low, rate, np.random.default_rng(0), ranges) - body
    assert np.abs(added[rate // 10 :]).max() < 0.02 * 0.5


def test_oversampled_origins_fill_their_share_of_the_batches() -> None:
    weights = torch.tensor([1.0] * 90 + [3.0] * 10)  # ten kicks drawn three times as often
    order = batches(100, 50, torch.Generator().manual_seed(0), weights)
    drawn = torch.cat([next(order) for _ in range(200)])
    share = float((drawn >= 90).float().mean())
    assert share == pytest.approx(30 / 120, abs=0.02)
    uniform = batches(100, 50, torch.Generator().manual_seed(0), torch.ones(100))
    assert sorted(torch.cat([next(uniform), next(uniform)]).tolist()) == list(range(100))
