"""The distilled sampler: the progressive-distillation target, training rounds on a tiny model,
and the exported folder as the pipeline loads and runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from gpu_worker.config import DiffusionConfig, ModelConfig
from gpu_worker.models import Vocabulary
from gpu_worker.pipeline import KickPipeline, preview_steps
from gpu_worker.sampler import DDIMSampler
from gpu_worker.synth import PAIR_WORDS
from gpu_worker.train.__main__ import main
from gpu_worker.train.common import Budget
from gpu_worker.train.distill import (
    DEFAULT_PROMPT_SHARE,
    SUMMARY_FILE,
    DistillTraining,
    distill,
    random_prompts,
)
from gpu_worker.weights import WEIGHT_FILES, WeightsError, load_model_folder

TINY_DISTILL = DistillTraining(
    teacher_steps=8, student_steps=2, batch_size=16, pool_size=64, validation_kicks=32
)


@pytest.mark.parametrize(
    ("prediction_type", "first_timestep"),
    # An epsilon model's clean estimate divides by sqrt(alpha_bar), which is about 1e-5 at the
    # pure-noise end of the cosine schedule: there, float32 keeps no digits to compare.
    [("v_prediction", 999), ("epsilon", 899)],
)
def test_one_step_with_the_distillation_target_lands_where_the_teacher_landed(
    prediction_type: str, first_timestep: int
) -> None:
    sampler = DDIMSampler(DiffusionConfig(prediction_type=prediction_type))  # type: ignore[arg-type]
    generator = torch.Generator().manual_seed(0)
    noisy, landed = torch.randn(2, 3, 4, 4, generator=generator)
    for timestep, previous in ((first_timestep, 749), (749, 499), (249, -1)):
        clean = sampler.clean_for_step(noisy, timestep, landed, previous)
        # The model output that predicts `clean` from `noisy` at `timestep`.
        alpha_bar = sampler.alphas_cumprod[timestep].float()
        signal, noise_scale = alpha_bar.sqrt(), (1 - alpha_bar).sqrt()
        noise = (noisy - signal * clean) / noise_scale
        output = noise if prediction_type == "epsilon" else signal * noise - noise_scale * clean
        stepped = sampler.step(output, timestep, previous, noisy)
        assert torch.allclose(stepped, landed, atol=1e-4), (timestep, previous)


def test_rounds_halve_the_steps_down_to_the_student() -> None:
    assert DistillTraining(teacher_steps=32, student_steps=4).rounds == [16, 8, 4]
    with pytest.raises(ValueError, match="power of two"):
        DistillTraining(teacher_steps=24, student_steps=5)


def test_random_prompts_never_hold_both_words_of_a_pair() -> None:
    vocabulary = Vocabulary(["house", "techno", "808", *PAIR_WORDS])
    prompts = random_prompts(vocabulary, 400, torch.Generator().manual_seed(1))
    assert prompts.shape == (400, len(vocabulary))
    for index in range(0, len(PAIR_WORDS), 2):
        low, high = vocabulary.ids(PAIR_WORDS[index : index + 2])
        assert not (prompts[:, low] * prompts[:, high]).any()
    word_counts = prompts.sum(1)
    assert (word_counts == 0).any() and (word_counts >= 3).any()  # empty and rich prompts


def test_random_prompts_hold_the_default_prompt_in_its_share() -> None:
    vocabulary = Vocabulary(["house", "techno", "recorded", *PAIR_WORDS])
    default = vocabulary.ids(["recorded"])
    prompts = random_prompts(vocabulary, 2000, torch.Generator().manual_seed(1), default)
    exactly_default = (prompts == vocabulary.multi_hot([default])).all(dim=1)
    assert abs(exactly_default.float().mean().item() - DEFAULT_PROMPT_SHARE) < 0.03
    without = random_prompts(vocabulary, 2000, torch.Generator().manual_seed(1))
    assert (without == vocabulary.multi_hot([default])).all(dim=1).float().mean() < 0.03


@pytest.fixture(scope="module")
def distilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny model (the shape of conftest's tiny_config) and its distilled run."""
    root = tmp_path_factory.mktemp("distill")
    config = ModelConfig.from_dict(
        {
            "vae": {"channels": [4, 8, 8, 8, 8], "scaling_factor": 0.7},
            "unet": {"channels": [8, 16], "attention_heads": 2, "embedding_dim": 16},
            "keywords": {"embedding_dim": 8},
            "vocoder": {"dim": 16, "intermediate_dim": 32, "num_layers": 2},
            "default_steps": 8,
        }
    )
    teacher = KickPipeline.from_config(config, ["hit", "house", "punchy"], seed=0, device="cpu")
    # Random weights predict almost nothing; a visible keyword effect makes guidance matter.
    torch.nn.init.normal_(teacher.models.unet.conv_out.weight, std=0.1)
    teacher.save_pretrained(root / "teacher")
    distill(root / "teacher", root / "run", Budget(0, max_steps=60), TINY_DISTILL, device="cpu")
    return root / "teacher", root / "run"


