/**
 * `window.kickWithReverb.renderOffline(overrides, seconds)`: renders the current settings (with
 * overrides) through the real engine offline. The browser tests measure the audio through it.
 */
import type { AudioEngine } from "./audio/engine";
import type { SampleLibrary } from "./audio/library";
import { renderOffline, type SettingsChange } from "./audio/offline";
import type { DawSettings } from "./audio/params";

export interface KickWithReverbHandle {
  /** The loop's first beat falls at `startTime` seconds into the render; `changes` happen mid-loop. */
  renderOffline: (overrides: Partial<DawSettings>, seconds: number, startTime?: number, changes?: SettingsChange[]) => Promise<AudioBuffer>;
  settings: () => DawSettings;
  /** Length in seconds of a loaded sample, or null when the library lacks it. */
  sampleDuration: (key: string) => number | null;
  /** The live engine's output peak right now (0 while it is silent or not started). */
  livePeak: () => number;
}

declare global {
  interface Window {
    kickWithReverb?: KickWithReverbHandle;
  }
}

export function installDebugHook(library: SampleLibrary, currentSettings: () => DawSettings, liveEngine: () => AudioEngine | null): () => void {
  window.kickWithReverb = {
    renderOffline: (overrides, seconds, startTime = 0, changes = []) =>
      renderOffline(library, { ...currentSettings(), ...overrides }, { seconds, startTime, changes }),
    settings: currentSettings,
    sampleDuration: (key) => library.get(key)?.duration ?? null,
    livePeak: () => liveEngine()?.outputPeak() ?? 0,
  };
  return () => {
    delete window.kickWithReverb;
  };
}
