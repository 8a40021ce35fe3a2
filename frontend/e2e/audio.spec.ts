/**
 * Audio checks through the real engine: the page renders its current settings (with overrides)
 * with OfflineAudioContext via window.kickWithReverb, and the analysis runs in the page.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DawSettings } from "../src/audio/params";
import { launchChromium, openApp } from "./harness";

const baseUrl = inject("baseUrl");
let browser: Browser;
let page: Page;

/** Only the kick, dry: the other layers at their minimum and every processor off. */
const DRY_KICK: Partial<DawSettings> = {
  bpm: 60,
  kickLength: 1,
  kickDistortion: 0,
  kickOtt: 0,
  noiseVolume: -70,
  reverbVolume: -60,
  masterOtt: 0,
  masterDistortion: 0,
  limiterPreGain: 1,
};

interface Analysis {
  sampleRate: number;
  peak: number;
  /** Seconds at which the signal last exceeds the threshold. */
  lastAbove: number;
  /** Energy (sum of squares, both channels) per window [from, to) seconds. */
  energies: number[];
  /** Onset times: the signal crosses the threshold after at least 50 ms below it. */
  onsets: number[];
}

interface RenderRequest {
  overrides: Partial<DawSettings>;
  seconds: number;
  threshold: number;
  windows?: [number, number][];
  startTime?: number;
}

async function render({ overrides, seconds, threshold, windows = [], startTime = 0 }: RenderRequest): Promise<Analysis> {
  return page.evaluate(
    async ({ overrides, seconds, threshold, windows, startTime }) => {
      const handle = window.kickWithReverb;
      if (!handle) throw new Error("window.kickWithReverb is missing");
      const buffer = await handle.renderOffline(overrides, seconds, startTime);
      const rate = buffer.sampleRate;
      const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
      const magnitude = (i: number) => Math.max(...channels.map((channel) => Math.abs(channel[i] ?? 0)));
      let peak = 0;
      let lastAbove = 0;
      const onsets: number[] = [];
      let lastLoud = -Infinity;
      for (let i = 0; i < buffer.length; i++) {
        const value = magnitude(i);
        peak = Math.max(peak, value);
        if (value > threshold) {
          if (i - lastLoud > 0.05 * rate) onsets.push(i / rate);
          lastLoud = i;
          lastAbove = i / rate;
        }
      }
      const energies = windows.map(([from, to]) => {
        let sum = 0;
        for (const channel of channels) for (let i = Math.floor(from * rate); i < Math.min(buffer.length, to * rate); i++) sum += (channel[i] ?? 0) ** 2;
        return sum;
      });
      return { sampleRate: rate, peak, lastAbove, energies, onsets };
    },
    { overrides, seconds, threshold, windows, startTime },
  );
}

