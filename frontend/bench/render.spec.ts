/**
 * Engine cost: renders 10 s of the real engine offline in Chromium for a few settings and prints
 * a table with the real-time factor and the ratio to the baseline (every processor off) measured
 * in the same run. Run with `make bench-frontend`.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { DawSettings } from "../src/audio/params";
import { launchChromium, openApp } from "../e2e/harness";

const SECONDS = 10;
const ROUNDS = 3;

const CASES: Record<string, Partial<DawSettings>> = {
  "baseline: processors off": { kickOtt: 0, masterOtt: 0, kickDistortion: 0, masterDistortion: 0, limiterPreGain: 1 },
  "first shared preset": {},
  "everything on, 180 BPM": { bpm: 180, kickOtt: 1, masterOtt: 1, kickDistortion: 0.5, masterDistortion: 0.5, limiterPreGain: 8, noiseVolume: -6, reverbVolume: 0 },
};

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await openApp(await browser.newContext(), inject("baseUrl"));
});

afterAll(async () => {
  await browser?.close();
});

it("prints the offline render cost of the engine", async () => {
  // Rounds interleave the cases after one warm-up render, so drift on a shared machine hits all alike.
  const best = await page.evaluate(
    async ({ cases, seconds, rounds }) => {
      const handle = window.kickWithReverb!;
      await handle.renderOffline({}, seconds, 0.05);
      const times: Record<string, number> = {};
      for (let round = 0; round < rounds; round++) {
        for (const [name, overrides] of Object.entries(cases)) {
          const started = performance.now();
          await handle.renderOffline(overrides, seconds, 0.05);
          times[name] = Math.min(times[name] ?? Infinity, performance.now() - started);
        }
      }
      return times;
    },
    { cases: CASES, seconds: SECONDS, rounds: ROUNDS },
  );
  const rows = Object.keys(CASES).map((name) => ({ name, milliseconds: best[name]! }));
  const baseline = rows[0]!.milliseconds;
  const lines = [
    `Offline render of ${SECONDS} s at 44.1 kHz stereo, best of ${ROUNDS} (Chromium, this machine)`,
    `${"case".padEnd(28)} ${"ms".padStart(8)} ${"x realtime".padStart(11)} ${"vs baseline".padStart(12)}`,
    ...rows.map(
      (row) =>
        `${row.name.padEnd(28)} ${row.milliseconds.toFixed(0).padStart(8)} ${((SECONDS * 1000) / row.milliseconds).toFixed(1).padStart(11)} ${(row.milliseconds / baseline).toFixed(2).padStart(12)}`,
    ),
  ];
  console.log(lines.join("\n"));
  expect(rows.every((row) => row.milliseconds > 0)).toBe(true);
});
