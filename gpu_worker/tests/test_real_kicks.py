"""The real-kick corpus builder on kits the tests make: a Hydrogen kit with velocity layers, an
LMMS-style sample folder, a Sonic Pi-style sample folder with its DEP-5 copyright file, a General
MIDI sound font, odd and broken files, duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gpu_worker import real_kicks
from gpu_worker.config import AudioConfig
from gpu_worker.data import load_dataset, prepare_folder
from gpu_worker.descriptors import MEASURED_WORDS
from gpu_worker.real_kicks import (
    REAL_ORIGIN,
    RECORDED_WORD,
    build_corpus,
    hydrogen_sources,
    lmms_sources,
    package_licence,
    sonic_pi_sources,
    sound_font_sources,
)
from gpu_worker.synth import render_kick, sample_params
from gpu_worker.tests.soundfont import write_drum_sound_font

CONFIG = AudioConfig()


def _kick(style: str, seed: int) -> np.ndarray:
    return render_kick(sample_params(style, np.random.default_rng(seed)))


def _layer(file_name: str, low: float, high: float) -> str:
    return (
        f"<layer><filename>{file_name}</filename><min>{low}</min><max>{high}</max>"
        "<gain>1</gain><pitch>0</pitch></layer>"
    )


def _instrument(name: str, layers: list[str]) -> str:
    return f"<instrument><id>0</id><name>{name}</name>{''.join(layers)}</instrument>"


def _write_kit(root: Path, name: str, instruments: list[str], licence: str = "CC0") -> Path:
    kit = root / name
    kit.mkdir(parents=True)
    (kit / "drumkit.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">'
        f"<name>{name}</name><license>{licence}</license>"
        f"<instrumentList>{''.join(instruments)}</instrumentList></drumkit_info>"
    )
    return kit


@pytest.fixture(scope="module")
def kits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drumkits")
    # Three velocity layers of one kick (different sounds), a snare that is not taken, stereo
    # 96 kHz AIFF, 8-bit, a silent layer and a layer whose file is missing.
    kit = _write_kit(
        root,
        "Techno Kit 909",
        [
            _instrument(
                "Kick",
                [
                    _layer("kick-soft.flac", 0.0, 0.33),
                    _layer("kick-mid.aiff", 0.33, 0.66),
                    _layer("kick-hard.wav", 0.66, 1.0),
                ],
            ),
            _instrument("Snare", [_layer("snare.wav", 0.0, 1.0)]),
            _instrument(
                "Bass Drum 2",
                [_layer("silent.wav", 0.0, 0.5), _layer("missing.wav", 0.5, 1.0)],
            ),
        ],
    )
    soundfile.write(kit / "kick-soft.flac", _kick("909", 1), 44_100, subtype="PCM_16")
    stereo = np.stack([_kick("909", 2)] * 2, axis=1)
    resampled = np.interp(np.arange(0, 88_200, 44_100 / 96_000), np.arange(88_200), stereo[:, 0])
    soundfile.write(kit / "kick-mid.aiff", np.stack([resampled] * 2, 1), 96_000, "PCM_24")
    soundfile.write(kit / "kick-hard.wav", _kick("909", 3), 44_100, subtype="PCM_U8")
    soundfile.write(kit / "snare.wav", _kick("hard", 4), 44_100)
    soundfile.write(kit / "silent.wav", np.zeros(44_100, np.float32), 44_100)
    # An acoustic kit whose only kick is a copy of another kit's layer: a duplicate.
    acoustic = _write_kit(root, "Pearl Acoustic", [_instrument("Kick", [_layer("bd.wav", 0, 1)])])
    soundfile.write(acoustic / "bd.wav", _kick("909", 1) * 0.5, 44_100, subtype="PCM_16")
    return root


@pytest.fixture(scope="module")
def lmms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lmms")
    soundfile.write(root / "kick01.ogg", _kick("house", 5), 44_100, format="OGG")
    soundfile.write(root / "bassdrum_acoustic01.ogg", _kick("acoustic", 6), 44_100, format="OGG")
    soundfile.write(root / "snare01.ogg", _kick("hard", 7), 44_100, format="OGG")
    # A marching bass drum whose snares buzz on for a second: a drum, not a kick to play.
    buzz = np.random.default_rng(11).standard_normal(44_100 * 2) * (np.arange(88_200) < 66_150)
    marching = _kick("acoustic", 11) + 0.2 * buzz
    soundfile.write(root / "bassdrum_marching01.wav", marching / np.abs(marching).max(), 44_100)
    (root / "kick02.ogg").write_bytes(b"RIFF" + bytes(200))  # named .ogg, not audio
    return root


@pytest.fixture(scope="module")
def sound_fonts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sf2")
    write_drum_sound_font(
        root / "Test_GM.sf2",
        {
            "Standard": _kick("acoustic", 8),
            "Standard 2": _kick("acoustic", 9),
            "TR-808": _kick("808", 10),
        },
    )
    (root / "Broken.sf2").write_bytes(b"RIFF" + bytes(64))
    return root


def test_hydrogen_kits_give_every_layer_of_their_kick_instruments(kits: Path) -> None:
    sources = list(hydrogen_sources(kits, "hydrogen-drumkits", CONFIG))
    layers = {(s.kit, s.instrument, s.velocity) for s in sources}
    assert layers == {
        ("Techno Kit 909", "Kick", "0.00-0.33"),
        ("Techno Kit 909", "Kick", "0.33-0.66"),
        ("Techno Kit 909", "Kick", "0.66-1.00"),
        ("Techno Kit 909", "Bass Drum 2", "0.00-0.50"),
        ("Techno Kit 909", "Bass Drum 2", "0.50-1.00"),
        ("Pearl Acoustic", "Kick", "0.00-1.00"),
    }
    assert {s.licence for s in sources} == {"CC0"}
    words = {s.kit: s.words for s in sources}
    assert words == {
        "Techno Kit 909": (RECORDED_WORD, "909", "electronic"),
        "Pearl Acoustic": (RECORDED_WORD, "acoustic"),
    }


def test_the_corpus_keeps_distinct_kicks_and_counts_what_it_skips(
    kits: Path, lmms: Path, sound_fonts: Path, tmp_path: Path
) -> None:
    sources = [
        *hydrogen_sources(kits, "hydrogen-drumkits", CONFIG),
        *lmms_sources(lmms, CONFIG),
        *sound_font_sources([sound_fonts], CONFIG, velocities=(60, 127)),
    ]
    report = build_corpus(tmp_path / "corpus", iter(sources), CONFIG)
    # 909 kit: 3 layers; lmms: 2 kicks; sound font (no Debian package): 3 kits x 2 notes (a
    # semitone apart) x 2 velocities, which play the font's one sample at two levels.
    assert report.kept == {"hydrogen-drumkits": 3, "lmms-common": 2, "unknown": 6}
    assert report.skipped == {
        "silent": 1,
        "unreadable audio": 2,  # the missing layer, the .ogg that is not audio
        "near-duplicate": 7,  # a 909 layer copied into the acoustic kit, each second velocity
        "rings on": 1,  # the marching bass drum
    }
    manifest = json.loads((tmp_path / "corpus" / "manifest.json").read_text())
    assert len(manifest["kicks"]) == 11
    entry = next(e for e in manifest["kicks"] if e["kit"] == "Techno Kit 909")
    assert entry["file"].startswith("techno-kit-909/techno-kit-909/recorded_909_electronic_")
    assert entry["package"] == "hydrogen-drumkits" and entry["licence"] == "CC0"
    assert set(entry["keywords"]) - {RECORDED_WORD, "909", "electronic"} <= MEASURED_WORDS
    assert all(e["keywords"][0] == RECORDED_WORD for e in manifest["kicks"])
    groups = {e["file"].split("/")[0] for e in manifest["kicks"]}
    # General MIDI kits are grouped by family across fonts: Standard and Standard 2 together.
    assert groups == {"pearl-acoustic", "techno-kit-909", "lmms-drums", "gm-standard", "gm-tr-808"}
    for entry in manifest["kicks"]:
        audio, rate = soundfile.read(tmp_path / "corpus" / entry["file"])
        assert rate == 44_100 and audio.ndim == 1 and audio.size <= 2.5 * 44_100
        assert abs(audio[0]) >= 0.99e-3 * np.abs(audio).max()  # cut at the onset


def test_a_rebuild_replaces_the_previous_build(kits: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    build_corpus(corpus, hydrogen_sources(kits, "hydrogen-drumkits", CONFIG), CONFIG)
    stale = corpus / "techno-kit-909" / "techno-kit-909" / "909_electronic_0000.wav"
    stale.write_bytes(b"a kick named by an older build's words")
    build_corpus(corpus, hydrogen_sources(kits, "hydrogen-drumkits", CONFIG), CONFIG)
    manifest = json.loads((corpus / "manifest.json").read_text())
    assert sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*.wav")) == sorted(
        e["file"] for e in manifest["kicks"]
    )


def test_whole_kits_are_held_out_when_the_corpus_is_prepared(
    kits: Path, lmms: Path, sound_fonts: Path, tmp_path: Path
) -> None:
    sources = [
        *hydrogen_sources(kits, "hydrogen-drumkits", CONFIG),
        *lmms_sources(lmms, CONFIG),
        *sound_font_sources([sound_fonts], CONFIG, velocities=(60, 127)),
    ]
    build_corpus(tmp_path / "corpus", iter(sources), CONFIG)
    out = prepare_folder(
        tmp_path / "corpus",
        tmp_path / "data",
        CONFIG,
        min_word_count=1,
        held_out_share=0.5,
        group_depth=1,
        origin=REAL_ORIGIN,
    )
    data = load_dataset(out)
    assert set(data.origins) == {REAL_ORIGIN}
    by_group: dict[str, set[bool]] = {}
    for group, held_out in zip(data.groups, data.held_out.tolist(), strict=True):
        by_group.setdefault(group, set()).add(held_out)
    assert all(len(flags) == 1 for flags in by_group.values())  # no kit split in two
    assert {True, False} == {flags.pop() for flags in by_group.values()}


SONIC_PI_COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Sonic Pi

Files: *
Copyright: 2016 Samuel Aaron <samaaron@gmail.com>
License: MIT

Files: etc/samples/bd_haus.flac
 etc/samples/drum_bass_soft.flac
Copyright: 2010 Rodrigo The Mad
License: CC0

Files: etc/samples/elec_soft_kick.flac
Copyright: 2005, 2006 looppool
License: CC-BY-3.0

Files: debian/*
Copyright: 2020 A Packager
License: GPL-3+
"""


