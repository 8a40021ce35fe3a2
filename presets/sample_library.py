"""The built stock sound library on disk: building it, and finding each sample's URL.

Layout under settings.STOCK_SAMPLES_DIR:
    manifest.json                  key -> file name (+ format facts), written last
    audio/<key>.<sha256[:12]>.wav  16-bit PCM WAV, served by ServeStatic at /static/samples/...

A file's name carries the hash of its bytes, so a URL always means the same audio and browsers
may cache it forever (settings mark these URLs immutable); a re-voiced sound gets a new URL.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile
from django.conf import settings
from django.templatetags.static import static

from presets.catalogue import CATALOGUE, SAMPLE_RATE, StockSample

MANIFEST_NAME = "manifest.json"
AUDIO_DIR_NAME = "audio"
STATIC_PREFIX = "samples"  # the STATICFILES_DIRS prefix the audio folder is served under
MANIFEST_VERSION = 1


class SampleLibraryNotBuilt(RuntimeError):
    """The library on disk is missing or lacks samples of the catalogue."""


@dataclass(frozen=True)
class BuiltSample:
    file_name: str
    channels: int
    frames: int
    sample_rate: int


@dataclass(frozen=True)
class BuildReport:
    written: list[str]  # keys whose file was (re)written
    unchanged: list[str]
    removed_files: list[str]  # stale files of earlier builds
    total_bytes: int


def library_dir() -> Path:
    return Path(settings.STOCK_SAMPLES_DIR)


def audio_dir(root: Path) -> Path:
    return root / AUDIO_DIR_NAME


def encode_wav(audio: np.ndarray) -> bytes:
    """16-bit PCM WAV; rounding (no dither) keeps the bytes reproducible."""
    pcm = np.round(np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    soundfile.write(buffer, pcm, SAMPLE_RATE, subtype="PCM_16", format="WAV")
    return buffer.getvalue()


def build(root: Path) -> BuildReport:
    """Render the whole catalogue into `root`; files whose bytes are already there stay."""
    # Imported here: rendering needs numpy/scipy and the synthesizer, serving does not.
    from presets.sound_design import render

    audio = audio_dir(root)
    audio.mkdir(parents=True, exist_ok=True)
    entries: dict[str, BuiltSample] = {}
    written, unchanged = [], []
    for sample in CATALOGUE:
        samples = render(sample.recipe)
        data = encode_wav(samples)
        file_name = f"{sample.key}.{hashlib.sha256(data).hexdigest()[:12]}.wav"
        path = audio / file_name
        if path.exists() and path.read_bytes() == data:
            unchanged.append(sample.key)
        else:
            _write_atomically(path, data)
            written.append(sample.key)
        entries[sample.key] = BuiltSample(
            file_name, samples.shape[1], samples.shape[0], SAMPLE_RATE
        )
    manifest = {
        "version": MANIFEST_VERSION,
        "samples": {key: entry.__dict__ for key, entry in entries.items()},
    }
    _write_atomically(root / MANIFEST_NAME, (json.dumps(manifest, indent=2) + "\n").encode())
    kept = {entry.file_name for entry in entries.values()}
    removed = sorted(path.name for path in audio.iterdir() if path.name not in kept)
    for name in removed:
        (audio / name).unlink()
    total = sum((audio / name).stat().st_size for name in kept)
    return BuildReport(written, unchanged, removed, total)


def _write_atomically(path: Path, data: bytes) -> None:
    """A reader (the running server) sees the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def built_samples(root: Path | None = None) -> dict[str, BuiltSample]:
    """The manifest of the library in `root` (default: settings), checked against the catalogue."""
    root = root or library_dir()
    manifest_path = root / MANIFEST_NAME
    try:
        modified = manifest_path.stat().st_mtime_ns
    except FileNotFoundError:
        raise SampleLibraryNotBuilt(
            f"No stock sample library in {root}; run `python manage.py build_samples`."
        ) from None
    return _read_manifest(manifest_path, modified)


@lru_cache(maxsize=4)
def _read_manifest(manifest_path: Path, modified_ns: int) -> dict[str, BuiltSample]:
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("version") != MANIFEST_VERSION:
        raise SampleLibraryNotBuilt(f"{manifest_path} is from another version; rebuild it.")
    entries = {key: BuiltSample(**entry) for key, entry in manifest["samples"].items()}
    missing = [sample.key for sample in CATALOGUE if sample.key not in entries]
    if missing:
        raise SampleLibraryNotBuilt(
            f"{manifest_path} lacks {', '.join(missing)}; run `python manage.py build_samples`."
        )
    return entries


@dataclass(frozen=True)
class ServedSample:
    sample: StockSample
    url: str


def served_samples() -> list[ServedSample]:
    """Every stock sample in catalogue order with the URL its audio is served at."""
    entries = built_samples()
    return [
        ServedSample(sample, static(f"{STATIC_PREFIX}/{entries[sample.key].file_name}"))
        for sample in CATALOGUE
    ]
