"""The evaluation: its measures on known signals, and a full run on a tiny random model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from gpu_worker.audio import LogMelSpectrogram, decode_wav, encode_wav, postprocess
from gpu_worker.config import ModelConfig
from gpu_worker.data import (
    LIBRARY_ORIGIN,
    Layering,
    layered_origin,
    load_dataset,
    mix_datasets,
    prepare_folder,
    write_synthetic_corpus,
)
from gpu_worker.descriptors import find_artifacts, rings_on
from gpu_worker.evaluate import (
    SPREAD_SEEDS,
    WORDED_KICKS_MIN,
    ArtifactTally,
    EvaluationSettings,
    RealReference,
    as_delivered,
    decoded_pair_gaps,
    evaluate,
    generate_audio,
    held_out_reference,
    main,
    real_reference,
    realism,
    render_variations,
    variation_distances,
)
from gpu_worker.metrics import FeatureSpace, Floor, frechet_distance, log_mel_statistics, spread
from gpu_worker.pipeline import KickPipeline
from gpu_worker.real_kicks import REAL_ORIGIN, REAL_ORIGINS
from gpu_worker.synth import render_kick, sample_params
from gpu_worker.tests.recorded import prepare_recorded_kits

TINY = {
    "vae": {"channels": [4, 4, 4, 4, 8]},
    "unet": {"channels": [8, 16], "embedding_dim": 16, "attention_heads": 2},
    "keywords": {"embedding_dim": 8},
    "vocoder": {"dim": 8, "intermediate_dim": 16, "num_layers": 1},
}


def test_artifact_checks_catch_each_defect_and_pass_a_clean_kick() -> None:
    config = ModelConfig().audio
    kick = render_kick(sample_params("house", np.random.default_rng(0)))
    clean = postprocess(torch.from_numpy(kick)[None], config)[0].numpy()
    assert not find_artifacts(clean).any()
    assert find_artifacts(np.where(np.arange(clean.size) == 5, np.nan, clean)).nan
    assert find_artifacts(np.clip(clean * 3, -1, 1)).clipping
    assert find_artifacts(clean + 0.2).dc_offset
    cut_off = clean.copy()
    cut_off[-50:] = 0.1  # a voice that stops while still sounding
    assert find_artifacts(cut_off).click_at_end
    assert find_artifacts(clean * 1e-5).silence


def _decaying_sine(decay_s: float) -> np.ndarray:
    t = np.arange(2 * 44_100) / 44_100
    return (0.9 * np.sin(2 * np.pi * 55 * t) * np.exp(-t * 6.9 / decay_s)).astype(np.float32)


def test_decoded_pair_gaps_measure_what_each_stage_keeps_of_a_pair() -> None:
    short = [_decaying_sine(0.15), _decaying_sine(0.2)]
    long = [_decaying_sine(0.7), _decaying_sine(0.9)]
    keywords = [["short"], ["short"], ["long"], ["long", "punchy"]]
    prepared = np.stack(short + long)
    # A decoder that kept every kick, and one that made every kick the first short one.
    decoded = {"prepared": prepared, "kept": prepared.copy(), "flattened": np.stack([short[0]] * 4)}
    [row] = decoded_pair_gaps(decoded, keywords)  # one "punchy" kick and no "soft": left out

    assert row["pair"] == "short → long" and row["descriptor"] == "decay_s"
    assert row["kicks"] == [2, 2]
    assert row["prepared"] > 0.4 and row["kept"] == row["prepared"]
    assert row["flattened"] == 0.0


def test_the_artifact_tally_counts_each_defect_over_every_kick_it_is_given() -> None:
    config = ModelConfig().audio
    kick = render_kick(sample_params("house", np.random.default_rng(0)))
    clean = postprocess(torch.from_numpy(kick)[None], config)[0].numpy()
    tally = ArtifactTally()

    tally.add([clean, clean * 1e-5])
    tally.add([np.where(np.arange(clean.size) == 5, np.nan, clean)])

    assert tally.kicks == 3
    assert tally.counts == {
        "nan": 1,
        "clipping": 0,
        "dc_offset": 0,
        "click_at_end": 0,
        "silence": 1,
    }


def test_realism_averages_its_figures_over_sets_of_as_many_kicks_as_held_out_ones(
    mixed_dataset: Path,
) -> None:
    data = load_dataset(mixed_dataset)
    pipeline = KickPipeline.from_config(ModelConfig.from_dict(TINY), data.vocab, device="cpu")
    reference = real_reference(data, pipeline.config.audio)
    assert reference is not None
    settings = EvaluationSettings(prompts=("techno",), steps=2, seed_sets=3)
    tally = ArtifactTally()

    summary, first_kicks = realism(pipeline, reference, settings, tally)

    # Each set by hand: as many kicks as held-out ones (at least the 32 of the spread), seeds
    # following on from one set to the next.
    count = max(len(reference.features), len(SPREAD_SEEDS))
    ratios, spreads = [], []
    for first in (1000, 1000 + count, 1000 + 2 * count):
        audio = generate_audio(pipeline, "techno", range(first, first + count), settings)
        features = reference.space(np.stack(audio))
        distance = frechet_distance(features[: len(reference.features)], reference.features)
        ratios.append(distance / reference.floor.distance)
        spreads.append(spread(features[:32]))
    [row] = summary["prompts"]
    assert row["ratio"] == pytest.approx(np.mean(ratios))
    assert row["ratio_deviation"] == pytest.approx(np.std(ratios))
    assert row["ratio_deviation"] > 0  # the sets differ
    assert row["spread"] == pytest.approx(np.mean(spreads))
    assert summary["seed_sets"] == 3 and summary["default_ratio"] == row["ratio"]
    assert tally.kicks == 3 * count
    expected_first = generate_audio(pipeline, "techno", range(1000, 1000 + count), settings)
    assert np.array_equal(np.stack(first_kicks), np.stack(expected_first))


def test_frechet_distance_is_zero_for_one_set_and_grows_with_a_shift() -> None:
    features = np.random.default_rng(0).standard_normal((500, 8))
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-5)
    shifted = features + np.array([2.0] + [0.0] * 7)
    assert frechet_distance(features, shifted) == pytest.approx(4.0, rel=1e-3)


def test_the_statistics_do_not_see_below_the_16_bit_noise_floor() -> None:
    config = ModelConfig().audio
    rng = np.random.default_rng(3)
    kicks = torch.from_numpy(
        np.stack([render_kick(sample_params(style, rng)) for style in ("808", "909", "techno")])
    )
    exact = postprocess(kicks, config).numpy()
    as_wav = np.stack([decode_wav(encode_wav(kick, 44_100))[0] for kick in exact])
    # The 16-bit encoding changes only what lies under its last bit: the plain log-mel of the
    # quiet cells moves a lot, the statistics hardly at all.
    plain = LogMelSpectrogram(config)
    with torch.inference_mode():
        moved = (plain(torch.from_numpy(as_wav)) - plain(torch.from_numpy(exact))).abs().max()
    assert moved > 0.1
    difference = log_mel_statistics(as_wav, config) - log_mel_statistics(exact, config)
    assert np.abs(difference).max() < 0.01
    # ...while a change one can hear (3 dB quieter above 4 kHz) still shows.
    quieter = log_mel_statistics(_quieter_highs(exact, config.sample_rate), config)
    assert np.abs(quieter - log_mel_statistics(exact, config)).max() > 0.02


def _quieter_highs(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    spectrum = np.fft.rfft(audio, axis=1)
    frequencies = np.fft.rfftfreq(audio.shape[1], 1 / sample_rate)
    spectrum[:, frequencies > 4000] *= 10 ** (-3 / 20)
    return np.fft.irfft(spectrum, n=audio.shape[1], axis=1).astype(np.float32)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evaluate")
    write_synthetic_corpus(root / "corpus", 24, seed=9)
    return prepare_folder(root / "corpus", root / "data", min_word_count=2, held_out_share=0.3)


def test_reference_kicks_are_compared_as_the_pipeline_delivers_kicks(dataset: Path) -> None:
    data = load_dataset(dataset)
    config = ModelConfig().audio
    held_features, floor = held_out_reference(data, config)
    held_out = data.split(held_out=True).audio
    # A model that reproduced the held-out kicks exactly would still have them faded from 1.0 s,
    # levelled by the post-processing and written as 16-bit WAVs; that alone must cost no distance.
    delivered = np.stack(
        [decode_wav(encode_wav(kick, 44_100))[0] for kick in postprocess(held_out, config)]
    )
    assert frechet_distance(log_mel_statistics(delivered, config), held_features) == (
        pytest.approx(0.0, abs=1e-5)
    )
    as_prepared = log_mel_statistics(held_out.numpy(), config)
    assert frechet_distance(as_prepared, held_features) > 1e-3
    assert floor.distance > 1e-3


def test_evaluation_runs_on_a_tiny_model_and_writes_its_report(
    dataset: Path, tmp_path: Path
) -> None:
    data = load_dataset(dataset)
    pipeline = KickPipeline.from_config(ModelConfig.from_dict(TINY), data.vocab, device="cpu")
    settings = EvaluationSettings(
        prompts=("hit house", "techno"),
        kicks_per_prompt=2,
        pair_seeds=1,
        frechet_kicks=4,
        steps=2,
        guidance_sweep=(1.0,),
        variation_parents=2,
        variations_per_parent=1,
        variation_strengths=(0.3, 0.7),
    )
    report = evaluate(pipeline, data, tmp_path, settings)

    assert set(report.artifacts) == {"nan", "clipping", "dc_offset", "click_at_end", "silence"}
    # 2 prompts x 2 kicks, 1 seed x 2 sides x (house, techno) per pair, 4 matched kicks; the
    # pairs and matched kicks once more at the swept guidance; 2 parents and 1 variation of each
    # at 2 strengths.
    pairs = len(report.keyword_control)
    assert pairs >= 1
    contexts = sum(word in data.vocab for word in ("house", "techno"))
    assert report.generated_count == 4 + 2 * (pairs * 2 * contexts + 4) + 2 + 2 * 2
    assert report.variations["strengths"] == [0.3, 0.7]
    assert len(report.variations["to_parent"]) == 2 and report.variations["unrelated"] > 0
    [swept] = report.guidance_sweep
    assert swept["guidance"] == 1.0
    assert swept["ratio"] == pytest.approx(
        swept["frechet"] / report.frechet["training_vs_held_out"]
    )
    assert 0.0 <= swept["weakest_share"] <= 1.0
    assert all(0.0 <= row["share"] <= 1.0 for row in report.keyword_control)
    assert report.frechet["training_vs_held_out"] > 0
    assert report.frechet["vocoder_vs_held_out"] > 0
    assert report.frechet["reconstruction_vs_held_out"] > 0
    assert report.frechet["ratio"] == pytest.approx(
        report.frechet["generated_vs_held_out"] / report.frechet["training_vs_held_out"]
    )
    markdown = (tmp_path / "report.md").read_text()
    assert '| generated "hit house" | 2 |' in markdown
    assert "| training vs held-out (floor: the mean of 32 draws) |" in markdown
    assert "| VAE + vocoder reconstructions vs held-out |" in markdown
    assert "| pair | descriptor | kicks (low / high) | as prepared | vocoder alone |" in markdown
    assert "| guidance | Fréchet vs held-out | × floor |" in markdown
    assert "| strength | 0.3 | 0.7 | unrelated kick |" in markdown
    assert json.loads((tmp_path / "metrics.json").read_text())["generated_count"] == (
        report.generated_count
    )
    assert (tmp_path / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_cli_evaluates_a_saved_model(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = load_dataset(dataset)
    KickPipeline.from_config(ModelConfig.from_dict(TINY), data.vocab).save_pretrained(
        tmp_path / "model"
    )
    main(
        [
            "--model",
            str(tmp_path / "model"),
            "--data",
            str(dataset),
            "--out",
            str(tmp_path / "out"),
            "--kicks-per-prompt",
            "1",
            "--pair-seeds",
            "1",
            "--frechet-kicks",
            "3",
            "--steps",
            "1",
            "--guidance-sweep",
            "1,2.5",
        ]
    )
    printed = capsys.readouterr().out
    assert "### Keyword control" in printed
    assert "| 1 |" in printed and "| 2.5 |" in printed
    assert (tmp_path / "out" / "report.md").exists()


@pytest.fixture(scope="module")
def mixed_dataset(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The procedural dataset mixed with "recorded" kicks in four kits, two of them held out, half
    its kicks layered under recorded tops of their own side of the split."""
    root = tmp_path_factory.mktemp("mixed")
    kits = (("kit-a", "acoustic"), ("kit-b", "808"), ("kit-c", "909"), ("kit-d", "lofi"))
    real = prepare_recorded_kits(root, kits, kicks_per_kit=4, held_out_share=0.5, seed=5)
    assert 0 < int(load_dataset(real).held_out.sum()) < 16
    layering = Layering(LIBRARY_ORIGIN, REAL_ORIGINS, share=0.5)
    return mix_datasets([dataset, real], root / "data", {REAL_ORIGIN: 1}, layering, seed=0)


