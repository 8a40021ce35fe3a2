/** Renders the real engine into a buffer with OfflineAudioContext (used by the audio checks). */
import { AudioEngine } from "./engine";
import type { SampleLibrary } from "./library";
import type { DawSettings } from "./params";

export interface OfflineRenderOptions {
  seconds: number;
  sampleRate?: number;
  /** Where the first beat falls; the loop then runs until the end of the render. */
  startTime?: number;
}

export async function renderOffline(
  library: SampleLibrary,
  settings: DawSettings,
  { seconds, sampleRate = 44100, startTime = 0 }: OfflineRenderOptions,
): Promise<AudioBuffer> {
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: Math.ceil(seconds * sampleRate), sampleRate });
  const engine = await AudioEngine.create(context, library, settings, { live: false });
  engine.play(startTime);
  engine.scheduleUntil(seconds);
  return context.startRendering();
}
