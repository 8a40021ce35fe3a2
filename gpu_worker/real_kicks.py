"""The real-kick corpus: recorded kick drums under free licences, from Debian's drum packages.

    python -m gpu_worker.train real-kicks --corpus var/train/real-corpus --data var/train/real

Sources (each a Debian package; `make real-kicks` installs them):
  * Hydrogen drum kits (hydrogen-drumkits, hydrogen-drumkits-effects): every velocity layer of
    every kick / bass-drum instrument that the kit's drumkit.xml names;
  * LMMS's drum samples (lmms-common): kick* and bassdrum*;
  * Sonic Pi's samples (sonic-pi-samples): its bass drums and kicks, mostly electronic, each
    from freesound under its own maker and licence (grouped by maker, like a kit);
  * General MIDI sound fonts (fluid-soundfont-gm, musescore-general-soundfont-lossless,
    timgm6mb-soundfont, avldrums.lv2-soundfont, csound-soundfont) rendered with FluidSynth: every
    drum kit (bank 128, or a font's only kit) x notes 35 and 36 x several velocities.
    fluid-soundfont-gs has no drum kit; freepats' drum patches are GUS .pat files, which
    FluidSynth does not read, and hold two kicks.

Every kick is read through the bounded reader (`gpu_worker.audio.read_audio`), cut at its onset,
and written as a 24-bit WAV into one folder per kit, named by its keywords: "recorded", the source's
reliable words (808, 909, acoustic, electronic) and the words its measurements earn
(`descriptors.measured_keywords`, the synth's thresholds carried over). Near-duplicates (the same
sample in two sound fonts, velocity layers that differ only in level) are dropped, and so are drums
whose tail rings on loud and bright (`descriptors.rings_on`: a marching bass drum's snare buzz,
which a model trained on it plays back at the default prompt); odd or broken files are skipped
and counted, never a crash. `manifest.json` records each kick's package, kit,
instrument, velocity and licence (from the kit or /usr/share/doc/PACKAGE/copyright).

The corpus folder then goes through `data.prepare_folder` like any producer's library, with whole
kits held out (`group_depth=1`), so the evaluation compares with kits the model never heard.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import logging
import math
import re
import shutil
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import soundfile
import torch

from gpu_worker.audio import LogMelSpectrogram, UnreadableAudioError, fit_length, read_audio
from gpu_worker.config import AudioConfig
from gpu_worker.data import MAX_SOURCE_SECONDS, augmented_origin, from_onset
from gpu_worker.descriptors import describe, measured_keywords, rings_on

log = logging.getLogger(__name__)

DEBIAN_PACKAGES: tuple[str, ...] = (
    "hydrogen-drumkits",
    "hydrogen-drumkits-effects",
    "lmms-common",
    "sonic-pi-samples",
    "fluid-soundfont-gm",
    "musescore-general-soundfont-lossless",
    "timgm6mb-soundfont",
    "avldrums.lv2-soundfont",
    "csound-soundfont",
    "fluidsynth",  # libfluidsynth, which pyfluidsynth loads
)
HYDROGEN_DRUMKITS = Path("/usr/share/hydrogen/data/drumkits")
LMMS_DRUMS = Path("/usr/share/lmms/samples/drums")
SONIC_PI_SAMPLES = Path("/usr/share/sonic-pi/samples")
# The copyright file names these as etc/samples/<file> (the source tree's path).
SONIC_PI_COPYRIGHT_PREFIX = "etc/samples/"
SOUND_FONT_DIRS = (Path("/usr/share/sounds/sf2"), Path("/usr/share/sounds/sf3"))
DOC_DIR = Path("/usr/share/doc")
MANIFEST_FILE = "manifest.json"

REAL_ORIGIN = "real"
# A mixed dataset's recorded kicks and their augmented copies (gpu_worker.data.mix_datasets).
REAL_ORIGINS = (REAL_ORIGIN, augmented_origin(REAL_ORIGIN))
# Whole kits held out: about a fifth of the kicks, acoustic and electronic (see the model card).
REAL_HELD_OUT_SHARE = 0.3
# Each word a real kick earns is kept when 3 kicks carry it (the corpus is small).
REAL_MIN_WORD_COUNT = 3
REAL_AUGMENTED_COPIES = 3
KICK_INSTRUMENT = re.compile(r"\b(kick|bass ?drum|bd)\b|^bd|kick", re.IGNORECASE)
LMMS_KICK_FILES = ("kick*", "bassdrum*")
SONIC_PI_KICK_FILES = ("bd_*", "drum_bass_*", "*_kick.*")
GM_KICK_NOTES = (35, 36)  # Acoustic Bass Drum, Bass Drum 1
# Presets in the drum bank whose notes 35 and 36 are not kick drums.
NOT_KICK_KITS = re.compile(r"metronome|sfx|effect|snare|cymbal|tenor", re.IGNORECASE)
VELOCITIES = (40, 70, 100, 127)
DRUM_CHANNEL = 9  # General MIDI's percussion channel
FLUSH_FRAMES = 4096
WARM_UP_NOTES = 2
FLUIDSYNTH_BLOCK = 64  # frames FluidSynth renders at a time; a note starts at a block boundary
RENDER_SECONDS = 2.5
# Kept from the onset: the model hears 2 s; the rest is room for preparation's own trimming.
KEPT_SECONDS = 2.5
# Mean absolute difference of the normalised log-mel over the first second (floored 60 dB under
# its peak) under which two kicks are the same sound: a sample shared by two sound fonts, a copy
# at another level. Measured: a copy at half level 0.00001, a velocity layer that darkens the
# sound or a semitone's re-tuning 0.006, two different 909 kicks 0.012, an 8-bit copy 0.015.
DUPLICATE_DISTANCE = 0.003
DUPLICATE_FRAMES = 87  # one second of log-mel frames
FINGERPRINT_RANGE = 0.75  # 60 dB in normalised log-mel units (2 units span 160 dB)

# Every recorded kick carries this word, procedural ones never do: a prompt with it asks for kicks
# like the recordings, in their variety, which the synth's styles alone do not reach.
RECORDED_WORD = "recorded"
# Words a kit's or preset's name reliably gives, checked in order (first match wins).
SOURCE_WORDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"808"), ("808", "electronic")),
    (re.compile(r"909"), ("909", "electronic")),
    (
        re.compile(r"electr|^elec_|techno|dance|analog|synth|hard ?electro|varibreaks|rumpf", re.I),
        ("electronic",),
    ),
    (
        re.compile(
            r"standard|room|power|jazz|brush|orchestra|acoustic|pearl|zeppelin|forzee|millo|"
            r"colombo|pacific|marching",
            re.I,
        ),
        ("acoustic",),
    ),
)


@dataclass(frozen=True)
class Source:
    """One real kick before preparation: where it comes from and how to get its audio."""

    package: str
    group: str  # held out as a whole: a kit, or a family of kits that share samples
    kit: str
    instrument: str
    velocity: str
    origin: str  # a file path, or sound-font path#bank:preset:note:velocity
    licence: str
    load: Callable[[], np.ndarray] = field(compare=False, repr=False)

    @property
    def words(self) -> tuple[str, ...]:
        for pattern, words in SOURCE_WORDS:
            if pattern.search(self.kit) or pattern.search(self.instrument):
                return (RECORDED_WORD, *words)
        return (RECORDED_WORD,)


@dataclass
class CorpusReport:
    kept: Counter[str] = field(default_factory=Counter)  # per package
    skipped: Counter[str] = field(default_factory=Counter)  # per reason
    entries: list[dict[str, object]] = field(default_factory=list)

    def summary(self) -> str:
        kept = ", ".join(f"{package}: {count}" for package, count in sorted(self.kept.items()))
        skipped = ", ".join(f"{count} {reason}" for reason, count in self.skipped.most_common())
        return f"{sum(self.kept.values())} real kicks ({kept}); skipped {skipped or 'none'}"


def _file_loader(path: Path, config: AudioConfig) -> Callable[[], np.ndarray]:
    return lambda: read_audio(path, config.sample_rate, MAX_SOURCE_SECONDS)


def _copyright_stanzas(package: str) -> Iterator[tuple[list[str], dict[str, str]]]:
    """The file globs and fields (Copyright, License) of each stanza of a DEP-5 copyright file,
    the packaging's own stanzas left out."""
    path = DOC_DIR / package / "copyright"
    if not path.is_file():
        return
    for stanza in re.split(r"\n\s*\n", path.read_text(errors="replace")):
        patterns = re.search(r"^Files:(.*(?:\n[ \t].*)*)", stanza, re.MULTILINE)
        if not patterns:
            continue
        globs = patterns.group(1).split()
        if any(glob.startswith("debian/") for glob in globs):
            continue
        fields = {
            name: value.strip()
            for name, value in re.findall(r"^(Copyright|License):[ \t]*(\S.*)$", stanza, re.M)
        }
        yield globs, fields


