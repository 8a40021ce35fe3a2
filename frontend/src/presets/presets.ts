/** Conversions between server presets and DawSettings, and the name rule the server serves. */
import type { PresetFieldsFragment, PresetInput, StartupQuery } from "../gql/graphql";
import { aiKickKey } from "../audio/library";
import type { DawSettings } from "../audio/params";

export type Preset = PresetFieldsFragment;

export type NameRule = StartupQuery["presetNameRule"];

/** The server's rule (presetNameRule) applied as the server applies it, to the trimmed name:
 * its message when `name` breaks it, else null. */
export function presetNameProblem(name: string, rule: NameRule): string | null {
  const trimmed = name.trim();
  const valid = trimmed.length > 0 && trimmed.length <= rule.maxLength && new RegExp(rule.pattern).test(trimmed);
  return valid ? null : rule.message;
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
