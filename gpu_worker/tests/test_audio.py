"""Log-mel analysis, post-processing guarantees and WAV encoding."""

from __future__ import annotations

import io
import math
import wave

import numpy as np
import pytest
import soundfile
import torch

from gpu_worker.audio import (
    InvalidAudioError,
    LogMelSpectrogram,
    decode_wav,
    deliver,
    encode_wav,
    fit_length,
    normalised_to_log_mel,
    pcm16_wav,
    postprocess,
)
from gpu_worker.config import AudioConfig

AUDIO = AudioConfig()


def synthetic_kick(num_samples: int = AUDIO.num_samples, dc: float = 0.0) -> torch.Tensor:
    time = torch.arange(num_samples, dtype=torch.float64) / AUDIO.sample_rate
    frequency = 50 + 150 * torch.exp(-time / 0.03)
    phase = 2 * math.pi * torch.cumsum(frequency, 0) / AUDIO.sample_rate
    return (0.3 * torch.sin(phase) * torch.exp(-time / 0.5) + dc).float()


def test_log_mel_has_the_model_shape_and_range() -> None:
    mel = LogMelSpectrogram(AUDIO)(torch.stack([synthetic_kick(), torch.zeros(AUDIO.num_samples)]))
    assert mel.shape == (2, 128, 173)
    assert torch.all(mel[1] == -1.0), "digital silence maps to the floor"
    assert -1.0 <= mel[0].min() and mel[0].max() < 1.0
    back = normalised_to_log_mel(mel[1], AUDIO)
    assert torch.allclose(back, torch.full_like(back, math.log(AUDIO.mel_floor)))


def test_log_mel_refuses_audio_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="88200 samples"):
        LogMelSpectrogram(AUDIO)(torch.zeros(1, 1000))


def test_fit_length_pads_and_trims() -> None:
    assert fit_length(torch.ones(1, 10), 15).tolist() == [[1.0] * 10 + [0.0] * 5]
    assert fit_length(torch.ones(1, 20), 15).shape == (1, 15)


@pytest.mark.parametrize("num_samples", [AUDIO.num_samples, 70000, 100000])
def test_postprocess_makes_a_sampler_ready_kick(num_samples: int) -> None:
    raw = torch.stack([synthetic_kick(num_samples, dc=0.2), 3.0 * synthetic_kick(num_samples)])
    out = postprocess(raw, AUDIO)
    assert out.shape == (2, AUDIO.num_samples) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    peak_dbfs = 20 * torch.log10(out.abs().amax(dim=1))
    assert torch.allclose(peak_dbfs, torch.full((2,), -0.5), atol=1e-3)
    assert out.mean(dim=1).abs().max() < 1e-6, "DC removed"
    fade_start, fade_end = (int(s * AUDIO.sample_rate) for s in (1.0, 1.75))
    assert torch.all(out[:, fade_end:] == 0.0), "digital silence after 1.75 s"
    # Before the fade the kick keeps its shape (up to offset and gain): the ratio is constant.
    ratio = (out[1, :fade_start] / (raw[1, :fade_start] - raw[1, :fade_start].mean())).median()
    assert torch.allclose(out[1, 1000:1100], ratio * raw[1, 1000:1100], atol=2e-3)
    # The fade-out only ever lowers the envelope and approaches zero smoothly (no click).
    tail = out[:, fade_end - 200 : fade_end].abs()
    assert tail.max() < 1e-3


def test_postprocess_fade_is_exponential() -> None:
    alternating = torch.ones(1, AUDIO.num_samples)
    alternating[0, 1::2] = -1.0
    out = postprocess(alternating, AUDIO)[0].double()
    start, end = int(1.0 * AUDIO.sample_rate), int(1.75 * AUDIO.sample_rate)
    gains = out[start:end].abs() / out[0].abs()
    assert torch.all(gains[1:] <= gains[:-1] + 1e-6), "monotonic fade"
    curve = AUDIO.fade_curve
    for fraction in (0.25, 0.5, 0.75):
        expected = (math.exp(-curve * fraction) - math.exp(-curve)) / (1 - math.exp(-curve))
        assert abs(float(gains[int(fraction * (end - start))]) - expected) < 1e-3


def test_postprocess_rejects_non_finite_audio() -> None:
    raw = synthetic_kick().unsqueeze(0).clone()
    raw[0, 500] = float("nan")
    with pytest.raises(InvalidAudioError, match="non-finite"):
        postprocess(raw, AUDIO)
    raw[0, 500] = float("inf")
    with pytest.raises(InvalidAudioError, match="non-finite"):
        postprocess(raw, AUDIO)


def test_postprocess_rejects_silence() -> None:
    with pytest.raises(InvalidAudioError, match="silent"):
        postprocess(torch.zeros(1, AUDIO.num_samples), AUDIO)
    # Pure DC is silence once the DC is removed.
    with pytest.raises(InvalidAudioError, match="silent"):
        postprocess(torch.full((1, AUDIO.num_samples), 0.5), AUDIO)


def test_wav_is_16_bit_pcm_riff_mono() -> None:
    kick = postprocess(synthetic_kick().unsqueeze(0), AUDIO)[0]
    data = encode_wav(kick, AUDIO.sample_rate)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data)) as reader:
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        assert reader.getframerate() == 44100
        assert reader.getnframes() == AUDIO.num_samples
    decoded, sample_rate = decode_wav(data)
    assert sample_rate == 44100
    assert np.abs(decoded - kick.numpy()).max() <= 1 / 32768 + 1e-7


def test_wav_encoding_refuses_multichannel_input() -> None:
    with pytest.raises(ValueError, match="mono"):
        encode_wav(np.zeros((2, 100), dtype=np.float32), 44100)


def test_wav_bytes_are_those_libsndfile_writes_for_any_float_input() -> None:
    # Earlier versions delivered libsndfile's 16-bit quantisation; a kick's bytes stay the same.
    waveforms = torch.rand(4, 9_000, generator=torch.Generator().manual_seed(3)) * 2.4 - 1.2
    # libsndfile rounds to 32 bits before it keeps the top 16: 23.0000076 x 2^-15 becomes 23.
    edges = torch.tensor([-0.0007019045297056437, 1.0, -1.0, 0.0, -1e-9, 2**-16, -(2**-16)])
    for waveform in [*waveforms, edges]:
        reference = io.BytesIO()
        soundfile.write(
            reference, np.clip(waveform.numpy(), -1, 1), 44_100, format="WAV", subtype="PCM_16"
        )
        assert encode_wav(waveform, 44_100) == reference.getvalue()


def test_a_batch_is_delivered_as_each_of_its_kicks_alone() -> None:
    batch = torch.stack([synthetic_kick(), synthetic_kick() * 0.3 + 0.01])
    together = deliver(batch, AUDIO)
    assert together == [deliver(kick[None], AUDIO)[0] for kick in batch]
    assert together[1] == encode_wav(postprocess(batch[1:], AUDIO)[0], AUDIO.sample_rate)
    with pytest.raises(ValueError, match="int16"):
        pcm16_wav(np.zeros(100, np.float32), 44_100)