def package_licence(package: str, files: str = "*") -> str:
    """The licence a Debian copyright file gives for `files` (DEP-5 stanzas; the first licence
    named in the text otherwise)."""
    best = ""
    for globs, fields in _copyright_stanzas(package):
        licence = fields.get("License")
        if not licence:
            continue
        if any(fnmatch.fnmatch(files, glob) for glob in globs) or not best:
            best = licence
            if files != "*" and any(fnmatch.fnmatch(files, g) and g != "*" for g in globs):
                return best
    if best:
        return best
    path = DOC_DIR / package / "copyright"
    if not path.is_file():
        return "unknown"
    text = path.read_text(errors="replace")
    named = re.search(r"\b(MIT|GPL-?\d\+?|CC[- ]BY[- A-Z0-9.]*|public domain)\b", text, re.I)
    return named.group(1) if named else "see copyright file"


def copyright_holder(package: str, files: str) -> str | None:
    """Who a DEP-5 stanza naming `files` itself (not a catch-all glob) gives the copyright to,
    without the year."""
    for globs, fields in _copyright_stanzas(package):
        if "Copyright" in fields and any(fnmatch.fnmatch(files, g) and "*" not in g for g in globs):
            return re.sub(r"^[\d\s,-]+", "", fields["Copyright"]).strip() or None
    return None


