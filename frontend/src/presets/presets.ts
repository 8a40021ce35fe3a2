/** Conversions between server presets and DawSettings, and the name rule the server enforces. */
import type { PresetFieldsFragment, PresetInput } from "../gql/graphql";
import { aiKickKey } from "../audio/library";
import type { DawSettings } from "../audio/params";

export type Preset = PresetFieldsFragment;

export const PRESET_NAME_MAX_LENGTH = 32;
const PRESET_NAME_PATTERN = /^[A-Za-z0-9 ]+$/;

/** The server's rule: 1–32 characters, letters, digits and spaces only. Null when valid. */
export function presetNameProblem(name: string): string | null {
  if (name.trim().length === 0) return "Give the preset a name.";
  if (name.length > PRESET_NAME_MAX_LENGTH) return `At most ${PRESET_NAME_MAX_LENGTH} characters.`;
  if (!PRESET_NAME_PATTERN.test(name)) return "Letters, digits and spaces only.";
  return null;
}

const AI_KEY_PREFIX = "ai:";

export function isAiKickKey(key: string | null): boolean {
  return key?.startsWith(AI_KEY_PREFIX) ?? false;
}

export function presetToSettings(preset: Preset): DawSettings {
  return {
    bpm: preset.bpm,
    kickKey: preset.kickKey ?? (preset.aiKick ? aiKickKey(preset.aiKick.id) : null),
    kickLength: preset.kickLength,
    kickDistortion: preset.kickDistortion,
    kickOtt: preset.kickOtt,
    noiseKey: preset.noiseKey,
    noiseLowPass: preset.noiseLowPass,
    noiseHighPass: preset.noiseHighPass,
    noiseVolume: preset.noiseVolume,
    reverbKey: preset.reverbKey,
    reverbLowPass: preset.reverbLowPass,
    reverbHighPass: preset.reverbHighPass,
    reverbVolume: preset.reverbVolume,
    masterOtt: preset.masterOtt,
    masterDistortion: preset.masterDistortion,
    limiterPreGain: preset.limiterPreGain,
  };
}

/** The mutation input for saving `settings` as `name`; an `ai:` kick key becomes `aiKickId`. */
export function settingsToInput(name: string, settings: DawSettings): PresetInput {
  const { kickKey, noiseKey, reverbKey, ...values } = settings;
  const kick = isAiKickKey(kickKey) ? { aiKickId: kickKey!.slice(AI_KEY_PREFIX.length) } : { kickKey };
  return { ...values, ...kick, name: name.trim(), noiseKey: noiseKey ?? "", reverbKey: reverbKey ?? "" };
}

/** The dropdown's order, which previous/next follow too: your presets, then the shared ones, each A–Z. */
export function sortPresets(presets: readonly Preset[]): Preset[] {
  return [...presets].sort(
    (a, b) => Number(a.isShared) - Number(b.isShared) || a.name.localeCompare(b.name, undefined, { sensitivity: "base" }),
  );
}

/** Previous/next with wrap-around; from no selection, next is the first and previous the last. */
export function cyclePreset(presets: readonly Preset[], currentId: string | null, direction: 1 | -1): Preset | null {
  if (presets.length === 0) return null;
  const index = presets.findIndex((preset) => preset.id === currentId);
  if (index === -1) return (direction === 1 ? presets[0] : presets.at(-1)) ?? null;
  return presets[(index + direction + presets.length) % presets.length] ?? null;
}