beforeAll(async () => {
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await openApp(context, baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

/** The noise alone, loud and unfiltered; no kick, a whisper of reverb and every processor off. */
const NOISE_ONLY: Partial<DawSettings> = {
  kickKey: null,
  noiseVolume: -6,
  noiseLowPass: 7000,
  noiseHighPass: 30,
  reverbVolume: -60,
  masterOtt: 0,
  masterDistortion: 0,
  limiterPreGain: 1,
};

async function noiseKeys(): Promise<string[]> {
  return page.locator("#noise-selectah option:not([disabled])").evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
}

async function kickDuration(): Promise<number> {
  return page.evaluate(() => {
    const handle = window.kickWithReverb!;
    return handle.sampleDuration(handle.settings().kickKey ?? "") ?? 0;
  });
}

describe("the real engine, rendered offline", () => {
  it("plays the kick: a dry render is loud and non-silent", async () => {
    const dry = await render({ overrides: DRY_KICK, seconds: 1, threshold: 0.01, startTime: 0.25 });
    expect(dry.peak).toBeGreaterThan(0.5);
    expect(dry.peak).toBeLessThanOrEqual(1);
  });

  it("the length knob shortens the kick's energy", async () => {
    const duration = await kickDuration();
    expect(duration).toBeGreaterThan(0.3);
    const cut = 0.2 * duration;
    // After the cut, allowing for the crossovers' group delay and the limiter's look-ahead.
    const afterCut: [number, number] = [cut + 0.03, 1];
    const full = await render({ overrides: DRY_KICK, seconds: 1, threshold: 0.003, windows: [afterCut] });
    const short = await render({ overrides: { ...DRY_KICK, kickLength: 0.2 }, seconds: 1, threshold: 0.003, windows: [afterCut] });
    expect(full.lastAbove).toBeGreaterThan(cut + 0.1);
    expect(short.lastAbove).toBeLessThan(cut + 0.03);
    expect(short.energies[0]!).toBeLessThan(1e-3 * full.energies[0]!);
  });

  it("the reverb adds energy after the dry kick ends", async () => {
    const shortKick = { ...DRY_KICK, kickLength: 0.25 };
    const dry = await render({ overrides: shortKick, seconds: 1.5, threshold: 0.003 });
    const tail: [number, number] = [dry.lastAbove + 0.02, dry.lastAbove + 0.6];
    const withoutReverb = await render({ overrides: shortKick, seconds: 1.5, threshold: 0.003, windows: [tail] });
    const withReverb = await render({
      overrides: { ...shortKick, reverbVolume: 0, reverbLowPass: 7000, reverbHighPass: 30 },
      seconds: 1.5,
      threshold: 0.003,
      windows: [tail],
    });
    expect(withReverb.energies[0]!).toBeGreaterThan(100 * Math.max(withoutReverb.energies[0]!, 1e-9));
    expect(withReverb.energies[0]!).toBeGreaterThan(0.1);
  });

  it("the kick OTT squashes the attack and lifts the quiet tail", async () => {
    const windows: [number, number][] = [[0.25, 0.3], [0.95, 1.25]];
    const plain = await render({ overrides: DRY_KICK, seconds: 1.25, threshold: 0.01, windows, startTime: 0.25 });
    const squashed = await render({ overrides: { ...DRY_KICK, kickOtt: 1 }, seconds: 1.25, threshold: 0.01, windows, startTime: 0.25 });
    const attackRatio = squashed.energies[0]! / plain.energies[0]!;
    const tailRatio = squashed.energies[1]! / plain.energies[1]!;
    expect(tailRatio).toBeGreaterThan(2 * attackRatio);
    expect(tailRatio).toBeGreaterThan(1.5);
  });

  it("a newly chosen noise takes over on the next beat", async () => {
    const [first, second] = await noiseKeys();
    expect(second).toBeDefined();
    const result = await page.evaluate(
      async ({ base, first, second }) => {
        const handle = window.kickWithReverb!;
        const settings = { ...base, bpm: 120, noiseKey: first! };
        // Chosen at 1.1 s, between the beats at 1.0 s and 1.5 s.
        const [kept, swapped] = await Promise.all([
          handle.renderOffline(settings, 2.2),
          handle.renderOffline(settings, 2.2, 0, [{ time: 1.1, settings: { noiseKey: second! } }]),
        ]);
        const a = kept.getChannelData(0);
        const b = swapped.getChannelData(0);
        const rate = kept.sampleRate;
        const energy = (signal: (i: number) => number, from: number, to: number) => {
          let sum = 0;
          for (let i = Math.floor(from * rate); i < to * rate; i++) sum += signal(i) ** 2;
          return sum;
        };
        const difference = (i: number) => (a[i] ?? 0) - (b[i] ?? 0);
        return {
          before: energy(difference, 0, 1.495),
          after: energy(difference, 1.51, 2.2),
          total: energy((i) => a[i] ?? 0, 0, 2.2),
        };
      },
      { base: NOISE_ONLY, first, second },
    );
    expect(result.total).toBeGreaterThan(1);
    expect(result.before).toBeLessThan(1e-9 * result.total);
    expect(result.after).toBeGreaterThan(0.05 * result.total);
  });

  it("the noise restarts every 16 beats", async () => {
    const result = await page.evaluate(async (base) => {
      const handle = window.kickWithReverb!;
      const settings = { ...handle.settings(), ...base };
      const duration = handle.sampleDuration(settings.noiseKey ?? "") ?? 0;
      // 16 beats at 300 BPM = 3.2 s, which must not be a whole number of noise loops.
      const buffer = await handle.renderOffline({ ...base, bpm: 300 }, 3.8);
      const data = buffer.getChannelData(0);
      const rate = buffer.sampleRate;
      const correlation = (lag: number) => {
        let xy = 0;
        let xx = 0;
        let yy = 0;
        for (let i = Math.floor(0.02 * rate); i < 0.42 * rate; i++) {
          const x = data[i] ?? 0;
          const y = data[i + Math.round(lag * rate)] ?? 0;
          xy += x * y;
          xx += x * x;
          yy += y * y;
        }
        return xy / Math.sqrt(xx * yy);
      };
      return { duration, atRestart: correlation(3.2), midLoop: correlation(2.4) };
    }, NOISE_ONLY);
    expect(Math.abs(3.2 / result.duration - Math.round(3.2 / result.duration))).toBeGreaterThan(0.05);
    expect(result.atRestart).toBeGreaterThan(0.95);
    expect(Math.abs(result.midLoop)).toBeLessThan(0.5);
  });

  it("the master never exceeds 0 dBFS with the limiter pre-gain at 8", async () => {
    const loudest: Partial<DawSettings> = {
      bpm: 180,
      kickLength: 1,
      kickDistortion: 0.5,
      kickOtt: 1,
      noiseVolume: -6,
      noiseLowPass: 7000,
      noiseHighPass: 30,
      reverbVolume: 0,
      reverbLowPass: 7000,
      reverbHighPass: 30,
      masterOtt: 1,
      masterDistortion: 0.5,
      limiterPreGain: 8,
    };
    const result = await render({ overrides: loudest, seconds: 3, threshold: 0.5 });
    expect(result.peak).toBeLessThanOrEqual(1);
    // Driven hard into the ceiling, so the check above is a real one.
    expect(result.peak).toBeGreaterThan(0.9);
  });

  it("at 120 BPM the onsets are 0.5 s apart within 1 ms", async () => {
    const result = await render({ overrides: { ...DRY_KICK, bpm: 120, kickLength: 0.15 }, seconds: 3.4, threshold: 0.05, startTime: 0.25 });
    expect(result.onsets.length).toBe(7);
    expect(result.onsets[0]!).toBeGreaterThanOrEqual(0.25);
    expect(result.onsets[0]!).toBeLessThan(0.26);
    const gaps = result.onsets.slice(1).map((time, index) => time - result.onsets[index]!);
    for (const gap of gaps) expect(Math.abs(gap - 0.5)).toBeLessThan(0.001);
  });
});
