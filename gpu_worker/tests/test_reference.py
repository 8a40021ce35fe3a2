"""A producer's reference sample: every accepted type is prepared exactly like training data, and
each problem is refused with its own reason before any audio is decoded that need not be."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from gpu_worker.audio import decode_wav
from gpu_worker.config import AudioConfig
from gpu_worker.data import load_kick
from gpu_worker.reference import (
    MAX_REFERENCE_BYTES,
    ReferenceProblem,
    ReferenceRejected,
    is_accepted_type,
    prepare_reference,
    reference_wav,
)
from gpu_worker.synth import draw_params, render_kick

RATE = 44_100
KICK = render_kick(draw_params(1, 3)[0])


def encoded(
    audio: np.ndarray, kind: str = "WAV", subtype: str | None = "PCM_16", rate: int = RATE
) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, rate, format=kind, subtype=subtype)
    return buffer.getvalue()


def seconds(duration: float, rate: int = RATE) -> np.ndarray:
    return np.arange(int(duration * rate)) / rate


@pytest.mark.parametrize(
    ("kind", "subtype"),
    [
        ("WAV", "PCM_16"),
        ("WAV", "FLOAT"),
        ("AIFF", "PCM_24"),
        ("FLAC", "PCM_16"),
        ("OGG", "VORBIS"),
    ],
)
def test_every_accepted_type_is_prepared_like_training_data(
    tmp_path, kind: str, subtype: str
) -> None:
    data = encoded(np.concatenate([np.zeros(RATE // 3), 0.5 * KICK]), kind, subtype)
    path = tmp_path / f"kick.{kind.lower()}"
    path.write_bytes(data)

    prepared = prepare_reference(data)

    assert prepared.dtype == np.float32 and prepared.shape == (AudioConfig().num_samples,)
    # gpu_worker.data's own preparation of the same file, as `train prepare` reads a library.
    np.testing.assert_array_equal(prepared, load_kick(path, AudioConfig()))
    assert abs(np.abs(prepared).max() - 10 ** (-1 / 20)) < 1e-4  # from the hit, at -1 dB
    assert np.argmax(np.abs(prepared)) < 0.05 * RATE


def test_a_stereo_file_at_another_rate_is_mixed_down_and_resampled() -> None:
    stereo = np.stack([KICK[::2], KICK[::2]], axis=1)[:, :]
    prepared = prepare_reference(encoded(stereo, rate=22_050))
    assert prepared.shape == (88_200,)


def test_the_wire_form_carries_the_prepared_kick_exactly() -> None:
    prepared = prepare_reference(encoded(KICK))
    audio, rate = decode_wav(reference_wav(prepared))
    assert rate == RATE
    np.testing.assert_array_equal(audio, prepared)


def rejection(data: bytes) -> ReferenceRejected:
    with pytest.raises(ReferenceRejected) as raised:
        prepare_reference(data)
    return raised.value


@pytest.mark.parametrize(
    ("data", "problem", "message"),
    [
        (b"ID3\x04" + bytes(20_000), ReferenceProblem.WRONG_TYPE, "Only WAV, AIFF, FLAC or OGG"),
        (
            b"\x89PNG\r\n\x1a\n" + bytes(100),
            ReferenceProblem.WRONG_TYPE,
            "Only WAV, AIFF, FLAC or OGG",
        ),
        (b"RIFF\x00\x00\x00\x00WAVEfmt garbage" + bytes(100), ReferenceProblem.CORRUPT, "damaged"),
        (b"fLaC" + bytes(300), ReferenceProblem.CORRUPT, "damaged"),
        (encoded(np.zeros(RATE)), ReferenceProblem.SILENT, "The sample is silent."),
        (
            encoded(0.5 * np.sin(2 * np.pi * 220 * seconds(3))),
            ReferenceProblem.NOT_DRUM_LIKE,
            "does not sound like a drum hit",
        ),
        (
            encoded(0.3 * np.random.default_rng(0).standard_normal(2 * RATE)),
            ReferenceProblem.NOT_DRUM_LIKE,
            "does not sound like a drum hit",
        ),
        (
            # A pad: it swells for half a second before it peaks.
            encoded(
                np.minimum(seconds(2) / 0.5, 1)
                * 0.5
                * np.sin(2 * np.pi * 110 * seconds(2))
                * np.exp(-np.maximum(seconds(2) - 0.5, 0) * 8)
            ),
            ReferenceProblem.NOT_DRUM_LIKE,
            "does not sound like a drum hit",
        ),
        # The first few samples of a kick (a truncated upload): no hit at all.
        (encoded(KICK)[:100], ReferenceProblem.NOT_DRUM_LIKE, "does not sound like a drum hit"),
        (
            encoded(np.concatenate([KICK, 0.2 * np.sin(2 * np.pi * 50 * seconds(10))])),
            ReferenceProblem.TOO_LONG,
            "longer than 10 seconds",
        ),
    ],
    ids=[
        "mp3",
        "png",
        "bad-wav-header",
        "bad-flac",
        "silent",
        "tone",
        "noise",
        "pad",
        "truncated",
        "long",
    ],
)
def test_each_problem_has_its_reason(data: bytes, problem: ReferenceProblem, message: str) -> None:
    refused = rejection(data)
    assert refused.problem is problem
    assert message in str(refused)


def test_silence_around_the_hit_does_not_count_towards_the_length() -> None:
    padded = np.concatenate([np.zeros(8 * RATE), KICK, np.zeros(8 * RATE)])
    assert prepare_reference(encoded(padded)).shape == (88_200,)


def test_a_file_over_the_size_limit_is_refused_unread() -> None:
    refused = rejection(b"RIFF" + bytes(MAX_REFERENCE_BYTES))
    assert refused.problem is ReferenceProblem.TOO_BIG
    assert str(refused) == "The sample is larger than 5 MB."


def test_an_hour_of_compressed_audio_is_refused_before_it_is_decoded() -> None:
    # A small FLAC of a long silence claims an hour: refused from its header alone.
    data = encoded(np.zeros(3600 * 8000, np.int16), "FLAC", "PCM_16", rate=8000)
    assert len(data) < MAX_REFERENCE_BYTES
    assert rejection(data).problem is ReferenceProblem.TOO_LONG


def test_types_are_recognised_by_their_contents() -> None:
    for kind, subtype in [
        ("WAV", "PCM_16"),
        ("AIFF", "PCM_16"),
        ("FLAC", "PCM_16"),
        ("OGG", "VORBIS"),
    ]:
        assert is_accepted_type(encoded(KICK, kind, subtype))
    assert not is_accepted_type(b"RIFF\x00\x00\x00\x00AVI LIST")
    assert not is_accepted_type(b"")