def test_distillation_brings_the_student_closer_to_its_teacher(
    distilled: tuple[Path, Path],
) -> None:
    _, run = distilled
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert [r["steps"] for r in summary["rounds"]] == [4, 2]
    assert all(r["training_steps"] == 60 for r in summary["rounds"])
    undistilled = summary["undistilled_distance"]
    for round_ in summary["rounds"]:
        # The guided teacher at the student's step count is what distillation has to beat.
        assert round_["distance_to_teacher"] < undistilled[str(round_["steps"])]


def test_the_exported_student_samples_in_its_steps_with_one_pass_each(
    distilled: tuple[Path, Path],
) -> None:
    teacher_folder, run = distilled
    pipeline = KickPipeline.from_pretrained(run / "steps-2", device="cpu")
    assert pipeline.sampling().sampler == "distilled"
    assert pipeline.sampling().steps == 2
    calls: list[int] = []
    for name in ("unet", "student"):
        module = getattr(pipeline.models, name)
        module.register_forward_hook(lambda _m, args, _o, n=name: calls.append((n, len(args[0]))))
    events = []
    kick = pipeline.generate("punchy house", seed=3, on_progress=events.append)[0]
    assert calls == [("student", 1), ("student", 1)]
    assert [e.step for e in events if e.stage.value == "SAMPLING"] == [1, 2]
    calls.clear()
    # Asking for steps or guidance runs the teacher's guided DDIM, unchanged by distillation.
    guided = pipeline.generate("punchy house", seed=3, steps=8)[0]
    assert {name for name, _ in calls} == {"unet"} and len(calls) == 8
    teacher = KickPipeline.from_pretrained(teacher_folder, device="cpu")
    assert guided.wav == teacher.generate("punchy house", seed=3, steps=8)[0].wav
    assert kick.wav != guided.wav


def test_the_student_is_stored_in_half_precision_and_must_be_present(
    distilled: tuple[Path, Path], tmp_path: Path
) -> None:
    import shutil

    from safetensors.torch import load_file

    _, run = distilled
    folder = run / "steps-2"
    assert {t.dtype for t in load_file(folder / WEIGHT_FILES["student"]).values()} == {
        torch.float16
    }
    assert {t.dtype for t in load_file(folder / WEIGHT_FILES["unet"]).values()} == {torch.float32}
    broken = tmp_path / "no-student"
    shutil.copytree(folder, broken)
    (broken / WEIGHT_FILES["student"]).unlink()
    with pytest.raises(WeightsError, match="student_unet.safetensors"):
        load_model_folder(broken)


def test_a_distilled_config_without_steps_is_refused() -> None:
    with pytest.raises(ValueError, match="distilled.steps"):
        ModelConfig(sampler="distilled")
    with pytest.raises(ValueError, match="unknown sampler"):
        ModelConfig(sampler="euler")  # type: ignore[arg-type]