def test_the_evaluation_measures_against_held_out_real_kits(
    mixed_dataset: Path, tmp_path: Path
) -> None:
    data = load_dataset(mixed_dataset)
    pipeline = KickPipeline.from_config(ModelConfig.from_dict(TINY), data.vocab, device="cpu")
    settings = EvaluationSettings(
        prompts=("techno", "hit house"),
        kicks_per_prompt=1,
        pair_seeds=1,
        frechet_kicks=4,
        steps=2,
        guidance_sweep=(1.0,),
        variation_parents=2,
        variations_per_parent=1,
    )
    report = evaluate(pipeline, data, tmp_path, settings)

    real = report.real
    held_out_real = data.of_origin(REAL_ORIGIN).split(held_out=True)
    assert real["held_out_kicks"] == len(held_out_real)
    assert real["held_out_kits"] == sorted(set(held_out_real.groups))
    assert real["floor"] > 0 and real["floor_deviation"] >= 0
    # The model's default prompt comes first, once, whatever the order of the style prompts.
    assert [row["prompt"] for row in real["prompts"]] == ["hit house", "techno"]
    for row in real["prompts"]:
        assert row["ratio"] == pytest.approx(row["frechet"] / real["floor"])
        assert row["spread"] >= 0
        assert 0.0 <= row["precision"] <= 1.0
    assert real["default_prompt"] == "hit house"
    assert real["default_precision"] == real["prompts"][0]["precision"]
    assert 0.0 <= real["coverage"] <= 1.0 and 0.0 <= real["floor_precision"] <= 1.0
    assert real["default_ringing"] == real["prompts"][0]["ringing"]
    assert real["held_out_ringing"] == pytest.approx(
        np.mean(
            [rings_on(kick) for kick in as_delivered(held_out_real.audio, pipeline.config.audio)]
        )
    )
    # The procedural figures leave the recorded kicks out and count the layered ones, held out
    # and training alike.
    layered = data.of_origin(layered_origin(LIBRARY_ORIGIN))
    assert layered.held_out.any() and not layered.held_out.all()
    procedural = data.of_origin(LIBRARY_ORIGIN, layered_origin(LIBRARY_ORIGIN))
    assert report.descriptors[0]["count"] == len(procedural.split(held_out=True))
    _, procedural_floor = held_out_reference(procedural, pipeline.config.audio)
    assert report.frechet["training_vs_held_out"] == pytest.approx(procedural_floor.distance)
    assert (tmp_path / "real_vs_generated.png").stat().st_size > 10_000
    assert "Against recorded kicks of held-out kits" in (tmp_path / "report.md").read_text()
    [swept] = report.guidance_sweep
    assert swept["real_ratio"] > 0 and swept["spread"] >= 0


