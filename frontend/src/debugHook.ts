/**
 * `window.kickWithReverb.renderOffline(overrides, seconds)`: renders the current settings (with
 * overrides) through the real engine offline. The browser tests measure the audio through it.
 */
import type { SampleLibrary } from "./audio/library";
import { renderOffline } from "./audio/offline";
import type { DawSettings } from "./audio/params";

export interface KickWithReverbHandle {
  renderOffline: (overrides: Partial<DawSettings>, seconds: number) => Promise<AudioBuffer>;
  settings: () => DawSettings;
}

declare global {
  interface Window {
    kickWithReverb?: KickWithReverbHandle;
  }
}

export function installDebugHook(library: SampleLibrary, currentSettings: () => DawSettings): () => void {
  window.kickWithReverb = {
    renderOffline: (overrides, seconds) => renderOffline(library, { ...currentSettings(), ...overrides }, { seconds }),
    settings: currentSettings,
  };
  return () => {
    delete window.kickWithReverb;
  };
}
