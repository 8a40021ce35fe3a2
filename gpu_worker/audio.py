"""Log-mel analysis, the post-processing every generated kick goes through, WAV encoding, and
the one bounded reader (and resampler) for audio files that come from outside."""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile
import soxr
import torch
import torchaudio
from torch import nn

from gpu_worker.config import AudioConfig


class InvalidAudioError(ValueError):
    """The model produced audio that cannot become a usable kick (non-finite or silent)."""


class UnreadableAudioError(ValueError):
    """An audio file that cannot become a kick: not audio, an absurd header, or too long."""


# Outside these a header is corrupt or hostile rather than unusual.
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 384_000
MAX_CHANNELS = 8
# Frames decoded at a time: multichannel audio is mixed down block by block, so memory follows
# the mono signal, never the channel count or a length the header claims.
READ_BLOCK_FRAMES = 32_768
# libsndfile's frame count for a stream whose header gives no length (SF_COUNT_MAX).
UNKNOWN_LENGTH = 2**63 - 1


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


def to_pcm16(waveforms: torch.Tensor) -> torch.Tensor:
    """Float audio (..., samples) in [-1, 1] -> 16-bit PCM samples, on the audio's own device, so
    that a batch leaves the GPU as half the bytes and in one copy. Quantised as libsndfile does
    (rounded to 32 bits, then the top 16 kept), so the bytes are those earlier versions delivered.
    On float32 audio (what ``postprocess`` gives) every step is exact: scaling by powers of two,
    rounding, flooring."""
    scaled = waveforms.to(torch.float32).clamp(-1.0, 1.0).mul(2.0**31).round_()
    return scaled.div_(2.0**16).floor_().clamp_(-32768.0, 32767.0).to(torch.int16)


def pcm16_wav(samples: np.ndarray, sample_rate: int) -> bytes:
    """Mono 16-bit PCM RIFF/WAVE of int16 samples, the format every browser's decodeAudioData
    reads. The samples are written as they are (no per-sample work), which is what lets a
    batched GPU call keep up."""
    if samples.ndim != 1 or samples.dtype != np.int16:
        raise ValueError(f"expected mono int16 samples, got {samples.dtype} {samples.shape}")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


def encode_wav(waveform: torch.Tensor | np.ndarray, sample_rate: int) -> bytes:
    """One mono float waveform -> 16-bit PCM WAV (see ``pcm16_wav``)."""
    if waveform.ndim != 1:
        raise ValueError(f"expected a mono waveform, got shape {tuple(waveform.shape)}")
    samples = torch.as_tensor(waveform).detach().cpu()
    return pcm16_wav(to_pcm16(samples).numpy(), sample_rate)


def deliver(waveforms: torch.Tensor, config: AudioConfig) -> list[bytes]:
    """Raw vocoder output (batch, samples) -> one sampler-ready 16-bit WAV per kick: the
    post-processing and quantisation run batched where the audio is, then one copy to the host."""
    samples = to_pcm16(postprocess(waveforms, config)).cpu().numpy()
    return [pcm16_wav(kick, config.sample_rate) for kick in samples]


def resample(audio: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Mono float32 audio from any rate to any other (soxr's polyphase filter: memory and time
    follow the signal's length whatever the ratio, unlike a plain windowed-sinc kernel, which
    grows with the rates divided by their greatest common divisor)."""
    if from_rate == to_rate:
        return audio
    return soxr.resample(audio, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)


def read_audio(source: str | Path | BinaryIO, sample_rate: int, max_seconds: float) -> np.ndarray:
    """Any file libsndfile reads (WAV, AIFF, FLAC, OGG; 8- to 32-bit, up to 8 channels) ->
    float32 mono at ``sample_rate``.

    Work is bounded before decoding: an absurd header, one without a length, or a file longer
    than ``max_seconds`` is refused with UnreadableAudioError. libsndfile never reads past the
    length the header gives (nor past the end of a truncated file), so nothing is allocated in
    proportion to a number the file merely claims.
    """
    try:
        with soundfile.SoundFile(source) as file:
            _check_header(file, max_seconds)
            blocks = [
                block.mean(axis=1) if block.ndim == 2 else block
                for block in file.blocks(READ_BLOCK_FRAMES, dtype="float32")
            ]
            file_rate = file.samplerate
    except (soundfile.SoundFileError, RuntimeError) as error:
        raise UnreadableAudioError(f"unreadable audio: {error}") from error
    if not blocks:
        raise UnreadableAudioError("the file holds no audio frames")
    return resample(np.concatenate(blocks), file_rate, sample_rate)


def _check_header(file: soundfile.SoundFile, max_seconds: float) -> None:
    if not MIN_SAMPLE_RATE <= file.samplerate <= MAX_SAMPLE_RATE:
        raise UnreadableAudioError(
            f"sample rate {file.samplerate} Hz is outside {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz"
        )
    if not 1 <= file.channels <= MAX_CHANNELS:
        raise UnreadableAudioError(
            f"{file.channels} channels (at most {MAX_CHANNELS} are accepted)"
        )
    if file.frames >= UNKNOWN_LENGTH:
        raise UnreadableAudioError("the header gives no length (a stream, not a file)")
    if file.frames > math.ceil(max_seconds * file.samplerate):
        raise UnreadableAudioError(
            f"{file.frames / file.samplerate:.1f} s of audio "
            f"(at most {max_seconds:g} s are accepted)"
        )


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """WAV bytes -> (float32 samples, sample rate); multichannel audio is averaged to mono."""
    samples, sample_rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples.mean(axis=1), sample_rate
