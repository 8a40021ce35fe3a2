/**
 * The DAW's continuous parameters: ranges (the server's preset ranges), defaults, units and the
 * knob taper. Knobs, presets, the engine and validation all read them from here.
 */

export type Taper = "linear" | "log";

export interface ParamSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly defaultValue: number;
  readonly unit: "" | "%" | "Hz" | "dB" | "×" | "BPM";
  readonly taper: Taper;
  /** Values snap to multiples of this (1 for BPM, 0 for continuous). */
  readonly step: number;
}

export const PARAMS = {
  bpm: { label: "BPM", min: 60, max: 365, defaultValue: 140, unit: "BPM", taper: "linear", step: 1 },
  kickLength: { label: "Length", min: 0.1, max: 1, defaultValue: 1, unit: "%", taper: "linear", step: 0 },
  kickDistortion: { label: "Distortion", min: 0, max: 0.5, defaultValue: 0, unit: "%", taper: "linear", step: 0 },
  kickOtt: { label: "OTT", min: 0, max: 1, defaultValue: 0, unit: "%", taper: "linear", step: 0 },
  noiseLowPass: { label: "Low-pass", min: 30, max: 7000, defaultValue: 7000, unit: "Hz", taper: "log", step: 0 },
  noiseHighPass: { label: "High-pass", min: 30, max: 7000, defaultValue: 30, unit: "Hz", taper: "log", step: 0 },
  noiseVolume: { label: "Volume", min: -70, max: -6, defaultValue: -30, unit: "dB", taper: "linear", step: 0 },
  reverbLowPass: { label: "Low-pass", min: 30, max: 7000, defaultValue: 7000, unit: "Hz", taper: "log", step: 0 },
  reverbHighPass: { label: "High-pass", min: 30, max: 7000, defaultValue: 30, unit: "Hz", taper: "log", step: 0 },
  reverbVolume: { label: "Volume", min: -60, max: 0, defaultValue: -18, unit: "dB", taper: "linear", step: 0 },
  masterOtt: { label: "OTT", min: 0, max: 1, defaultValue: 0, unit: "%", taper: "linear", step: 0 },
  masterDistortion: { label: "Distortion", min: 0, max: 0.5, defaultValue: 0, unit: "%", taper: "linear", step: 0 },
  limiterPreGain: { label: "Limiter", min: 1, max: 8, defaultValue: 1, unit: "×", taper: "linear", step: 0 },
} as const satisfies Record<string, ParamSpec>;

export type ParamId = keyof typeof PARAMS;

/** Everything the engine plays, in the shape of a preset (sample keys instead of ids). */
export interface DawSettings {
  bpm: number;
  /** A key in the sample library: a stock kick key, or `ai:<kick id>` for an AI kick. */
  kickKey: string | null;
  kickLength: number;
  kickDistortion: number;
  kickOtt: number;
  noiseKey: string | null;
  noiseLowPass: number;
  noiseHighPass: number;
  noiseVolume: number;
  reverbKey: string | null;
  reverbLowPass: number;
  reverbHighPass: number;
  reverbVolume: number;
  masterOtt: number;
  masterDistortion: number;
  limiterPreGain: number;
}

export function defaultSettings(): DawSettings {
  const values = Object.fromEntries(
    Object.entries(PARAMS).map(([id, spec]) => [id, spec.defaultValue]),
  ) as Record<ParamId, number>;
  return { ...values, kickKey: null, noiseKey: null, reverbKey: null };
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Clamps to the range and snaps to the step, so every value a control produces is valid. */
export function constrain(spec: ParamSpec, value: number): number {
  const clamped = clamp(value, spec.min, spec.max);
  return spec.step > 0 ? clamp(Math.round(clamped / spec.step) * spec.step, spec.min, spec.max) : clamped;
}

/** Parameter value → knob position in 0…1 (log taper for frequencies, so each octave gets equal travel). */
export function toNormalized(spec: ParamSpec, value: number): number {
  const v = clamp(value, spec.min, spec.max);
  if (spec.taper === "log") return Math.log(v / spec.min) / Math.log(spec.max / spec.min);
  return (v - spec.min) / (spec.max - spec.min);
}

export function fromNormalized(spec: ParamSpec, position: number): number {
  const p = clamp(position, 0, 1);
  const raw = spec.taper === "log" ? spec.min * Math.pow(spec.max / spec.min, p) : spec.min + p * (spec.max - spec.min);
  return constrain(spec, raw);
}

export const KNOB_MIN_ANGLE = -135;
export const KNOB_MAX_ANGLE = 135;

export function positionToAngle(position: number): number {
  return KNOB_MIN_ANGLE + clamp(position, 0, 1) * (KNOB_MAX_ANGLE - KNOB_MIN_ANGLE);
}

/** The value as a person reads it: 0.25 → "25%", 440.3 → "440 Hz", 1520 → "1.52 kHz", −12.04 → "−12.0 dB". */
export function formatValue(spec: ParamSpec, value: number): string {
  switch (spec.unit) {
    case "%":
      return `${Math.round(value * 100)}%`;
    case "Hz":
      return value >= 1000 ? `${(value / 1000).toFixed(2)} kHz` : `${Math.round(value)} Hz`;
    case "dB":
      return `${value.toFixed(1).replace("-", "−")} dB`;
    case "×":
      return `${value.toFixed(2)}×`;
    case "BPM":
      return `${Math.round(value)} BPM`;
    default:
      return value.toFixed(2);
  }
}
