"""A minimal SoundFont 2 writer for tests: drum kits (bank 128) of one mono sample each, mapped to
the General MIDI kick notes, so that FluidSynth renders real files the tests made themselves."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

# SoundFont 2.04 generator numbers.
INSTRUMENT = 41
KEY_RANGE = 43
SAMPLE_ID = 53
MONO_SAMPLE = 1
ROOT_KEY = 36
SAMPLE_PADDING = 46  # zero samples the format requires after every sample


def _chunk(tag: bytes, data: bytes) -> bytes:
    padded = data + (b"\0" if len(data) % 2 else b"")
    return tag + struct.pack("<I", len(data)) + padded


def _list(kind: bytes, *chunks: bytes) -> bytes:
    return _chunk(b"LIST", kind + b"".join(chunks))


def _name(text: str) -> bytes:
    return text.encode()[:19].ljust(20, b"\0")


def write_drum_sound_font(
    path: Path, kits: dict[str, np.ndarray], sample_rate: int = 44_100
) -> None:
    """One preset per kit in bank 128 (numbered in order), each playing its sample on notes 35
    and 36 (pitch follows the key, rooted at 36)."""
    samples = b""
    headers = b""
    for index, audio in enumerate(kits.values()):
        start = len(samples) // 2
        pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
        samples += pcm + bytes(2 * SAMPLE_PADDING)
        end = start + len(pcm) // 2
        headers += _name(f"sample {index}") + struct.pack(
            "<IIIIIBbHH", start, end, start, end, sample_rate, ROOT_KEY, 0, 0, MONO_SAMPLE
        )
    headers += _name("EOS") + bytes(26)

    count = len(kits)
    presets = (
        b"".join(
            _name(name) + struct.pack("<HHHIII", index, 128, index, 0, 0, 0)
            for index, name in enumerate(kits)
        )
        + _name("EOP")
        + struct.pack("<HHHIII", 0, 0, count, 0, 0, 0)
    )
    preset_bags = b"".join(struct.pack("<HH", i, 0) for i in range(count + 1))
    preset_generators = b"".join(struct.pack("<HH", INSTRUMENT, i) for i in range(count))
    instruments = (
        b"".join(_name(f"instrument {i}") + struct.pack("<H", i) for i in range(count))
        + _name("EOI")
        + struct.pack("<H", count)
    )
    instrument_bags = b"".join(struct.pack("<HH", 2 * i, 0) for i in range(count + 1))
    instrument_generators = b"".join(
        struct.pack("<HBB", KEY_RANGE, 35, 36) + struct.pack("<HH", SAMPLE_ID, i)
        for i in range(count)
    )
    terminal_generator = struct.pack("<HH", 0, 0)
    terminal_modulator = bytes(10)

    body = b"sfbk" + b"".join(
        [
            _list(
                b"INFO",
                _chunk(b"ifil", struct.pack("<HH", 2, 1)),
                _chunk(b"isng", b"EMU8000\0"),
                _chunk(b"INAM", b"Test drums kit\0\0"),
            ),
            _list(b"sdta", _chunk(b"smpl", samples)),
            _list(
                b"pdta",
                _chunk(b"phdr", presets),
                _chunk(b"pbag", preset_bags),
                _chunk(b"pmod", terminal_modulator),
                _chunk(b"pgen", preset_generators + terminal_generator),
                _chunk(b"inst", instruments),
                _chunk(b"ibag", instrument_bags),
                _chunk(b"imod", terminal_modulator),
                _chunk(b"igen", instrument_generators + terminal_generator),
                _chunk(b"shdr", headers),
            ),
        ]
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
