"""Renders the stock sounds of presets.catalogue to audio arrays (float64, frames x channels).

Everything is deterministic: randomness comes only from numpy generators seeded by the recipe.
Noise loops are synthesised in the frequency domain or placed on a circular buffer, so each one
is exactly periodic and repeats without a click at the seam.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from gpu_worker import synth
from presets.catalogue import (
    SAMPLE_RATE,
    ImpulseResponseRecipe,
    KickRecipe,
    NoiseRecipe,
    Recipe,
    Texture,
)

NOISE_RMS_DB = -18.0
PEAK_DB = -1.0
KICK_SILENCE_DB = -70.0  # a stock kick ends where it stays below this level


def render(recipe: Recipe) -> np.ndarray:
    """The sound of `recipe` as float64 samples, shape (frames, channels), peak <= -1 dBFS."""
    if isinstance(recipe, KickRecipe):
        audio = render_kick(recipe)
    elif isinstance(recipe, NoiseRecipe):
        audio = render_noise(recipe)
    else:
        audio = render_impulse_response(recipe)
    return audio if audio.ndim == 2 else audio[:, np.newaxis]


def render_kick(recipe: KickRecipe) -> np.ndarray:
    params = synth.sample_params(recipe.style, np.random.default_rng(recipe.seed))
    params = params.replace(**dict(recipe.overrides))
    kick = synth.render_kick(params).astype(np.float64)
    # The synthesizer renders a fixed 2 s; the stock kick stops once its tail has died away.
    loud = np.flatnonzero(np.abs(kick) > 10 ** (KICK_SILENCE_DB / 20) * np.max(np.abs(kick)))
    end = min(kick.size, loud[-1] + 1 + _samples(0.01))
    kick = kick[:end]
    fade = _samples(0.01)
    kick[-fade:] *= np.cos(np.linspace(0, np.pi / 2, fade)) ** 2
    return _peak_normalised(kick)


def render_noise(recipe: NoiseRecipe) -> np.ndarray:
    rng = np.random.default_rng(recipe.seed)
    frames = _samples(recipe.seconds)
    if recipe.texture is Texture.SCIFI_SWEEP:
        # One sweep in every channel, each voice a little detuned, rather than unrelated sweeps.
        audio = _scifi_sweep(frames, recipe.channels, rng)
    else:
        make = _TEXTURES[recipe.texture]
        audio = np.stack([make(frames, rng) for _ in range(recipe.channels)], axis=1)
    audio *= 10 ** (NOISE_RMS_DB / 20) / np.sqrt(np.mean(audio**2))
    return _peak_limited(audio)


def render_impulse_response(recipe: ImpulseResponseRecipe) -> np.ndarray:
    rng = np.random.default_rng(recipe.seed)
    frames = _samples(recipe.seconds)
    t = np.arange(frames) / SAMPLE_RATE
    common = rng.standard_normal(frames)
    early_times = rng.uniform(0, recipe.early_spread_ms / 1000, recipe.early_reflections)
    early_gains = 0.7 ** np.arange(recipe.early_reflections) * rng.choice(
        [-1.0, 1.0], recipe.early_reflections
    )
    tone = signal.butter(
        2,
        [40, min(recipe.low_pass_hz, 0.45 * SAMPLE_RATE)],
        "bandpass",
        fs=SAMPLE_RATE,
        output="sos",
    )
    channels = []
    for _ in range(2):
        # Each channel hears the same room from another place: its own diffuse noise (mixed
        # with a shared part by `width`) and its own jitter on the early reflection times.
        own = rng.standard_normal(frames)
        noise = np.sqrt(1 - recipe.width**2) * common + recipe.width * own
        tail = _band_decays(noise, t, recipe)
        onset = t - recipe.pre_delay_ms / 1000
        build_up = np.where(onset > 0, 1 - np.exp(-onset / (recipe.build_up_ms / 1000 + 1e-4)), 0)
        channel = tail * build_up
        if recipe.early_reflections:
            jitter = rng.uniform(-0.0015, 0.0015, recipe.early_reflections)
            times = recipe.pre_delay_ms / 1000 + np.clip(early_times + jitter, 0, None)
            reflections = np.zeros(frames)
            arrivals = np.minimum(np.round(times * SAMPLE_RATE).astype(int), frames - 1)
            np.add.at(reflections, arrivals, early_gains)
            # Reflections lose highs off the walls: a short smoothing per arrival.
            smear = signal.windows.hann(9) / signal.windows.hann(9).sum()
            reflections = np.convolve(reflections, smear)[:frames]
            channel = channel / np.max(np.abs(channel)) * 0.35 + reflections
        channel = signal.sosfilt(tone, channel)
        channels.append(channel)
    audio = np.stack(channels, axis=1)
    fade = _samples(recipe.seconds * 0.15)
    audio[-fade:] *= (np.cos(np.linspace(0, np.pi / 2, fade)) ** 2)[:, np.newaxis]
    return _peak_normalised(audio)


def _band_decays(noise: np.ndarray, t: np.ndarray, recipe: ImpulseResponseRecipe) -> np.ndarray:
    """Noise whose octave bands each decay at their own rate (air and walls eat the highs).

    The bands are split in the frequency domain with crossfades that sum to exactly one, so
    the tail starts out as flat as the noise, without crossover peaks or notches.
    """
    centres = 125.0 * 2.0 ** np.arange(8)  # 125 Hz ... 16 kHz
    decay_ratios = np.interp(
        np.log2(centres),
        np.log2([250.0, 700.0, 2000.0, 4000.0]),
        [recipe.low_decay_ratio, 1.0, 1.0, recipe.high_decay_ratio],
    )
    spectrum = np.fft.rfft(noise)
    freqs = np.fft.rfftfreq(noise.size, 1 / SAMPLE_RATE)
    position = np.clip(np.log2(np.maximum(freqs, 1.0) / centres[0]), 0, centres.size - 1)
    tail = np.zeros_like(noise)
    for band, ratio in enumerate(decay_ratios):
        weight = np.clip(1 - np.abs(position - band), 0, None)
        envelope = 10 ** (-3 * t / (recipe.rt60_s * ratio))  # -60 dB after this band's RT60
        tail += np.fft.irfft(spectrum * weight, noise.size) * envelope
    return tail


# --- Noise textures: each returns one channel of exactly `frames` periodic samples. ---


def _spectral_noise(
    frames: int,
    rng: np.random.Generator,
    exponent: float,
    low_hz: float = 20.0,
    high_hz: float = 20_000.0,
) -> np.ndarray:
    """Periodic noise with power ~ 1/f**exponent between low_hz and high_hz (smooth edges)."""
    freqs = np.fft.rfftfreq(frames, 1 / SAMPLE_RATE)
    magnitude = np.zeros_like(freqs)
    magnitude[1:] = freqs[1:] ** (-exponent / 2)
    magnitude *= _butterworth_magnitude(freqs, low_hz, high_hz, order=2)
    phases = rng.uniform(0, 2 * np.pi, freqs.size)
    noise = np.fft.irfft(magnitude * np.exp(1j * phases), n=frames)
    return noise / np.std(noise)


def _butterworth_magnitude(
    freqs: np.ndarray, low_hz: float, high_hz: float, order: int
) -> np.ndarray:
    with np.errstate(divide="ignore"):
        high_pass = 1 / np.sqrt(1 + (low_hz / np.maximum(freqs, 1e-9)) ** (2 * order))
    low_pass = 1 / np.sqrt(1 + (freqs / high_hz) ** (2 * order))
    return high_pass * low_pass


def _periodic_band(x: np.ndarray, low_hz: float, high_hz: float, order: int = 2) -> np.ndarray:
    """Band-limit a periodic signal in the frequency domain, so it stays periodic."""
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(x.size, 1 / SAMPLE_RATE)
    return np.fft.irfft(spectrum * _butterworth_magnitude(freqs, low_hz, high_hz, order), x.size)


def _lfo(frames: int, cycles: int, phase: float) -> np.ndarray:
    """A sine completing a whole number of cycles over the loop."""
    return np.sin(2 * np.pi * cycles * np.arange(frames) / frames + phase)


def _scatter(frames: int, positions: np.ndarray, grains: list[np.ndarray]) -> np.ndarray:
    """Add each grain at its position on a circular buffer (grains wrap over the seam)."""
    out = np.zeros(frames)
    for start, grain in zip(positions, grains, strict=True):
        np.add.at(out, (start + np.arange(grain.size)) % frames, grain)
    return out


def _pink(frames: int, rng: np.random.Generator) -> np.ndarray:
    return _spectral_noise(frames, rng, exponent=1.0)


def _brown(frames: int, rng: np.random.Generator) -> np.ndarray:
    return _spectral_noise(frames, rng, exponent=2.0, low_hz=25.0)


def _tape_hiss(frames: int, rng: np.random.Generator) -> np.ndarray:
    hiss = _spectral_noise(frames, rng, exponent=0.0, low_hz=1800.0, high_hz=14_000.0)
    # Slow level flutter of the tape and a faint mains hum (150 cycles of 50 Hz per 3 s loop).
    flutter = 1 + 0.08 * _lfo(frames, 3, rng.uniform(0, 2 * np.pi))
    t = np.arange(frames) / frames
    hum_cycles = round(50 * frames / SAMPLE_RATE)
    hum = 0.05 * np.sin(2 * np.pi * hum_cycles * t) + 0.02 * np.sin(4 * np.pi * hum_cycles * t)
    return hiss * flutter + hum


def _vinyl_crackle(frames: int, rng: np.random.Generator) -> np.ndarray:
    seconds = frames / SAMPLE_RATE
    bed = 0.15 * _spectral_noise(frames, rng, exponent=0.5, low_hz=500.0, high_hz=9000.0)
    rumble = 0.25 * _spectral_noise(frames, rng, exponent=2.0, low_hz=15.0, high_hz=90.0)
    rotation = 1 + 0.3 * _lfo(frames, 2, rng.uniform(0, 2 * np.pi))  # two turns per loop
    count = int(rng.poisson(60 * seconds))
    positions = rng.integers(0, frames, count)
    grains = []
    for _ in range(count):
        length = int(rng.integers(20, 160))
        amplitude = min(rng.pareto(2.5) + 0.3, 2.5)  # mostly small ticks, now and then a pop
        grain = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4))
        grains.append(amplitude * grain)
    clicks = _periodic_band(_scatter(frames, positions, grains), 300.0, 12_000.0)
    return bed + rumble * rotation + 3.0 * clicks


def _rain(frames: int, rng: np.random.Generator) -> np.ndarray:
    seconds = frames / SAMPLE_RATE
    bed = _spectral_noise(frames, rng, exponent=0.8, low_hz=200.0, high_hz=6000.0)
    count = int(rng.poisson(400 * seconds))
    positions = rng.integers(0, frames, count)
    grains = []
    for _ in range(count):
        # A drop rings like a small bubble: a short damped sine gliding upwards.
        length = int(rng.integers(150, 600))
        t = np.arange(length) / SAMPLE_RATE
        pitch = rng.uniform(1200, 5000) * (1 + 2.5 * t / t[-1] * rng.uniform(0.05, 0.3))
        phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
        envelope = np.exp(-t / rng.uniform(0.002, 0.008))
        grains.append(rng.lognormal(0, 0.6) * np.sin(phase) * envelope)
    drops = _scatter(frames, positions, grains)
    return 0.6 * bed + 2.0 * drops / np.std(drops)


def _wind(frames: int, rng: np.random.Generator) -> np.ndarray:
    wind = np.zeros(frames)
    # Overlapping bands that swell and fade on their own whole-loop cycles: gusts that seem
    # to move in pitch.
    for centre in (180.0, 320.0, 560.0, 900.0, 1500.0):
        band = _periodic_band(_spectral_noise(frames, rng, 1.0), centre / 1.4, centre * 1.4, 3)
        gust = (
            np.clip(
                0.55 + 0.45 * _lfo(frames, int(rng.integers(1, 4)), rng.uniform(0, 2 * np.pi)),
                0,
                None,
            )
            ** 2
        )
        wind += band / np.std(band) * gust * (centre / 180.0) ** -0.5
    return wind


def _scifi_sweep(frames: int, channels: int, rng: np.random.Generator) -> np.ndarray:
    """A tone sweeping up and down once per loop, with a breathy whoosh under it."""
    position = _lfo(frames, 1, -np.pi / 2)  # -1 at the seam, +1 mid-loop
    voices = []
    for detune in (1.0, 1.012)[:channels]:
        frequency = 220.0 * 2 ** (2.5 * (position + 1)) * detune  # 220 Hz up to ~7 kHz
        cycles = np.sum(frequency) / SAMPLE_RATE
        frequency *= round(cycles) / cycles  # a whole number of cycles: the phase loops too
        phase = 2 * np.pi * np.cumsum(frequency) / SAMPLE_RATE
        tone = np.sin(phase) + 0.3 * np.sin(2 * phase + 0.5 * np.sin(phase))
        whoosh = _periodic_band(_spectral_noise(frames, rng, 1.0), 400.0, 9000.0)
        level = 0.6 + 0.4 * (position + 1) / 2
        voices.append(level * (0.5 * tone + 0.35 * whoosh / np.std(whoosh)))
    return np.stack(voices, axis=1)


_TEXTURES = {
    Texture.PINK: _pink,
    Texture.BROWN: _brown,
    Texture.TAPE_HISS: _tape_hiss,
    Texture.VINYL_CRACKLE: _vinyl_crackle,
    Texture.RAIN: _rain,
    Texture.WIND: _wind,
}


def _samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


def _peak_normalised(audio: np.ndarray) -> np.ndarray:
    return audio / np.max(np.abs(audio)) * 10 ** (PEAK_DB / 20)


def _peak_limited(audio: np.ndarray) -> np.ndarray:
    peak = np.max(np.abs(audio))
    limit = 10 ** (PEAK_DB / 20)
    return audio if peak <= limit else audio * (limit / peak)