def test_the_cli_compares_two_models_on_the_same_data(mixed_dataset: Path, tmp_path: Path) -> None:
    data = load_dataset(mixed_dataset)
    folders = []
    for name, seed in (("model-a", 0), ("model-b", 1)):
        torch.manual_seed(seed)
        pipeline = KickPipeline.from_config(ModelConfig.from_dict(TINY), data.vocab, device="cpu")
        pipeline.save_pretrained(tmp_path / name)
        folders.append(str(tmp_path / name))
    main(
        [
            *("--model", folders[0], "--model", folders[1]),
            *("--data", str(mixed_dataset), "--out", str(tmp_path / "eval")),
            *("--kicks-per-prompt", "1", "--pair-seeds", "1", "--frechet-kicks", "2"),
            *("--steps", "2"),
        ]
    )
    comparison = (tmp_path / "eval" / "comparison.md").read_text()
    assert comparison.splitlines()[0] == "| measure | model-a | model-b |"
    assert "spread of 32 default-prompt kicks" in comparison
    # Each model is measured at its own default prompt, which the table names.
    assert '| default prompt | "hit house" | "hit house" |' in comparison
    for name in ("model-a", "model-b"):
        assert (tmp_path / "eval" / name / "metrics.json").exists()


def test_variation_distances_are_measured_against_their_parent_and_an_unrelated_kick() -> None:
    pipeline = KickPipeline.from_config(ModelConfig.from_dict(TINY), ["hit", "house"])
    settings = EvaluationSettings(
        steps=4, variation_parents=3, variations_per_parent=2, variation_strengths=(0.0, 1.0)
    )

    variations, generated = variation_distances(pipeline, settings, "hit house")

    assert len(generated) == 3 + 3 * 2 * 2
    parents = pipeline.generate("hit house", seeds=[0, 1, 2], steps=4)
    features = log_mel_statistics(
        np.stack([decode_wav(kick.wav)[0] for kick in parents]), pipeline.config.audio
    )
    pairs = [np.linalg.norm(features[a] - features[b]) for a, b in ((0, 1), (0, 2), (1, 2))]
    assert variations["unrelated"] == pytest.approx(np.mean(pairs))
    # Strength 0 gives the parent back; strength 1 a new kick.
    assert variations["to_parent"][0] == pytest.approx(0.0, abs=1e-3)
    assert variations["to_parent"][1] > 0.1 * variations["unrelated"]
    assert variations["monotonic"] is False  # 0 is not above 0
    table = render_variations(variations)
    assert "| strength | 0 | 1 | unrelated kick |" in table
    assert f"| feature distance to the parent | 0.00 | {variations['to_parent'][1]:.2f} |" in table
    assert "missed" in table


