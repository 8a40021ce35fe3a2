/**
 * Renders the real engine into a buffer with OfflineAudioContext. The transport runs as it does
 * live: the render pauses every SCHEDULER_STEP seconds of audio time, applies any settings change
 * due by then and schedules the look-ahead window, so mid-loop changes behave as they do live.
 * The limiter's compressor settles during its first ~50 ms, so a faithful first hit starts later.
 */
import { AudioEngine, LOOKAHEAD_SECONDS } from "./engine";
import type { SampleLibrary } from "./library";
import type { DawSettings } from "./params";

const SCHEDULER_STEP_SECONDS = 0.05;

export interface SettingsChange {
  /** Audio time at which the change is made, as if a knob moved then. */
  time: number;
  settings: Partial<DawSettings>;
}

export interface OfflineRenderOptions {
  seconds: number;
  sampleRate?: number;
  /** Where the first beat falls; the loop then runs until the end of the render. */
  startTime?: number;
  changes?: readonly SettingsChange[];
}

export async function renderOffline(
  library: SampleLibrary,
  settings: DawSettings,
  { seconds, sampleRate = 44100, startTime = 0, changes = [] }: OfflineRenderOptions,
): Promise<AudioBuffer> {
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: Math.ceil(seconds * sampleRate), sampleRate });
  const engine = await AudioEngine.create(context, library, settings, { live: false });
  const pending = [...changes].sort((a, b) => a.time - b.time);
  engine.play(startTime);
  for (let step = 1; step * SCHEDULER_STEP_SECONDS < seconds; step++) {
    const time = step * SCHEDULER_STEP_SECONDS;
    void context.suspend(time).then(() => {
      while (pending.length > 0 && pending[0]!.time <= time) {
        engine.update({ ...engine.getSettings(), ...pending.shift()!.settings });
      }
      engine.scheduleUntil(time + LOOKAHEAD_SECONDS);
      void context.resume();
    });
  }
  return context.startRendering();
}
