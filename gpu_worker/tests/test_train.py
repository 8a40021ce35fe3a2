"""Training on CPU with tiny models: every stage runs, lowers its loss, checkpoints and resumes,
and the exported folder loads into the pipeline."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import torch

from gpu_worker.audio import LogMelSpectrogram
from gpu_worker.config import ModelConfig
from gpu_worker.data import (
    HELD_OUT_SHARE,
    is_held_out,
    load_dataset,
    prepare_folder,
    synthetic_corpus,
    write_synthetic_corpus,
)
from gpu_worker.models import VAE, KeywordEncoder, UNet, Vocabulary, Vocoder
from gpu_worker.pipeline import KickPipeline
from gpu_worker.real_kicks import REAL_ORIGIN
from gpu_worker.sampler import DDIMSampler
from gpu_worker.tests.recorded import prepare_recorded_kits
from gpu_worker.train.__main__ import TWINS_FOLDER, _settings, build_parser, main
from gpu_worker.train.common import (
    Budget,
    LearningRate,
    checkpoint_path,
    load_checkpoint,
    run_config,
)
from gpu_worker.train.diffusion import (
    DiffusionTraining,
    prompt_matched_rows,
    thin_keywords,
    train_diffusion,
)
from gpu_worker.train.export import SUMMARY_FILE
from gpu_worker.train.init import init_run
from gpu_worker.train.recipe import run_side_by_side
from gpu_worker.train.vae import VAETraining, train_vae, trained_vae, vae_loss
from gpu_worker.train.vocoder import (
    VocoderTraining,
    attack_loss,
    train_vocoder,
    vocoder_loss,
)

TINY = {
    "vae": {"channels": [4, 4, 4, 4, 8]},
    "unet": {"channels": [8, 16], "embedding_dim": 16, "attention_heads": 2},
    "keywords": {"embedding_dim": 8},
    "vocoder": {"dim": 8, "intermediate_dim": 16, "num_layers": 1},
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("train")
    write_synthetic_corpus(root / "corpus", 12, seed=5)
    return prepare_folder(root / "corpus", root / "data", min_word_count=2, held_out_share=0.0)


@pytest.fixture
def config() -> ModelConfig:
    return ModelConfig.from_dict(TINY)


def _vae_loss(run: Path, config: ModelConfig, dataset: Path) -> float:
    vae = VAE(config.vae, config.audio)
    load_checkpoint(run, "vae", {"vae": vae})
    torch.manual_seed(0)
    with torch.no_grad():
        return vae_loss(vae, load_dataset(dataset).mel, 1e-3, VAETraining.attack_weight)[1]["loss"]


def test_vae_training_lowers_its_loss_and_resumes(
    dataset: Path, config: ModelConfig, tmp_path: Path
) -> None:
    settings = VAETraining(batch_size=12, learning_rate=3e-3, kl_anneal_steps=1)
    progress = train_vae(dataset, tmp_path, Budget(0, max_steps=0), settings, config=config)
    assert progress.step == 0
    before = _vae_loss(tmp_path, config, dataset)
    train_vae(dataset, tmp_path, Budget(0, max_steps=6), settings)
    progress = train_vae(dataset, tmp_path, Budget(0, max_steps=12), settings)
    assert progress.step == 12  # the second call resumed at step 6
    assert _vae_loss(tmp_path, config, dataset) < before
    assert progress.extra["scaling_factor"] > 0
    log = (tmp_path / "logs" / "vae.log").read_text()
    assert "resuming the VAE at step 6" in log and "latent scaling factor" in log


def test_learning_rate_is_constant_then_falls_linearly_to_zero() -> None:
    schedule = LearningRate(1e-3, decay_share=0.2)
    assert [schedule.at(done) for done in (0.0, 0.5, 0.8)] == pytest.approx([1e-3] * 3)
    assert schedule.at(0.9) == pytest.approx(5e-4)
    assert schedule.at(1.0) == 0.0
    assert LearningRate(1e-3).at(1.0) == 1e-3
    with pytest.raises(ValueError, match="between 0 and 1"):
        LearningRate(1e-3, decay_share=1.5)


def _stored_learning_rate(run: Path, stage: str) -> float:
    state = torch.load(checkpoint_path(run, stage), weights_only=True)
    return state["optimizers"]["adam"]["param_groups"][0]["lr"]


def test_a_resumed_stage_takes_the_learning_rate_given_now(
    dataset: Path, config: ModelConfig, tmp_path: Path
) -> None:
    constant = VAETraining(batch_size=12, learning_rate=3e-3, decay_share=0.0)
    train_vae(dataset, tmp_path, Budget(0, max_steps=2), constant, config=config)
    assert _stored_learning_rate(tmp_path, "vae") == 3e-3
    # Resumed with another rate that decays over the whole invocation: steps 3 and 4 of 4 run at
    # 1e-4 x (1 - 0/2) and 1e-4 x (1 - 1/2), whatever the optimizer state said.
    decaying = VAETraining(batch_size=12, learning_rate=1e-4, decay_share=1.0)
    train_vae(dataset, tmp_path, Budget(0, max_steps=4), decaying)
    assert _stored_learning_rate(tmp_path, "vae") == pytest.approx(5e-5)


def _diffusion_loss(
    run: Path, config: ModelConfig, vocab_size: int, latents: torch.Tensor, weights: torch.Tensor
) -> float:
    unet = UNet(config.unet, config.vae.latent_channels, config.keywords.embedding_dim)
    keywords = KeywordEncoder(config.keywords, vocab_size)
    load_checkpoint(run, "diffusion", {"unet": unet, "keywords": keywords})
    sampler = DDIMSampler(config.diffusion)
    generator = torch.Generator().manual_seed(0)
    total = 0.0
    with torch.no_grad():
        for _ in range(4):
            noise = torch.randn(latents.shape, generator=generator)
            t = sampler.sample_training_timesteps(len(latents), generator=generator)
            prediction = unet(sampler.add_noise(latents, noise, t), t, keywords(weights))
            target = sampler.training_target(latents, noise, t)
            total += float(torch.nn.functional.mse_loss(prediction, target))
    return total / 4


@pytest.mark.parametrize("prompt_matched_share", [0.0, 1.0])
def test_diffusion_training_lowers_its_loss(
    dataset: Path, config: ModelConfig, tmp_path: Path, prompt_matched_share: float
) -> None:
    train_vae(dataset, tmp_path, Budget(0, max_steps=2), VAETraining(batch_size=12), config=config)
    settings = DiffusionTraining(
        batch_size=12, learning_rate=3e-3, prompt_matched_share=prompt_matched_share
    )
    train_diffusion(dataset, tmp_path, Budget(0, max_steps=0), settings)
    data = load_dataset(dataset)
    vae, scale = trained_vae(tmp_path, config)
    with torch.no_grad():
        latents = vae.encode(data.mel).mean * scale
    vocab_size = len(data.vocab)
    before = _diffusion_loss(tmp_path, config, vocab_size, latents, data.keyword_weights)
    progress = train_diffusion(dataset, tmp_path, Budget(0, max_steps=30), settings)
    assert progress.step == 30
    after = _diffusion_loss(tmp_path, config, vocab_size, latents, data.keyword_weights)
    assert after < before
    # The EMA copies are checkpointed beside the trained weights.
    state = torch.load(checkpoint_path(tmp_path, "diffusion"), weights_only=True)
    assert {"unet", "keywords", "ema_unet", "ema_keywords"} <= set(state["modules"])


def test_keyword_thinning_keeps_a_subset_or_drops_all() -> None:
    weights = torch.zeros(2000, 10)
    weights[:, :6] = 1
    thinned = thin_keywords(weights, DiffusionTraining(), torch.Generator().manual_seed(0))
    assert torch.all(thinned <= weights)
    empty = thinned.sum(1) == 0
    assert 0.12 < float(empty.float().mean()) < 0.18  # the unconditional share
    kept = thinned[~empty].sum(1)
    assert float(kept.min()) >= 1 and 2.5 < float(kept.mean()) < 3.5


def test_a_prompt_is_paired_with_any_kick_that_carries_its_words() -> None:
    # Words: 0 "techno", 1 "long", 2 "deep", 3 "recorded". Kicks 0-2 are techno (one bare, two
    # with more words), kick 3 is recorded, kick 4 is a recorded techno kick drawn twice as often.
    kicks = torch.tensor(
        [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 0, 1], [1, 0, 0, 1]], dtype=torch.float
    )
    sampling = torch.tensor([1.0, 1.0, 1.0, 1.0, 2.0])
    techno, long_techno, empty = [1.0, 0, 0, 0], [1.0, 1, 0, 0], [0.0, 0, 0, 0]
    prompts = torch.tensor([techno] * 5000 + [long_techno] * 2000 + [empty] * 6000)
    drawn = torch.zeros(len(prompts), dtype=torch.long)
    nothing_kept = torch.zeros(4, dtype=torch.bool)
    rows = prompt_matched_rows(
        prompts, drawn, kicks, sampling, nothing_kept, torch.Generator().manual_seed(0)
    )

    def shares(matched: torch.Tensor) -> list[float]:
        return (torch.bincount(matched, minlength=5).float() / len(matched)).tolist()

    # Every techno kick, each as often as its sampling weight says, whatever its other words.
    assert shares(rows[:5000]) == pytest.approx([0.2, 0.2, 0.2, 0.0, 0.4], abs=0.03)
    assert shares(rows[5000:7000]) == pytest.approx([0.0, 0.5, 0.5, 0.0, 0.0], abs=0.04)
    # No words: the whole training distribution.
    assert shares(rows[7000:]) == pytest.approx([1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 3], abs=0.03)


def test_a_matched_kick_keeps_the_drawn_kicks_punch_word() -> None:
    # Words: 0 "techno", 1 "soft", 2 "punchy". Kick 0 is a soft techno kick, 1 a punchy one, 2
    # neither; each prompt is the bare "techno" thinned from one of them.
    kicks = torch.tensor([[1, 1, 0], [1, 0, 1], [1, 0, 0]], dtype=torch.float)
    prompts = torch.tensor([[1.0, 0, 0]] * 3000)
    drawn = torch.arange(3000) % 3
    punch = torch.tensor([False, True, True])
    rows = prompt_matched_rows(
        prompts, drawn, kicks, torch.ones(3), punch, torch.Generator().manual_seed(0)
    )
    assert torch.equal(rows, drawn)
    # Without kept words any techno kick is drawn.
    rows = prompt_matched_rows(
        prompts,
        drawn,
        kicks,
        torch.ones(3),
        torch.zeros(3, dtype=torch.bool),
        torch.Generator().manual_seed(0),
    )
    assert set(rows[drawn == 0].tolist()) == {0, 1, 2}


def test_the_attack_loss_sees_the_first_100_ms_only() -> None:
    rate = 44_100
    t = torch.arange(2 * rate) / rate
    kick = (torch.sin(2 * torch.pi * 50 * t) * torch.exp(-t * 8))[None]
    click = torch.zeros_like(kick)
    click[:, 100:140] = 0.5

    def shifted(at_s: float) -> torch.Tensor:
        return kick + torch.roll(click, round(at_s * rate), dims=1)

    assert float(attack_loss(kick, kick, rate)) == pytest.approx(0.0, abs=1e-6)
    assert float(attack_loss(shifted(0.03), kick, rate)) > 0.05
    assert float(attack_loss(shifted(0.5), kick, rate)) == pytest.approx(0.0, abs=1e-6)


def test_vocoder_training_lowers_its_loss(
    dataset: Path, config: ModelConfig, tmp_path: Path
) -> None:
    (tmp_path / "config.json").write_text(json.dumps(config.to_dict()))
    settings = VocoderTraining(batch_size=12, learning_rate=3e-3)
    train_vocoder(dataset, tmp_path, Budget(0, max_steps=0), settings)
    data = load_dataset(dataset)
    to_mel = LogMelSpectrogram(config.audio)

    def loss() -> float:
        vocoder = Vocoder(config.vocoder, config.audio)
        load_checkpoint(tmp_path, "vocoder", {"vocoder": vocoder})
        with torch.no_grad():
            return vocoder_loss(vocoder, to_mel, data.mel, data.audio, settings)[1]["loss"]

    before = loss()
    train_vocoder(dataset, tmp_path, Budget(0, max_steps=8), settings)
    assert loss() < before


def test_the_cli_trains_every_stage_and_exports_a_loadable_model(tmp_path: Path) -> None:
    config_file = tmp_path / "tiny.json"
    config_file.write_text(json.dumps(TINY))
    common = ["--data", str(tmp_path / "data"), "--run", str(tmp_path / "run")]
    main(
        [
            "prepare",
            "--synthetic",
            "10",
            "--corpus",
            str(tmp_path / "corpus"),
            "--min-word-count",
            "2",
            *common,
        ]
    )
    main(["vae", *common, "--minutes", "0", "--max-steps", "2", "--config", str(config_file)])
    main(["diffusion", *common, "--minutes", "0", "--max-steps", "2", "--batch-size", "4"])
    main(
        [
            "vocoder",
            *common,
            "--minutes",
            "0",
            "--max-steps",
            "2",
            "--batch-size",
            "2",
            "--vae-share",
            "0.5",
        ]
    )
    main(["export", *common, "--out", str(tmp_path / "model")])

    summary = json.loads((tmp_path / "run" / SUMMARY_FILE).read_text())
    assert summary["vae"]["steps"] == 2 and summary["vocoder"]["steps"] == 2
    pipeline = KickPipeline.from_pretrained(tmp_path / "model", device="cpu")
    assert pipeline.config.vae.channels == (4, 4, 4, 4, 8)
    assert pipeline.config.vae.scaling_factor == pytest.approx(
        load_checkpoint(tmp_path / "run", "vae", {}).extra["scaling_factor"]
    )
    [kick] = pipeline.generate("hit house", seed=1, steps=2)
    assert kick.wav[:4] == b"RIFF" and kick.seed == 1


def test_the_default_recipe_trains_both_phases_side_by_side_and_exports(tmp_path: Path) -> None:
    config_file = tmp_path / "tiny.json"
    config_file.write_text(json.dumps(TINY))
    run = tmp_path / "run"
    main(
        [
            "all",
            "--synthetic",
            "10",
            "--corpus",
            str(tmp_path / "corpus"),
            "--min-word-count",
            "2",
            "--data",
            str(tmp_path / "data"),
            "--run",
            str(run),
            "--config",
            str(config_file),
            "--minutes",
            "0.1",
            "--threads",
            "1",
        ]
    )
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert all(summary[stage]["steps"] > 0 for stage in ("vae", "diffusion", "vocoder"))
    # The second phase's vocoder continued the first's, now also on VAE reconstructions.
    vocoder_log = (run / "logs" / "vocoder.log").read_text()
    assert "VAE mels for 0 % of each batch" in vocoder_log
    assert "resuming the vocoder at step" in vocoder_log
    assert "VAE mels for 50 % of each batch" in vocoder_log
    pipeline = KickPipeline.from_pretrained(run / "model", device="cpu")
    assert pipeline.config.vae.channels == (4, 4, 4, 4, 8)
    [kick] = pipeline.generate("hit house", seed=1, steps=2)
    assert kick.wav[:4] == b"RIFF"


def test_a_failing_stage_stops_the_stage_beside_it(
    dataset: Path, tmp_path: Path, config: ModelConfig
) -> None:
    run_config(tmp_path, config)
    common = {"data_dir": dataset, "run_dir": tmp_path, "seed": 0, "device": "cpu"}
    jobs = [
        ("diffusion", {**common, "budget": Budget(0, max_steps=1)}),  # no VAE in this run
        ("vocoder", {**common, "budget": Budget(30)}),
    ]
    with pytest.raises(RuntimeError, match="stage diffusion failed .*; stopped vocoder"):
        run_side_by_side(jobs, threads=1)


def test_a_stage_needing_the_vae_says_so(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no vae checkpoint"):
        train_diffusion(dataset, tmp_path, Budget(0, max_steps=1))


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(
        torch.equal(x, y)
        for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    )


def _tiny_model_folder(dataset: Path, folder: Path, scaling_factor: float = 0.7) -> KickPipeline:
    config = ModelConfig.from_dict(
        {**TINY, "vae": {**TINY["vae"], "scaling_factor": scaling_factor}}
    )
    torch.manual_seed(3)
    pipeline = KickPipeline.from_config(config, load_dataset(dataset).vocab, device="cpu")
    pipeline.save_pretrained(folder)
    return pipeline


def test_a_run_initialised_from_a_model_fine_tunes_it_and_exports_it_again(
    dataset: Path, tmp_path: Path
) -> None:
    source = _tiny_model_folder(dataset, tmp_path / "model")
    run = tmp_path / "run"
    common = ["--data", str(dataset), "--run", str(run)]
    main(["init", "--from", str(tmp_path / "model"), "--run", str(run)])

    # Untouched stages export exactly what they started from.
    main(["vocoder", *common, "--minutes", "0", "--max-steps", "0"])
    main(["export", *common, "--out", str(tmp_path / "same")])
    same = KickPipeline.from_pretrained(tmp_path / "same", device="cpu")
    assert same.config.vae.scaling_factor == pytest.approx(0.7)
    for name, module in source.models.named().items():
        assert same_weights(module, same.models.named()[name]), name

    # Fine-tuning the vocoder on the VAE's reconstructions starts from the model's weights.
    main(
        [
            "vocoder",
            *common,
            "--minutes",
            "0",
            "--max-steps",
            "3",
            "--batch-size",
            "4",
            "--vae-share",
            "1",
        ]
    )
    main(["export", *common, "--out", str(tmp_path / "tuned")])
    tuned = KickPipeline.from_pretrained(tmp_path / "tuned", device="cpu")
    assert not same_weights(source.models.vocoder, tuned.models.vocoder)
    assert same_weights(source.models.unet, tuned.models.unet)
    assert same_weights(source.models.vae, tuned.models.vae)
    log = (run / "logs" / "vocoder.log").read_text()
    assert "VAE mels for 100 % of each batch" in log

    # The VAE's decoder alone fine-tunes: the latents, and so the U-Net, stay as they were.
    vae_steps = ["--minutes", "0", "--max-steps", "3", "--batch-size", "4"]
    main(["vae", *common, *vae_steps, "--decoder-only", "--attack-weight", "1"])
    main(["export", *common, "--out", str(tmp_path / "decoder")])
    decoder = KickPipeline.from_pretrained(tmp_path / "decoder", device="cpu")
    assert decoder.config.vae.scaling_factor == pytest.approx(0.7)
    for name, parameter in decoder.models.vae.named_parameters():
        unchanged = torch.equal(parameter, dict(source.models.vae.named_parameters())[name])
        assert unchanged == name.startswith("encoder"), name


def test_only_a_trained_vae_has_a_decoder_to_fine_tune(
    dataset: Path, config: ModelConfig, tmp_path: Path
) -> None:
    settings = VAETraining(decoder_only=True)
    with pytest.raises(ValueError, match="no trained VAE whose decoder"):
        train_vae(dataset, tmp_path, Budget(0, max_steps=1), settings, config=config)
    assert not checkpoint_path(tmp_path, "vae").exists()


def test_prepare_mixes_recorded_kicks_with_twins_of_this_fit_only(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    arguments = ["prepare", "--synthetic", "8", "--corpus", str(corpus), "--data", str(data)]
    arguments += ["--twin-bank", "16", "--augmented-copies", "1", "--min-word-count", "1"]
    # A seed whose procedural kicks all fall on the training side: held-out membership hangs on
    # each kick's name, and these recorded kits hold none out to lay a held-out kick's top from.
    arguments += ["--layered-share", "0.75", "--seed", "2"]
    assert not any(is_held_out(name, HELD_OUT_SHARE) for name, _ in synthetic_corpus(8, 2))
    for kits, seed in ((2, 1), (1, 2)):
        kit_styles = [(f"kit-{kit}", "acoustic") for kit in range(kits)]
        real = prepare_recorded_kits(tmp_path / f"real-{kits}", kit_styles, 3, 0.0, seed)
        main([*arguments, "--real", str(real)])
        # An earlier, larger fit's twins are gone: one twin per recorded kick of this fit.
        assert len(list((corpus / TWINS_FOLDER).glob("*.wav"))) == 3 * kits
    mixed = load_dataset(data)
    # Three in four procedural training kicks (none held out here: 8 + 3 twins) get recorded tops.
    layered = round(0.75 * (8 + 3))
    assert Counter(mixed.origins) == {
        "procedural": 8 + 3 - layered,
        "procedural-layered": layered,
        REAL_ORIGIN: 3,
        f"{REAL_ORIGIN}-augmented": 3,
    }


def test_init_refuses_a_run_that_already_has_checkpoints(dataset: Path, tmp_path: Path) -> None:
    _tiny_model_folder(dataset, tmp_path / "model")
    init_run(tmp_path / "model", tmp_path / "run")
    with pytest.raises(FileExistsError, match="already holds vae, diffusion, vocoder"):
        init_run(tmp_path / "model", tmp_path / "run")


def test_a_fine_tuning_run_refuses_a_dataset_with_another_vocabulary(
    dataset: Path, tmp_path: Path
) -> None:
    _tiny_model_folder(dataset, tmp_path / "model")
    run = init_run(tmp_path / "model", tmp_path / "run")
    write_synthetic_corpus(tmp_path / "corpus", 6, seed=77)
    other = prepare_folder(tmp_path / "corpus", tmp_path / "other", min_word_count=1)
    with pytest.raises(ValueError, match="different vocabulary"):
        train_vocoder(other, run, Budget(0, max_steps=1))


def test_a_run_initialised_on_a_dataset_with_a_new_word_learns_it_from_the_null_embedding(
    dataset: Path, tmp_path: Path
) -> None:
    words = load_dataset(dataset).vocab.words
    new_word = words[-1]
    torch.manual_seed(3)
    source = KickPipeline.from_config(
        ModelConfig.from_dict(TINY), Vocabulary(words[:-1]), device="cpu"
    )
    source.save_pretrained(tmp_path / "model")
    run = tmp_path / "run"
    common = ["--data", str(dataset), "--run", str(run)]
    main(["init", "--from", str(tmp_path / "model"), *common])
    main(["diffusion", *common, "--minutes", "0", "--max-steps", "0"])
    main(["export", *common, "--out", str(tmp_path / "grown")])

    grown = KickPipeline.from_pretrained(tmp_path / "grown", device="cpu")
    assert grown.vocabulary.words == words
    before, after = source.models.keywords, grown.models.keywords
    for word in words[:-1]:
        row = after.embedding.weight[grown.vocabulary.ids([word])[0]]
        assert torch.equal(row, before.embedding.weight[source.vocabulary.ids([word])[0]]), word
    new_row = after.embedding.weight[grown.vocabulary.ids([new_word])[0]]
    assert torch.equal(new_row, before.null_embedding)
    assert torch.equal(after.null_embedding, before.null_embedding)
    assert same_weights(source.models.unet, grown.models.unet)


def test_a_run_is_not_initialised_on_a_dataset_that_lacks_a_word_of_the_model(
    dataset: Path, tmp_path: Path
) -> None:
    words = load_dataset(dataset).vocab.words
    KickPipeline.from_config(
        ModelConfig.from_dict(TINY), Vocabulary([*words, "zzz"]), device="cpu"
    ).save_pretrained(tmp_path / "model")
    with pytest.raises(ValueError, match="lacks the model's word.s. zzz"):
        init_run(tmp_path / "model", tmp_path / "run", data_dir=dataset)
    assert not (tmp_path / "run" / "checkpoints").exists()


@pytest.mark.parametrize(
    ("stage", "settings"),
    [("vae", VAETraining), ("diffusion", DiffusionTraining), ("vocoder", VocoderTraining)],
)
def test_real_weight_is_the_stage_s_own_unless_given(stage: str, settings: type) -> None:
    parser = build_parser()
    assert _settings(settings, parser.parse_args([stage])).real_weight == settings().real_weight
    given = _settings(settings, parser.parse_args([stage, "--real-weight", "2.5"]))
    assert given.real_weight == 2.5


def test_a_run_from_a_distilled_model_exports_its_teacher_without_the_stale_student(
    dataset: Path, tmp_path: Path
) -> None:
    config = ModelConfig.from_dict(
        {**TINY, "sampler": "distilled", "distilled": {"steps": 2, "guidance": 2.0}}
    )
    torch.manual_seed(3)
    KickPipeline.from_config(config, load_dataset(dataset).vocab, device="cpu").save_pretrained(
        tmp_path / "model"
    )
    run = tmp_path / "run"
    main(["init", "--from", str(tmp_path / "model"), "--run", str(run)])
    main(["export", "--data", str(dataset), "--run", str(run), "--out", str(tmp_path / "out")])

    exported = KickPipeline.from_pretrained(tmp_path / "out", device="cpu")
    assert exported.config.sampler == "ddim" and not exported.config.distilled.present
    assert exported.models.student is None
    assert not (tmp_path / "out" / "student_unet.safetensors").exists()
