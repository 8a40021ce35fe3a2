"""Configuration dataclasses for every part of the kick generator, stored as one config.json."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self


@dataclass(frozen=True)
class AudioConfig:
    """The audio and log-mel representation shared by data preparation, the VAE and the vocoder."""

    sample_rate: int = 44100
    duration_s: float = 2.0
    n_fft: int = 2048
    hop: int = 512
    n_mels: int = 128
    frames: int = 173
    f_min: float = 0.0
    f_max: float = 22050.0
    # Floor of the magnitude mel before the log: about -100 dB below a full-scale sine.
    mel_floor: float = 1e-5
    # Natural-log magnitudes mapped linearly so that mel_floor -> -1 and log_mel_max -> +1.
    log_mel_max: float = 7.0
    peak_dbfs: float = -0.5
    fade_start_s: float = 1.0
    fade_end_s: float = 1.75
    # Steepness of the exponential fade-out (gain is exp(-fade_curve * u), rescaled to hit 0).
    fade_curve: float = 5.0

    @property
    def num_samples(self) -> int:
        return round(self.sample_rate * self.duration_s)

    @property
    def log_mel_min(self) -> float:
        return math.log(self.mel_floor)

    def __post_init__(self) -> None:
        expected_frames = 1 + self.num_samples // self.hop
        if self.frames != expected_frames:
            raise ValueError(
                f"frames={self.frames} does not match {self.duration_s} s at {self.sample_rate} Hz "
                f"with hop {self.hop} (expected {expected_frames})"
            )
        if not 0.0 <= self.fade_start_s < self.fade_end_s <= self.duration_s:
            raise ValueError("fade must satisfy 0 <= fade_start_s < fade_end_s <= duration_s")


@dataclass(frozen=True)
class VAEConfig:
    """Convolutional VAE over the normalised log-mel (1 x n_mels x frames)."""

    latent_channels: int = 4
    # One entry per resolution level; every level after the first halves both axes.
    channels: tuple[int, ...] = (8, 16, 32, 64, 128)
    # Multiplies the posterior sample so that diffusion latents have about unit variance; set by
    # the training code after the VAE is trained (gpu_worker.train measures it on the corpus).
    scaling_factor: float = 1.0

    @property
    def downsample_factor(self) -> int:
        return 2 ** (len(self.channels) - 1)


@dataclass(frozen=True)
class UNetConfig:
    """Denoising U-Net over the VAE latent, conditioned on the timestep and on keywords."""

    channels: tuple[int, ...] = (48, 96, 128)
    blocks_per_level: int = 1
    # Self-attention at the lowest resolution only (a handful of positions, so it is cheap).
    attention_heads: int = 4
    embedding_dim: int = 192


@dataclass(frozen=True)
class KeywordEncoderConfig:
    embedding_dim: int = 128


@dataclass(frozen=True)
class VocoderConfig:
    """Vocos-style vocoder: ConvNeXt over mel frames -> log-magnitude + phase -> inverse STFT."""

    dim: int = 128
    intermediate_dim: int = 384
    num_layers: int = 8
    kernel_size: int = 7
    # Upper bound of the predicted STFT magnitude (a full-scale sine peaks near 512 = e^6.2), so
    # exp() can never overflow.
    max_log_magnitude: float = 9.2


@dataclass(frozen=True)
class DiffusionConfig:
    """Noise schedule shared by training (add_noise, targets) and DDIM sampling."""

    num_train_timesteps: int = 1000
    beta_schedule: Literal["cosine", "linear", "scaled_linear"] = "cosine"
    beta_start: float = 1e-4
    beta_end: float = 2e-2
    prediction_type: Literal["v_prediction", "epsilon"] = "v_prediction"


@dataclass(frozen=True)
class DistilledConfig:
    """A student U-Net (student_unet.safetensors) distilled from the model's own U-Net
    (gpu_worker.train.distill): it samples in ``steps`` DDIM steps of one pass each, with
    classifier-free guidance at ``guidance`` (and the guidance interval) baked in."""

    steps: int = 0  # 0: the folder holds no student
    guidance: float = 0.0

    @property
    def present(self) -> bool:
        return self.steps > 0


Sampler = Literal["ddim", "distilled"]


@dataclass(frozen=True)
class ModelConfig:
    audio: AudioConfig = field(default_factory=AudioConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    unet: UNetConfig = field(default_factory=UNetConfig)
    keywords: KeywordEncoderConfig = field(default_factory=KeywordEncoderConfig)
    vocoder: VocoderConfig = field(default_factory=VocoderConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    # Sampling defaults of this model (chosen by measurement, see gpu_worker/README.md).
    default_steps: int = 25
    default_guidance: float = 3.0
    # Guidance only on steps whose timestep is at most this share of the schedule; the noisier
    # steps before it run the conditional pass alone. Guidance there mostly narrows the layout of
    # the kick (Kynkäänniemi et al. 2024, "Applying guidance in a limited interval"), while the
    # keyword details are settled later. 1.0 guides every step; 0.8 was measured on kick-gen-v2
    # (Fréchet distance 0.74x the floor instead of 3.4x at guidance 3, keyword control kept).
    guidance_noise_limit: float = 0.8
    # What a kick without keywords is asked for. kick-gen-v1 to v4 were made around "hit house"
    # and their configs name no default prompt.
    default_prompt: str = "hit house"
    # What generate() uses when no steps or guidance are asked for: the guided DDIM above, or the
    # distilled student (one pass per step, `distilled.steps` steps).
    sampler: Sampler = "ddim"
    distilled: DistilledConfig = field(default_factory=DistilledConfig)

    def __post_init__(self) -> None:
        if self.sampler not in ("ddim", "distilled"):
            raise ValueError(f"unknown sampler {self.sampler!r}")
        if self.sampler == "distilled" and not self.distilled.present:
            raise ValueError("sampler 'distilled' needs distilled.steps >= 1")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Builds a config from config.json; unknown keys are an error, missing ones default."""
        return _build_dataclass(cls, data, path="config")

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Self:
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from error
        if not isinstance(data, dict):
            raise ValueError(f"{path} must hold a JSON object")
        return cls.from_dict(data)


def _build_dataclass(cls: type, data: dict[str, Any], path: str) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{path} must be an object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"unknown key(s) in {path}: {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        nested = fields[name].default_factory  # type: ignore[misc]
        if dataclasses.is_dataclass(nested):
            kwargs[name] = _build_dataclass(nested, value, f"{path}.{name}")
        elif isinstance(value, list):
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    return cls(**kwargs)