def test_the_cli_measures_variations_without_a_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    KickPipeline.from_config(ModelConfig.from_dict(TINY), ["hit", "house"]).save_pretrained(
        tmp_path / "model"
    )
    main(
        [
            *("--model", str(tmp_path / "model"), "--only-variations", "--steps", "2"),
            *("--variation-parents", "2", "--variations-per-parent", "1"),
        ]
    )
    printed = capsys.readouterr().out
    assert '### Variations of "hit house" (2 parents × 1 variations' in printed
    assert "| strength | 0.1 | 0.25 | 0.4 | 0.6 | 0.9 | unrelated kick |" in printed


def test_the_training_data_of_a_prompt_is_measured_like_its_kicks(dataset: Path) -> None:
    # Training kicks that are the held-out kicks themselves sit on them: no distance, all inside.
    data = load_dataset(dataset)
    data = data.select(torch.arange(len(data)).repeat(2))  # 48 kicks: enough for a spread
    config = ModelConfig().audio
    audio = as_delivered(data.audio, config)
    space = FeatureSpace.of(audio, config)
    reference = RealReference(
        space, audio, space(audio), Floor(1.0, 0.0, 1.0), ["kit"], data.keywords, data
    )

    figures = reference.training_figures((), config)

    assert figures["data_ratio"] == pytest.approx(0.0, abs=1e-4)
    assert figures["data_precision"] == 1.0
    assert figures["data_spread"] > 0
    rare = next(w for own in data.keywords for w in own if sum(w in k for k in data.keywords) < 32)
    assert reference.training_figures((rare,), config) == {}


