"""A producer's reference sample, checked and prepared exactly like training data.

`prepare_reference` takes an uploaded file's bytes and either refuses it with one
`ReferenceRejected` per problem (wrong type, too big, too long after trimming silence, corrupt,
silent, not a drum-like hit) or returns the kick as training data has it: read by the one
bounded reader (gpu_worker.audio.read_audio), then gpu_worker.data's preparation (from the
hit, 2 s, -1 dB peak, faded). `reference_wav` is its wire form for the worker, which encodes it
with the VAE (KickPipeline.encode_audio) and generates a variation of it.
"""

from __future__ import annotations

import enum
import io

import numpy as np
import soundfile

from gpu_worker.audio import UnreadableAudioError, read_audio
from gpu_worker.config import AudioConfig
from gpu_worker.data import ONSET_THRESHOLD_DB, prepare_kick
from gpu_worker.descriptors import envelope_db
from gpu_worker.protocol import (
    MAX_REFERENCE_BYTES,
    MAX_REFERENCE_SECONDS,
    REFERENCE_TOO_BIG_MESSAGE,
)

# Decoded at most, silence included: bounds the work a small compressed file can ask for.
MAX_DECODED_SECONDS = 60.0
# A drum hit lasts at least this long (a truncated file's few samples do not)...
MIN_HIT_S = 0.02
# ...peaks within this long after its onset...
MAX_ATTACK_S = 0.1
# ...and falls at least this far below its peak within the model's 2 s (a held note or a steady
# noise does neither).
MIN_DECAY_DB = 20.0
ACCEPTED_TYPES = "WAV, AIFF, FLAC or OGG"

# The first bytes of each accepted container (libsndfile reads more, e.g. MP3, which we refuse).
_SIGNATURES: tuple[tuple[int, bytes, int, tuple[bytes, ...]], ...] = (
    (0, b"RIFF", 8, (b"WAVE",)),
    (0, b"RIFX", 8, (b"WAVE",)),
    (0, b"RF64", 8, (b"WAVE",)),
    (0, b"FORM", 8, (b"AIFF", b"AIFC")),
    (0, b"fLaC", 0, (b"",)),
    (0, b"OggS", 0, (b"",)),
)


class ReferenceProblem(enum.StrEnum):
    WRONG_TYPE = "WRONG_TYPE"
    TOO_BIG = "TOO_BIG"
    TOO_LONG = "TOO_LONG"
    CORRUPT = "CORRUPT"
    SILENT = "SILENT"
    NOT_DRUM_LIKE = "NOT_DRUM_LIKE"


class ReferenceRejected(ValueError):
    """An upload that cannot become a reference; its message is shown to the producer."""

    def __init__(self, problem: ReferenceProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def is_accepted_type(data: bytes) -> bool:
    """Whether the bytes start like a WAV, AIFF, FLAC or OGG file."""
    return any(
        data[start : start + len(magic)] == magic
        and any(data[at : at + len(kind)] == kind for kind in kinds)
        for start, magic, at, kinds in _SIGNATURES
    )


def check_size(size: int) -> None:
    """Refuse a file by its size alone, before it is read."""
    if size > MAX_REFERENCE_BYTES:
        raise ReferenceRejected(ReferenceProblem.TOO_BIG, REFERENCE_TOO_BIG_MESSAGE)


def prepare_reference(data: bytes, config: AudioConfig | None = None) -> np.ndarray:
    """An uploaded file -> float32 mono kick at the model's rate and length, as training data
    is prepared; raises ReferenceRejected."""
    config = config or AudioConfig()
    check_size(len(data))
    if not is_accepted_type(data):
        raise ReferenceRejected(
            ReferenceProblem.WRONG_TYPE, f"Only {ACCEPTED_TYPES} files can be used as a sample."
        )
    try:
        info = soundfile.info(io.BytesIO(data))
    except (soundfile.SoundFileError, RuntimeError) as error:
        raise _corrupt() from error
    if info.samplerate > 0 and info.frames / info.samplerate > MAX_DECODED_SECONDS:
        raise _too_long()
    try:
        mono = read_audio(io.BytesIO(data), config.sample_rate, MAX_DECODED_SECONDS)
    except UnreadableAudioError as error:
        raise _corrupt() from error
    hit = _trimmed(mono)
    if hit.size > MAX_REFERENCE_SECONDS * config.sample_rate:
        raise _too_long()
    if not _is_drum_like(hit, config):
        raise ReferenceRejected(
            ReferenceProblem.NOT_DRUM_LIKE,
            "The sample does not sound like a drum hit: it needs a sharp attack that dies away.",
        )
    # The whole file, not the trimmed hit: training data keeps the tail under the threshold.
    return prepare_kick(mono, config)


def reference_wav(kick: np.ndarray, config: AudioConfig | None = None) -> bytes:
    """A prepared reference as the worker receives it: a float WAV, so nothing is rounded."""
    config = config or AudioConfig()
    buffer = io.BytesIO()
    soundfile.write(buffer, kick, config.sample_rate, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def _trimmed(mono: np.ndarray) -> np.ndarray:
    """The audio from its first to its last sample above gpu_worker.data's onset threshold."""
    magnitude = np.abs(mono)
    peak = float(magnitude.max()) if mono.size else 0.0
    if not np.isfinite(peak):
        raise _corrupt()
    if peak < 2.0**-15:
        raise ReferenceRejected(ReferenceProblem.SILENT, "The sample is silent.")
    loud = np.nonzero(magnitude >= peak * 10 ** (ONSET_THRESHOLD_DB / 20))[0]
    return mono[loud[0] : loud[-1] + 1]


def _is_drum_like(hit: np.ndarray, config: AudioConfig) -> bool:
    hop_s = 0.005
    if hit.size < MIN_HIT_S * config.sample_rate:
        return False
    envelope = envelope_db(hit.astype(np.float64), config.sample_rate, hop_s=hop_s)
    peak = int(np.argmax(envelope))
    window = envelope[peak : peak + int(config.duration_s / hop_s)]
    return peak * hop_s <= MAX_ATTACK_S and float(window.min()) <= -MIN_DECAY_DB


def _corrupt() -> ReferenceRejected:
    return ReferenceRejected(
        ReferenceProblem.CORRUPT, "The sample could not be read: the file is damaged."
    )


def _too_long() -> ReferenceRejected:
    return ReferenceRejected(
        ReferenceProblem.TOO_LONG,
        f"The sample is longer than {MAX_REFERENCE_SECONDS:g} seconds (silence not counted).",
    )