def test_sonic_pi_kicks_are_grouped_by_their_maker_with_each_file_s_licence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "doc"
    (docs / "sonic-pi-samples").mkdir(parents=True)
    (docs / "sonic-pi-samples" / "copyright").write_text(SONIC_PI_COPYRIGHT)
    monkeypatch.setattr(real_kicks, "DOC_DIR", docs)
    samples = tmp_path / "samples"
    samples.mkdir()
    for name in ("bd_haus", "bd_mehackit", "drum_bass_soft", "elec_soft_kick"):
        soundfile.write(samples / f"{name}.flac", _kick("house", 11), 44_100)
    for name in ("ambi_drone", "drum_snare_soft", "bass_hard_c"):  # not kicks
        soundfile.write(samples / f"{name}.flac", _kick("hard", 12), 44_100)

    sources = {source.instrument: source for source in sonic_pi_sources(samples, CONFIG)}

    assert sorted(sources) == ["bd_haus", "bd_mehackit", "drum_bass_soft", "elec_soft_kick"]
    assert sources["bd_haus"].group == sources["drum_bass_soft"].group == "sonic-pi-rodrigo-the-mad"
    assert sources["bd_haus"].licence == "CC0"
    # Without a stanza of its own a sample is its own kit, under the package's catch-all licence.
    assert sources["bd_mehackit"].group == "sonic-pi-bd-mehackit"
    assert sources["bd_mehackit"].licence == "MIT"
    assert sources["elec_soft_kick"].group == "sonic-pi-looppool"
    assert sources["elec_soft_kick"].licence == "CC-BY-3.0"
    assert sources["elec_soft_kick"].words == (RECORDED_WORD, "electronic")
    assert sources["bd_haus"].words == (RECORDED_WORD,)
    assert sources["bd_haus"].load().shape[0] > 0
    # The packaging's own stanza never names a sample's licence.
    assert package_licence("sonic-pi-samples", "debian/rules") != "GPL-3+"