def test_previews_come_at_least_every_fourth_step_and_halfway_in_short_runs() -> None:
    assert list(preview_steps(25)) == [4, 8, 12, 16, 20, 24]
    assert list(preview_steps(4)) == [2]
    assert list(preview_steps(6)) == [3]
    assert list(preview_steps(1)) == []


def test_the_cli_distils_a_model_folder(distilled: tuple[Path, Path], tmp_path: Path) -> None:
    teacher_folder, _ = distilled
    run = tmp_path / "run"
    arguments = ["distill", "--from", str(teacher_folder), "--run", str(run), "--minutes", "0"]
    arguments += ["--teacher-steps", "4", "--student-steps", "2", "--pool-size", "16"]
    main([*arguments, "--max-steps", "2", "--batch-size", "4"])
    assert KickPipeline.from_pretrained(run / "steps-2").sampling().steps == 2
    # A finished round is loaded, not trained again.
    main([*arguments, "--max-steps", "5", "--batch-size", "4"])
    assert json.loads((run / SUMMARY_FILE).read_text())["rounds"][0]["training_steps"] == 2


def test_the_student_learns_the_guidance_asked_for_and_the_export_keeps_it(
    distilled: tuple[Path, Path], tmp_path: Path
) -> None:
    teacher_folder, _ = distilled
    assert KickPipeline.from_pretrained(teacher_folder).config.default_guidance == 3.0
    arguments = ["distill", "--from", str(teacher_folder), "--minutes", "0", "--max-steps", "2"]
    arguments += ["--teacher-steps", "4", "--student-steps", "2", "--pool-size", "16"]
    arguments += ["--batch-size", "4"]
    main([*arguments, "--run", str(tmp_path / "default")])
    main([*arguments, "--run", str(tmp_path / "lower"), "--guidance", "1.5"])
    main([*arguments, "--run", str(tmp_path / "late"), "--guidance-noise-limit", "0.3"])
    config = KickPipeline.from_pretrained(tmp_path / "lower" / "steps-2").config
    assert (config.default_guidance, config.distilled.guidance) == (1.5, 1.5)
    late = KickPipeline.from_pretrained(tmp_path / "late" / "steps-2").config
    assert (late.default_guidance, late.guidance_noise_limit) == (3.0, 0.3)
    # The guided teacher itself ran at 1.5, or guided fewer steps: its pool and its undistilled
    # distances differ.
    distances = [
        json.loads((tmp_path / run / SUMMARY_FILE).read_text())["undistilled_distance"]
        for run in ("default", "lower", "late")
    ]
    assert distances[0] != distances[1] and distances[0] != distances[2]


def test_the_export_keeps_the_default_prompt_asked_for_and_refuses_unknown_words(
    distilled: tuple[Path, Path], tmp_path: Path
) -> None:
    teacher_folder, _ = distilled
    assert KickPipeline.from_pretrained(teacher_folder).config.default_prompt == "hit house"
    arguments = ["distill", "--from", str(teacher_folder), "--minutes", "0", "--max-steps", "1"]
    arguments += ["--teacher-steps", "4", "--student-steps", "2", "--pool-size", "8"]
    arguments += ["--batch-size", "4", "--run", str(tmp_path / "punchy")]
    main([*arguments, "--default-prompt", "Punchy"])
    exported = KickPipeline.from_pretrained(tmp_path / "punchy" / "steps-2")
    assert exported.config.default_prompt == "punchy"
    for prompt, unknown in (("punchy recorded", "recorded"), (" - ", "none")):
        settings = DistillTraining(default_prompt=prompt)
        with pytest.raises(ValueError, match=f"vocabulary .unknown: {unknown}"):
            distill(teacher_folder, tmp_path / "refused", Budget(0, max_steps=1), settings)
    assert not (tmp_path / "refused").exists()


def test_a_guidance_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="guidance must be between"):
        DistillTraining(guidance=-1.0)
    for limit in (0.0, 1.5):
        with pytest.raises(ValueError, match="share of the schedule"):
            DistillTraining(guidance_noise_limit=limit)
