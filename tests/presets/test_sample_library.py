"""The stock sound library: the catalogue, the files on disk, the samples query and serving."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from presets.catalogue import (
    CATALOGUE,
    SAMPLE_RATE,
    ImpulseResponseRecipe,
    NoiseRecipe,
    SampleKind,
    keys_of,
)
from presets.sample_library import (
    MANIFEST_NAME,
    SampleLibraryNotBuilt,
    build,
    built_samples,
)

SAMPLES = "{ samples { key name kind url } }"


def audio_path(root: Path, key: str) -> Path:
    return root / "audio" / built_samples(root)[key].file_name


def test_catalogue_sizes_and_keys() -> None:
    assert 8 <= len(keys_of(SampleKind.KICK)) <= 12
    assert 5 <= len(keys_of(SampleKind.NOISE)) <= 8
    assert 6 <= len(keys_of(SampleKind.IMPULSE_RESPONSE)) <= 10
    keys = [sample.key for sample in CATALOGUE]
    assert len(set(keys)) == len(keys)
    assert len({sample.name for sample in CATALOGUE}) == len(keys)
    prefixes = {
        SampleKind.KICK: "kick-",
        SampleKind.NOISE: "noise-",
        SampleKind.IMPULSE_RESPONSE: "ir-",
    }
    assert all(sample.key.startswith(prefixes[sample.kind]) for sample in CATALOGUE)


@pytest.mark.django_db
def test_samples_query_matches_the_catalogue_and_the_files(graphql, served_library) -> None:
    samples = graphql(SAMPLES)["data"]["samples"]
    assert [(s["key"], s["name"], s["kind"]) for s in samples] == [
        (sample.key, sample.name, sample.kind.name) for sample in CATALOGUE
    ]
    on_disk = {path.name for path in (served_library / "audio").iterdir()}
    served = {s["url"].removeprefix("/static/samples/") for s in samples}
    assert served == on_disk
    for sample in samples:
        assert (
            sample["url"]
            == f"/static/samples/{built_samples(served_library)[sample['key']].file_name}"
        )


def test_every_file_decodes_with_the_expected_format(sample_library) -> None:
    manifest = built_samples(sample_library)
    for sample in CATALOGUE:
        info = soundfile.info(audio_path(sample_library, sample.key))
        audio, rate = soundfile.read(audio_path(sample_library, sample.key), always_2d=True)
        assert (info.format, info.subtype) == ("WAV", "PCM_16")
        assert rate == SAMPLE_RATE == manifest[sample.key].sample_rate
        assert audio.shape == (manifest[sample.key].frames, manifest[sample.key].channels)
        assert np.all(np.isfinite(audio)) and 0.5 < np.max(np.abs(audio)) < 0.95, sample.key
        recipe = sample.recipe
        if sample.kind is SampleKind.KICK:
            assert audio.shape[1] == 1
            assert 0.2 <= len(audio) / rate <= 2.0
        elif isinstance(recipe, NoiseRecipe):
            assert audio.shape == (round(recipe.seconds * rate), recipe.channels)
        else:
            assert isinstance(recipe, ImpulseResponseRecipe)
            assert audio.shape[1] == 2
            assert 0.3 <= len(audio) / rate <= 4.0


def test_noise_loops_are_seamless(sample_library) -> None:
    """At the loop point the signal moves no more than it does from one sample to the next."""
    for key in keys_of(SampleKind.NOISE):
        audio, _ = soundfile.read(audio_path(sample_library, key), always_2d=True)
        steps = np.diff(audio, axis=0)
        seam = np.abs(audio[0] - audio[-1])
        assert np.all(seam <= 4 * np.sqrt(np.mean(steps**2, axis=0))), key


def test_impulse_responses_are_stereo_decaying_rooms(sample_library) -> None:
    for key in keys_of(SampleKind.IMPULSE_RESPONSE):
        audio, rate = soundfile.read(audio_path(sample_library, key), always_2d=True)
        left, right = audio.T
        assert abs(np.corrcoef(left, right)[0, 1]) < 0.6, f"{key}: channels too alike"
        tenth = len(audio) // 10
        first, last = np.mean(audio[:tenth] ** 2), np.mean(audio[-tenth:] ** 2)
        assert 10 * np.log10(last / first) < -40, f"{key}: does not decay"
        assert np.all(audio[-1] == 0), f"{key}: does not end in silence"


def test_the_build_is_reproducible_and_idempotent(tmp_path, sample_library) -> None:
    again = tmp_path / "again"
    report = build(again)
    assert sorted(report.written) == sorted(sample.key for sample in CATALOGUE)
    first = {p.name: p.read_bytes() for p in (sample_library / "audio").iterdir()}
    second = {p.name: p.read_bytes() for p in (again / "audio").iterdir()}
    assert first == second
    assert (again / MANIFEST_NAME).read_bytes() == (sample_library / MANIFEST_NAME).read_bytes()

    # A rebuild keeps identical files and drops files of earlier builds.
    stale = again / "audio" / "kick-retired.0123456789ab.wav"
    stale.write_bytes(b"old")
    modified = {p.name: p.stat().st_mtime_ns for p in (again / "audio").iterdir()}
    report = build(again)
    assert report.written == [] and report.removed_files == [stale.name]
    assert {p.name: p.stat().st_mtime_ns for p in (again / "audio").iterdir()} == {
        name: time for name, time in modified.items() if name != stale.name
    }
    assert report.total_bytes == sum(len(data) for data in first.values())
    assert report.total_bytes < 10_000_000


def test_a_missing_library_is_reported(tmp_path, settings) -> None:
    settings.STOCK_SAMPLES_DIR = tmp_path
    with pytest.raises(SampleLibraryNotBuilt, match="build_samples"):
        built_samples()
    manifest = {"version": 1, "samples": {}}
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(SampleLibraryNotBuilt, match="kick-909-punch"):
        built_samples()


async def test_files_are_served_as_cacheable_wav_without_sync_streaming(
    asgi_get, served_library
) -> None:
    url = f"/static/samples/{built_samples(served_library)['ir-warehouse'].file_name}"
    response = await asgi_get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["cache-control"] == "max-age=315360000, public, immutable"
    assert response.body == audio_path(served_library, "ir-warehouse").read_bytes()
    # Streamed through an async iterator: Django warns on every file served from a sync one.
    assert response.warnings == []
    missing = await asgi_get("/static/samples/ir-warehouse.000000000000.wav")
    assert missing.status == 404


def test_the_system_check_warns_while_the_library_is_missing(tmp_path, settings) -> None:
    from presets.checks import stock_library_is_built

    settings.STOCK_SAMPLES_DIR = tmp_path
    assert [message.id for message in stock_library_is_built(None)] == ["presets.W001"]


def test_the_system_check_passes_with_the_library(served_library) -> None:
    from presets.checks import stock_library_is_built

    assert stock_library_is_built(None) == []


def power_spectrum(signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.fft.rfftfreq(len(signal), 1 / SAMPLE_RATE), np.abs(np.fft.rfft(signal)) ** 2


@pytest.mark.parametrize(("key", "db_per_octave"), [("noise-pink", -3.0), ("noise-brown", -6.0)])
def test_coloured_noises_have_their_spectral_slope(sample_library, key, db_per_octave) -> None:
    audio, _ = soundfile.read(audio_path(sample_library, key), always_2d=True)
    freqs, power = power_spectrum(audio[:, 0])

    def level(low: float) -> float:  # mean power over one octave, in dB
        return 10 * np.log10(np.mean(power[(freqs >= low) & (freqs < 2 * low)]))

    assert (level(1600) - level(100)) / 4 == pytest.approx(db_per_octave, abs=0.5)


def test_impulse_responses_decay_as_designed(sample_library) -> None:
    """RT60 measured by Schroeder integration (T20) is the recipe's, within 25 %."""
    for sample in CATALOGUE:
        if sample.kind is not SampleKind.IMPULSE_RESPONSE:
            continue
        audio, _ = soundfile.read(audio_path(sample_library, sample.key), always_2d=True)
        energy = np.cumsum((audio.mean(axis=1) ** 2)[::-1])[::-1]
        decay_db = 10 * np.log10(energy / energy[0] + 1e-30)  # the faded end is exact silence
        t20 = (np.argmax(decay_db <= -25) - np.argmax(decay_db <= -5)) / SAMPLE_RATE
        assert 3 * t20 == pytest.approx(sample.recipe.rt60_s, rel=0.25), sample.key


def test_dark_impulse_responses_are_darker(sample_library) -> None:
    def centroid(key: str) -> float:
        audio, _ = soundfile.read(audio_path(sample_library, key), always_2d=True)
        freqs, power = power_spectrum(audio.mean(axis=1))
        return float(np.sum(freqs * power) / np.sum(power))

    keys = keys_of(SampleKind.IMPULSE_RESPONSE)
    dark = [centroid(key) for key in keys if key.startswith("ir-dark-")]
    others = [centroid(key) for key in keys if not key.startswith("ir-dark-")]
    assert len(dark) >= 2 and max(dark) < min(others)