def hydrogen_sources(root: Path, package: str, config: AudioConfig) -> Iterator[Source]:
    """Every layer of every kick / bass-drum instrument of every kit under `root`."""
    for kit_file in sorted(root.glob("*/drumkit.xml")):
        kit_dir = kit_file.parent
        try:
            kit = ElementTree.parse(kit_file).getroot()
        except ElementTree.ParseError as error:
            log.warning("skipped kit %s: %s", kit_dir.name, error)
            continue
        namespace = kit.tag[: kit.tag.index("}") + 1] if kit.tag.startswith("{") else ""
        own_licence = (kit.findtext(f"{namespace}license") or "").strip()
        licence = own_licence or package_licence(package, f"drumkits/{kit_dir.name}.h2drumkit")
        for instrument in kit.iter(f"{namespace}instrument"):
            name = (instrument.findtext(f"{namespace}name") or "").strip()
            if not KICK_INSTRUMENT.search(name):
                continue
            layers = list(instrument.iter(f"{namespace}layer")) or [instrument]
            for layer in layers:
                file_name = layer.findtext(f"{namespace}filename")
                if not file_name:
                    continue
                low = layer.findtext(f"{namespace}min") or "0"
                high = layer.findtext(f"{namespace}max") or "1"
                path = kit_dir / file_name
                yield Source(
                    package,
                    _slug(kit_dir.name),
                    kit_dir.name,
                    name,
                    f"{float(low):.2f}-{float(high):.2f}",
                    str(path),
                    licence,
                    _file_loader(path, config),
                )


def lmms_sources(root: Path, config: AudioConfig) -> Iterator[Source]:
    licence = package_licence("lmms-common")
    paths = sorted({p for pattern in LMMS_KICK_FILES for p in root.glob(pattern)})
    for path in paths:
        yield Source(
            "lmms-common",
            "lmms-drums",
            "lmms",
            path.stem,
            "-",
            str(path),
            licence,
            _file_loader(path, config),
        )


def sonic_pi_sources(root: Path, config: AudioConfig) -> Iterator[Source]:
    """Sonic Pi's bass drums and kicks. Each came from freesound on its own, so the samples of one
    maker are one kit (held out together); a sample without a maker of its own is its own kit."""
    package = "sonic-pi-samples"
    paths = sorted({p for pattern in SONIC_PI_KICK_FILES for p in root.glob(pattern)})
    for path in paths:
        listed = SONIC_PI_COPYRIGHT_PREFIX + path.name
        maker = copyright_holder(package, listed) or path.stem
        yield Source(
            package,
            f"sonic-pi-{_slug(maker)}",
            f"sonic-pi {maker}",
            path.stem,
            "-",
            str(path),
            package_licence(package, listed),
            _file_loader(path, config),
        )


