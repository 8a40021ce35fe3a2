"""Audio from outside (a producer's library, uploads): any rate, depth and channel count is read
or refused in bounded memory and time, and odd rates are resampled correctly."""

from __future__ import annotations

import re
import struct
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gpu_worker.audio import UnreadableAudioError, read_audio, resample
from gpu_worker.config import AudioConfig
from gpu_worker.data import load_kick, prepare_folder

CONFIG = AudioConfig()
MEMORY_BOUND_BYTES = 200 * 2**20
TIME_BOUND_S = 5.0
# Partials well inside every tested rate's band, so the ideal resampling is known exactly.
PARTIALS_HZ = (60.0, 997.0, 3_001.0)


def _partials(rate: int, seconds: float) -> np.ndarray:
    times = np.arange(int(rate * seconds)) / rate
    return (sum(np.sin(2 * np.pi * f * times) for f in PARTIALS_HZ) / 4).astype(np.float32)


def _peak_memory_growth(action: Callable[[], object]) -> int:
    """Bytes the process's peak resident memory rose by during `action` (Linux: writing 5 to
    clear_refs resets the high-water mark, so the figure belongs to `action` alone)."""

    def status(key: str) -> int:
        text = Path("/proc/self/status").read_text()
        return int(re.search(rf"{key}:\s+(\d+) kB", text).group(1)) * 1024

    Path("/proc/self/clear_refs").write_text("5")
    before = status("VmRSS")
    action()
    return status("VmHWM") - before


def _bounded(action: Callable[[], object]) -> None:
    started = time.perf_counter()
    growth = _peak_memory_growth(action)
    assert growth < MEMORY_BOUND_BYTES, f"peak memory grew by {growth / 2**20:.0f} MiB"
    assert time.perf_counter() - started < TIME_BOUND_S


def _claim_frames(path: Path, frames: int) -> None:
    """Rewrite a WAV's data-chunk size so that the header claims `frames` 16-bit mono frames."""
    data = bytearray(path.read_bytes())
    chunk = data.find(b"data")
    data[chunk + 4 : chunk + 8] = struct.pack("<I", min(frames * 2, 2**32 - 1))
    path.write_bytes(bytes(data))


def _set_rate(path: Path, rate: int) -> None:
    """Rewrite a WAV's fmt chunk to claim `rate` (byte rate kept consistent)."""
    data = bytearray(path.read_bytes())
    fmt = data.find(b"fmt ")
    channels, _, _, block_align = struct.unpack("<HIIH", data[fmt + 10 : fmt + 22])
    data[fmt + 10 : fmt + 22] = struct.pack(
        "<HIIH", channels, rate, rate * block_align, block_align
    )
    path.write_bytes(bytes(data))


def _erase_flac_length(path: Path) -> None:
    """Zero the 36-bit total-samples field of the STREAMINFO block ("length unknown")."""
    data = bytearray(path.read_bytes())
    streaminfo = 8  # after "fLaC" and the metadata block header
    data[streaminfo + 13] &= 0xF0
    data[streaminfo + 14 : streaminfo + 18] = bytes(4)
    path.write_bytes(bytes(data))


