"""Log-mel analysis, the post-processing every generated kick goes through, and WAV encoding."""

from __future__ import annotations

import io

import numpy as np
import soundfile
import torch
import torchaudio
from torch import nn

from gpu_worker.config import AudioConfig


class InvalidAudioError(ValueError):
    """The model produced audio that cannot become a usable kick (non-finite or silent)."""


class LogMelSpectrogram(nn.Module):
    """Waveform (batch, samples) -> normalised log-magnitude mel (batch, n_mels, frames).

    The normalised range maps the mel floor to -1 and ``log_mel_max`` to +1; the VAE and the
    vocoder both work in this range.
    """

    def __init__(self, config: AudioConfig) -> None:
        super().__init__()
        self.config = config
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=config.sample_rate,
            n_fft=config.n_fft,
            hop_length=config.hop,
            win_length=config.n_fft,
            f_min=config.f_min,
            f_max=config.f_max,
            n_mels=config.n_mels,
            power=1.0,
            center=True,
        )

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        if waveform.shape[-1] != self.config.num_samples:
            raise ValueError(
                f"expected {self.config.num_samples} samples, got {waveform.shape[-1]} "
                "(use fit_length first)"
            )
        magnitude = self.mel(waveform)
        return log_mel_to_normalised(
            torch.log(magnitude.clamp_min(self.config.mel_floor)), self.config
        )


def log_mel_to_normalised(log_mel: torch.Tensor, config: AudioConfig) -> torch.Tensor:
    span = config.log_mel_max - config.log_mel_min
    return (log_mel - config.log_mel_min) / span * 2.0 - 1.0


def normalised_to_log_mel(normalised: torch.Tensor, config: AudioConfig) -> torch.Tensor:
    span = config.log_mel_max - config.log_mel_min
    return (normalised + 1.0) / 2.0 * span + config.log_mel_min


def fit_length(waveform: torch.Tensor, num_samples: int) -> torch.Tensor:
    """Zero-pads or trims the last axis to exactly ``num_samples``."""
    missing = num_samples - waveform.shape[-1]
    if missing > 0:
        return torch.nn.functional.pad(waveform, (0, missing))
    return waveform[..., :num_samples]


def fade_out_envelope(config: AudioConfig, device: torch.device | str = "cpu") -> torch.Tensor:
    """Gain per sample: 1 before fade_start, an exponential curve that reaches exactly 0 at
    fade_end (so the tail ends without a click), and 0 after."""
    time = torch.arange(config.num_samples, device=device, dtype=torch.float64) / config.sample_rate
    progress = ((time - config.fade_start_s) / (config.fade_end_s - config.fade_start_s)).clamp(
        0, 1
    )
    floor = torch.exp(torch.tensor(-config.fade_curve, dtype=torch.float64))
    envelope = (torch.exp(-config.fade_curve * progress) - floor) / (1.0 - floor)
    return envelope.to(torch.float32)


def postprocess(waveform: torch.Tensor, config: AudioConfig) -> torch.Tensor:
    """Makes raw vocoder output (batch, samples) sampler-ready.

    Exactly ``duration_s`` long, DC removed, exponential fade-out then digital silence, peak at
    ``peak_dbfs``. Raises InvalidAudioError for non-finite or silent input instead of emitting a
    broken file.
    """
    if waveform.dim() != 2:
        raise ValueError(f"expected (batch, samples), got shape {tuple(waveform.shape)}")
    waveform = fit_length(waveform.to(torch.float64), config.num_samples)
    if not torch.isfinite(waveform).all():
        raise InvalidAudioError("the model produced non-finite audio (NaN or infinity)")
    envelope = fade_out_envelope(config, waveform.device).to(torch.float64)
    # The offset removed before the fade is chosen so that the faded result has exactly zero mean
    # while the silence after fade_end stays exactly zero.
    offset = (waveform * envelope).sum(-1, keepdim=True) / envelope.sum()
    faded = (waveform - offset) * envelope
    peak = faded.abs().amax(-1, keepdim=True)
    # Anything quieter than the 16-bit quantisation step is silence, not a kick.
    if (peak < 2.0**-15).any():
        raise InvalidAudioError("the model produced silent audio")
    target_peak = 10.0 ** (config.peak_dbfs / 20.0)
    return (faded * (target_peak / peak)).to(torch.float32)


def encode_wav(waveform: torch.Tensor | np.ndarray, sample_rate: int) -> bytes:
    """Mono 16-bit PCM RIFF/WAVE, the format every browser's decodeAudioData reads."""
    samples = waveform.detach().cpu().numpy() if isinstance(waveform, torch.Tensor) else waveform
    if samples.ndim != 1:
        raise ValueError(f"expected a mono waveform, got shape {samples.shape}")
    buffer = io.BytesIO()
    soundfile.write(
        buffer, np.clip(samples, -1.0, 1.0), sample_rate, format="WAV", subtype="PCM_16"
    )
    return buffer.getvalue()


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """WAV bytes -> (float32 samples, sample rate); multichannel audio is averaged to mono."""
    samples, sample_rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples.mean(axis=1), sample_rate