def test_a_prompts_bound_is_the_held_out_kicks_that_earn_its_measured_words(
    dataset: Path,
) -> None:
    data = load_dataset(dataset)
    data = data.select(torch.arange(len(data)).repeat(2))
    config = ModelConfig().audio
    audio = as_delivered(data.audio, config)
    space = FeatureSpace.of(audio, config)
    features = space(audio)
    keywords = [["short" if i % 2 else "long", "house"] for i in range(len(data))]
    reference = RealReference(space, audio, features, Floor(2.0, 0.0, 1.0), ["kit"], keywords, data)

    long_rows = [i for i in range(len(data)) if i % 2 == 0]
    assert reference.held_out_figures(("long", "house")) == {
        "held_out_ratio": pytest.approx(frechet_distance(features[long_rows], features) / 2.0),
        "held_out_count": len(long_rows),
    }
    # A word that is not measured narrows nothing to score against; too few kicks, no bound.
    assert reference.held_out_figures(("house",)) == {}
    assert reference.held_out_figures(("deep",)) == {}
    few = [["long"] if i < WORDED_KICKS_MIN - 1 else ["short"] for i in range(len(data))]
    assert dataclasses.replace(reference, keywords=few).held_out_figures(("long",)) == {}


def test_a_kick_rings_on_when_its_tail_stays_loud_and_bright() -> None:
    t = np.arange(2 * 44_100) / 44_100
    noise = np.random.default_rng(0).standard_normal(t.size)
    # A kick's body dies away; a long 808 stays loud but low; a buzz stays loud and bright.
    assert not rings_on(_decaying_sine(0.4))
    assert not rings_on(0.9 * np.sin(2 * np.pi * 45 * t) * np.exp(-t * 1.5))
    assert rings_on(_decaying_sine(0.4) + 0.2 * noise * (t < 1.5))
    # Bright but quiet: a faint noise floor under a decayed kick is not ringing.
    assert not rings_on(_decaying_sine(0.4) + 0.001 * noise)
    assert not rings_on(np.zeros(t.size))