READABLE = {
    # name: (rate, subtype, channels, seconds)
    "odd-44101.wav": (44_101, "PCM_16", 1, 1.0),
    "low-22050.wav": (22_050, "PCM_16", 1, 1.0),
    "high-96000.wav": (96_000, "PCM_24", 1, 1.0),
    "phone-8000.wav": (8_000, "PCM_16", 1, 1.0),
    "eight-bit.wav": (44_100, "PCM_U8", 1, 1.0),
    "twenty-four-bit.wav": (44_100, "PCM_24", 1, 1.0),
    "float.wav": (44_100, "FLOAT", 1, 1.0),
    "stereo.wav": (48_000, "PCM_16", 2, 1.0),
    "surround.wav": (44_100, "PCM_16", 6, 1.0),
    "odd.aiff": (44_101, "PCM_16", 1, 1.0),
    "odd.flac": (44_101, "PCM_24", 1, 1.0),
    "odd.ogg": (44_101, "VORBIS", 1, 1.0),
    "max-rate.wav": (384_000, "PCM_16", 1, 0.5),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("odd")
    for name, (rate, subtype, channels, seconds) in READABLE.items():
        mono = _partials(rate, seconds)
        audio = np.stack([mono] * channels, axis=1) if channels > 1 else mono
        soundfile.write(root / name, audio, rate, subtype=subtype)

    soundfile.write(root / "claims-2-31-frames.wav", _partials(44_100, 0.5), 44_100, "PCM_16")
    _claim_frames(root / "claims-2-31-frames.wav", 2**31)
    whole = root / "whole.wav"
    soundfile.write(whole, _partials(44_100, 1.0), 44_100, "PCM_16")
    (root / "truncated.wav").write_bytes(whole.read_bytes()[: 44 + 30_000])

    soundfile.write(root / "too-slow-4000.wav", _partials(8_000, 0.5), 8_000, "PCM_16")
    _set_rate(root / "too-slow-4000.wav", 4_000)
    soundfile.write(root / "too-fast-500k.wav", _partials(8_000, 0.5), 8_000, "PCM_16")
    _set_rate(root / "too-fast-500k.wav", 500_000)
    soundfile.write(root / "nine-channels.wav", np.zeros((4_410, 9), np.float32), 44_100, "PCM_16")
    soundfile.write(root / "twelve-seconds.wav", _partials(8_000, 12.0), 8_000, "PCM_16")
    (root / "not-audio.wav").write_bytes(b"RIFF" + bytes(8_000))
    soundfile.write(root / "no-length.flac", _partials(8_000, 3.0), 8_000, "PCM_16")
    _erase_flac_length(root / "no-length.flac")
    return root


@pytest.mark.parametrize("name", sorted(READABLE))
def test_every_rate_depth_and_channel_count_is_read_in_bounded_memory(
    files: Path, name: str
) -> None:
    rate, _, _, seconds = READABLE[name]
    _bounded(lambda: read_audio(files / name, CONFIG.sample_rate, 10.0))
    audio = read_audio(files / name, CONFIG.sample_rate, 10.0)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(audio.size - seconds * CONFIG.sample_rate) <= 2
    # Against the ideal resampling (the same partials sampled at 44.1 kHz), edges excluded.
    middle = slice(2_000, audio.size - 2_000)
    expected = _partials(CONFIG.sample_rate, seconds)[: audio.size]
    tolerance = {"PCM_U8": 0.02, "VORBIS": 0.05}.get(READABLE[name][1], 2e-3)
    np.testing.assert_allclose(audio[middle], expected[middle], atol=tolerance)


def test_odd_rates_resample_like_a_reference_polyphase_filter() -> None:
    from scipy.signal import resample_poly

    signal = _partials(44_101, 1.0)
    ours = resample(signal, 44_101, 44_100)
    reference = resample_poly(signal.astype(np.float64), 44_100, 44_101)
    middle = slice(2_000, 42_000)
    np.testing.assert_allclose(ours[middle], reference[middle], atol=2e-3)


def test_a_header_claiming_two_billion_frames_reads_only_what_is_there(files: Path) -> None:
    _bounded(lambda: read_audio(files / "claims-2-31-frames.wav", CONFIG.sample_rate, 10.0))
    assert read_audio(files / "claims-2-31-frames.wav", CONFIG.sample_rate, 10.0).size == 22_050


def test_a_truncated_file_gives_the_frames_it_holds(files: Path) -> None:
    assert read_audio(files / "truncated.wav", CONFIG.sample_rate, 10.0).size == 15_000


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("too-slow-4000.wav", "sample rate 4000 Hz is outside 8000-384000 Hz"),
        ("too-fast-500k.wav", "sample rate 500000 Hz is outside 8000-384000 Hz"),
        ("nine-channels.wav", "9 channels (at most 8 are accepted)"),
        ("twelve-seconds.wav", "12.0 s of audio (at most 10 s are accepted)"),
        ("not-audio.wav", "unreadable audio"),
        ("no-length.flac", "the header gives no length"),
    ],
)
def test_absurd_long_or_broken_files_are_refused_with_a_reason(
    files: Path, name: str, message: str
) -> None:
    def refuse() -> None:
        with pytest.raises(UnreadableAudioError, match=re.escape(message)):
            read_audio(files / name, CONFIG.sample_rate, 10.0)

    _bounded(refuse)


def test_load_kick_starts_at_the_hit(tmp_path: Path) -> None:
    path = tmp_path / "late.wav"
    hit = _partials(44_100, 0.5)
    soundfile.write(path, np.concatenate([np.zeros(4_410, np.float32), hit]), 44_100, "PCM_16")
    kick = load_kick(path, CONFIG)
    onset = int(np.argmax(np.abs(hit) >= np.abs(hit).max() * 1e-3))  # the first sample is 0
    assert onset < 3
    np.testing.assert_allclose(
        kick[:4_000] / np.abs(kick).max(),
        hit[onset : onset + 4_000] / np.abs(hit).max(),
        atol=2e-3,
    )


def test_prepare_reports_and_skips_what_it_cannot_read(
    files: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # Six readable kicks with a shared keyword, beside every refused file above.
    library = tmp_path / "library"
    library.mkdir()
    for name in [
        "odd-44101.wav",
        "low-22050.wav",
        "stereo.wav",
        "surround.wav",
        "odd.flac",
        "odd.ogg",
        "too-slow-4000.wav",
        "nine-channels.wav",
        "twelve-seconds.wav",
        "not-audio.wav",
    ]:
        (library / f"kick {name}").write_bytes((files / name).read_bytes())
    with caplog.at_level("INFO"):
        prepare_folder(library, tmp_path / "data", CONFIG, min_word_count=5)
    assert "skipped kick nine-channels.wav: 9 channels" in caplog.text
    assert "prepared 6 kicks" in caplog.text
    assert "skipped 4 (4 unreadable)" in caplog.text


def test_the_reported_44101_hz_file_prepares_through_the_cli(tmp_path: Path) -> None:
    """The issue's reproduction: one second of a 60 Hz sine at 44,101 Hz, `train prepare`."""
    from gpu_worker.train.__main__ import main

    (tmp_path / "src").mkdir()
    times = np.arange(44_101) / 44_101
    soundfile.write(tmp_path / "src" / "odd.wav", 0.5 * np.sin(2 * np.pi * 60 * times), 44_101)
    args = ["prepare", "--source", str(tmp_path / "src"), "--data", str(tmp_path / "data")]
    _bounded(lambda: main([*args, "--min-word-count", "1"]))
    assert (tmp_path / "data" / "dataset.safetensors").exists()
