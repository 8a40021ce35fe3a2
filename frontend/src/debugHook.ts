/**
 * `window.kickWithReverb.renderOffline(overrides, seconds)`: renders the current settings (with
 * overrides) through the real engine offline. The browser tests measure the audio through it.
 */
import type { SampleLibrary } from "./audio/library";
import { renderOffline, type SettingsChange } from "./audio/offline";
import type { DawSettings } from "./audio/params";

export interface KickWithReverbHandle {
  /** The loop's first beat falls at `startTime` seconds into the render; `changes` happen mid-loop. */
  renderOffline: (overrides: Partial<DawSettings>, seconds: number, startTime?: number, changes?: SettingsChange[]) => Promise<AudioBuffer>;
  settings: () => DawSettings;
  /** Length in seconds of a loaded sample, or null when the library lacks it. */
  sampleDuration: (key: string) => number | null;
}

declare global {
  interface Window {
    kickWithReverb?: KickWithReverbHandle;
  }
}

export function installDebugHook(library: SampleLibrary, currentSettings: () => DawSettings): () => void {
  window.kickWithReverb = {
    renderOffline: (overrides, seconds, startTime = 0, changes = []) =>
      renderOffline(library, { ...currentSettings(), ...overrides }, { seconds, startTime, changes }),
    settings: currentSettings,
    sampleDuration: (key) => library.get(key)?.duration ?? null,
  };
  return () => {
    delete window.kickWithReverb;
  };
}
