/**
 * The DAW's continuous parameters. Their ranges, defaults and steps are the server's, served by
 * `presetParameters` in the start-up answer (the same table the server validates presets
 * against); this module keeps only how a knob shows them: label, display unit and taper. Knobs,
 * presets and the reducer read the specs `paramSpecs` builds from the two.
 */
import type { PresetParameter, PresetParameterFieldsFragment } from "../gql/graphql";

export type Taper = "linear" | "log";

/** A parameter, named as its PresetInput field: the server's `PresetParameter` enum. */
export type ParamId = PresetParameter;

/** How a knob shows a parameter: the client's alone. */
export interface ParamLook {
  readonly label: string;
  readonly unit: "" | "%" | "Hz" | "dB" | "×" | "BPM";
  readonly taper: Taper;
}

/** One entry of the server's `presetParameters`. */
export type ServedParam = PresetParameterFieldsFragment;

export interface ParamSpec extends ParamLook {
  readonly min: number;
  readonly max: number;
  readonly defaultValue: number;
  /** Values snap to multiples of this (1 for BPM, 0 for continuous). */
  readonly step: number;
}

export type ParamSpecs = Readonly<Record<ParamId, ParamSpec>>;

// `satisfies Record<ParamId, …>`: the type check fails when the server's enum gains, loses or
// renames a parameter until this table follows.
export const PARAM_LOOKS = {
  bpm: { label: "BPM", unit: "BPM", taper: "linear" },
  kickLength: { label: "Length", unit: "%", taper: "linear" },
  kickDistortion: { label: "Distortion", unit: "%", taper: "linear" },
  kickOtt: { label: "OTT", unit: "%", taper: "linear" },
  noiseLowPass: { label: "Low-pass", unit: "Hz", taper: "log" },
  noiseHighPass: { label: "High-pass", unit: "Hz", taper: "log" },
  noiseVolume: { label: "Volume", unit: "dB", taper: "linear" },
  reverbLowPass: { label: "Low-pass", unit: "Hz", taper: "log" },
  reverbHighPass: { label: "High-pass", unit: "Hz", taper: "log" },
  reverbVolume: { label: "Volume", unit: "dB", taper: "linear" },
  masterOtt: { label: "OTT", unit: "%", taper: "linear" },
  masterDistortion: { label: "Distortion", unit: "%", taper: "linear" },
  limiterPreGain: { label: "Limiter", unit: "×", taper: "linear" },
} as const satisfies Record<ParamId, ParamLook>;

export const PARAM_IDS = Object.keys(PARAM_LOOKS) as ParamId[];

function isParamId(name: string): name is ParamId {
  return Object.hasOwn(PARAM_LOOKS, name);
}

/** The served parameters and this page's disagree: a page older or newer than the server. */
export class ParamMismatchError extends Error {
  constructor(
    readonly unknown: readonly string[],
    readonly missing: readonly ParamId[],
  ) {
    const parts = [...(unknown.length ? [`unknown ${unknown.join(", ")}`] : []), ...(missing.length ? [`missing ${missing.join(", ")}`] : [])];
    super(`This page does not match the server's parameters (${parts.join("; ")}). Reload the page.`);
    this.name = "ParamMismatchError";
  }
}

/** Every parameter's spec: the server's range, default and step with this page's look. */
export function paramSpecs(served: readonly ServedParam[]): ParamSpecs {
  const specs: Partial<Record<ParamId, ParamSpec>> = {};
  const unknown: string[] = [];
  for (const item of served) {
    // The generated type promises a ParamId; a server deployed after this page was loaded may not.
    if (!isParamId(item.parameter)) {
      unknown.push(item.parameter);
      continue;
    }
    specs[item.parameter] = { ...PARAM_LOOKS[item.parameter], min: item.min, max: item.max, defaultValue: item.defaultValue, step: item.step ?? 0 };
  }
  const missing = PARAM_IDS.filter((id) => specs[id] === undefined);
  if (unknown.length > 0 || missing.length > 0) throw new ParamMismatchError(unknown, missing);
  return specs as ParamSpecs;
}

/** Everything the engine plays, in the shape of a preset (sample keys instead of ids). */
export interface DawSettings extends Record<ParamId, number> {
  /** A key in the sample library: a stock kick key, or `ai:<kick id>` for an AI kick. */
  kickKey: string | null;
  noiseKey: string | null;
  reverbKey: string | null;
}

/** Where a fresh DAW starts: the server's defaults, no samples chosen yet. */
export function defaultSettings(specs: ParamSpecs): DawSettings {
  const values = Object.fromEntries(PARAM_IDS.map((id) => [id, specs[id].defaultValue])) as Record<ParamId, number>;
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