def _font_package(path: Path) -> str:
    """The Debian package that ships a sound font (`dpkg -S` without calling dpkg)."""
    real = str(path.resolve())
    for listing in sorted(Path("/var/lib/dpkg/info").glob("*.list")):
        if real in listing.read_text(errors="replace").splitlines():
            return listing.stem.split(":")[0]
    return "unknown"


class _SoundFontRenderer:
    """One FluidSynth instance per sound font (loading a large font takes seconds), without
    reverb or chorus, rendering one note at a time."""

    def __init__(self, font: Path, config: AudioConfig) -> None:
        import fluidsynth

        self.config = config
        self.warm = False
        self.synth = fluidsynth.Synth(
            samplerate=float(config.sample_rate),
            gain=0.5,
            **{"synth.reverb.active": 0, "synth.chorus.active": 0},
        )
        self.font_id = self.synth.sfload(str(font))

    def _warm_up(self, bank: int, preset: int) -> None:
        """The first two notes a new synth plays render differently from the same notes later
        (measured: 0.010 and 0.001 from the settled render, where a semitone moves 0.006), so a
        kit's sound is taken once they are played."""
        for _ in range(WARM_UP_NOTES):
            self._play(bank, preset, GM_KICK_NOTES[0], VELOCITIES[-1])
        self.warm = True

    def kits(self) -> list[tuple[int, int, str]]:
        """(bank, preset, name) of the drum kits: the drum bank, or a font's only preset."""
        if self.font_id < 0:
            return []
        named = [(128, p, self.synth.sfpreset_name(self.font_id, 128, p)) for p in range(128)]
        kits = [kit for kit in named if kit[2] and not NOT_KICK_KITS.search(kit[2])]
        if kits:
            return kits
        named = [(0, p, self.synth.sfpreset_name(self.font_id, 0, p)) for p in range(128)]
        return [kit for kit in named if kit[2]][:1]

    def render(self, bank: int, preset: int, note: int, velocity: int) -> np.ndarray:
        if not self.warm:
            self._warm_up(bank, preset)
        return self._play(bank, preset, note, velocity)

    def _play(self, bank: int, preset: int, note: int, velocity: int) -> np.ndarray:
        self.synth.program_select(DRUM_CHANNEL, self.font_id, bank, preset)
        self.synth.noteon(DRUM_CHANNEL, note, velocity)
        # Whole blocks, so that every note starts on a block boundary and renders the same.
        frames = math.ceil(RENDER_SECONDS * self.config.sample_rate / FLUIDSYNTH_BLOCK)
        samples = self.synth.get_samples(frames * FLUIDSYNTH_BLOCK)
        stereo = samples.reshape(-1, 2).astype(np.float32) / 32768
        # Nothing of this note may ring into the next one.
        self.synth.all_sounds_off(DRUM_CHANNEL)
        self.synth.get_samples(FLUSH_FRAMES)
        return stereo.mean(axis=1)


def _kit_family(preset_name: str) -> str:
    """ "Standard 3" -> "standard", "Orchestra Kit" -> "orchestra", "TR 808" -> "tr-808": GM
    fonts share samples between a kit's variants, and between fonts."""
    family = re.sub(r"(\s+\d{1,2}|\s+kit)+$", "", preset_name.strip(), flags=re.IGNORECASE)
    return _slug(family)


def sound_font_sources(
    directories: Sequence[Path], config: AudioConfig, velocities: Sequence[int] = VELOCITIES
) -> Iterator[Source]:
    """Every drum kit of every sound font (each file once, symlinks resolved) x GM kick notes x
    velocities. Kits of General MIDI fonts are grouped by family across fonts ("gm-standard"),
    since their variants and the fonts themselves share samples."""
    seen: set[Path] = set()
    fonts = sorted(p for d in directories if d.is_dir() for p in d.iterdir() if p.is_file())
    for font in fonts:
        real = font.resolve()
        if real in seen:
            continue
        seen.add(real)
        renderer = _SoundFontRenderer(real, config)
        kits = renderer.kits()
        if not kits:
            log.warning("skipped sound font %s: FluidSynth finds no drum kit in it", font)
            continue
        package = _font_package(font)
        licence = package_licence(package)
        for bank, preset, name in kits:
            group = f"gm-{_kit_family(name)}" if bank == 128 else _slug(real.stem)
            for note in GM_KICK_NOTES:
                for velocity in velocities:
                    yield Source(
                        package,
                        group,
                        f"{real.stem} {name}",
                        f"note {note}",
                        str(velocity),
                        f"{real}#{bank}:{preset}:{note}:{velocity}",
                        licence,
                        functools.partial(renderer.render, bank, preset, note, velocity),
                    )


def default_sources(config: AudioConfig) -> Iterator[Source]:
    for package in ("hydrogen-drumkits", "hydrogen-drumkits-effects"):
        # Both packages install into one folder; each kit is listed once, by the first.
        if (DOC_DIR / package).is_dir() and HYDROGEN_DRUMKITS.is_dir():
            yield from hydrogen_sources(HYDROGEN_DRUMKITS, package, config)
            break
    if LMMS_DRUMS.is_dir():
        yield from lmms_sources(LMMS_DRUMS, config)
    if SONIC_PI_SAMPLES.is_dir():
        yield from sonic_pi_sources(SONIC_PI_SAMPLES, config)
    yield from sound_font_sources(SOUND_FONT_DIRS, config)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "kit"


def build_corpus(
    out: Path, sources: Iterator[Source] | None = None, config: AudioConfig | None = None
) -> CorpusReport:
    """Write every usable, distinct real kick of `sources` (default: Debian's packages) into
    `out/<kit>/` with `manifest.json`; returns what was kept and skipped."""
    config = config or AudioConfig()
    sources = default_sources(config) if sources is None else sources
    transform = LogMelSpectrogram(config)
    report = CorpusReport()
    fingerprints: list[torch.Tensor] = []
    seen_origins: set[str] = set()
    if (out / MANIFEST_FILE).exists():
        # An earlier build: its kicks were named by the words of that build, and a stale file left
        # beside this build's would be prepared twice.
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    for source in sources:
        if source.origin in seen_origins:  # one file named by two instruments or kits
            report.skipped["listed twice"] += 1
            continue
        seen_origins.add(source.origin)
        try:
            audio = from_onset(source.load())
        except UnreadableAudioError as error:
            log.info("skipped %s: %s", source.origin, error)
            reason = "silent" if "silent" in str(error) else str(error).split(":")[0]
            report.skipped[re.sub(r"[\d.]+ s of audio.*", "over the length limit", reason)] += 1
            continue
        kept = audio[: int(KEPT_SECONDS * config.sample_rate)]
        model_view = fit_length(torch.from_numpy(kept), config.num_samples)
        model_view = model_view / model_view.abs().max()
        if rings_on(model_view.numpy(), config.sample_rate):
            log.info("skipped %s: its tail rings on", source.origin)
            report.skipped["rings on"] += 1
            continue
        with torch.inference_mode():
            fingerprint = transform(model_view[None])[0, :, :DUPLICATE_FRAMES]
        # Below 60 dB under its loudest cell a kick is its recording's noise floor, which a copy
        # at another level or bit depth does not share.
        fingerprint = fingerprint.clamp_min(float(fingerprint.max()) - FINGERPRINT_RANGE)
        if any(
            float((fingerprint - other).abs().mean()) < DUPLICATE_DISTANCE for other in fingerprints
        ):
            report.skipped["near-duplicate"] += 1
            continue
        fingerprints.append(fingerprint)
        words = [*source.words, *measured_keywords(describe(model_view.numpy()))]
        index = sum(report.kept.values())
        relative = f"{source.group}/{_slug(source.kit)}/{'_'.join([*words, f'{index:04d}'])}.wav"
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(out / relative, kept, config.sample_rate, subtype="PCM_24")
        report.kept[source.package] += 1
        entry = {k: v for k, v in asdict(source).items() if k != "load"}
        report.entries.append({"file": relative, **entry, "keywords": words})
    manifest = {
        "kicks": report.entries,
        "kept_per_package": dict(report.kept),
        "skipped": dict(report.skipped),
        "licences": sorted({f"{e['package']}: {e['licence']}" for e in report.entries}),
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n")
    log.info("%s -> %s", report.summary(), out)
    return report
