/**
 * AI Kick Gen mode end to end, in real Chromium against the real backend running the local CPU
 * worker (the shipped weights, or their stand-in until they are in the tree): a guest never sees
 * the generate button; a member generates a kick with live progress, hears it through the real
 * engine, takes it back to the DAW, saves a preset with it, reloads, and deletes it with the preset.
 */
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, openApp, screenshot } from "./harness";
import {
  aiKickOptions,
  backToDaw,
  dawControls,
  enterKickGen,
  generateButton,
  generateKick,
  GENERATING_TEST,
  heading,
  register,
  samplerKick,
  serverLibrary,
  type GeneratedKick,
} from "./kickgenSteps";

const baseUrl = inject("baseUrl");
const username = `aikicks${Date.now() % 1_000_000}`;
const PRESET = "AI Groove";

let browser: Browser;
let context: BrowserContext;
let page: Page;
let kick: GeneratedKick;
let controlsBefore: Record<string, string>;

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await openApp(context, baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

describe("guest", () => {
  it("never sees the generate button", async () => {
    await expect(heading(page)).resolves.toBe("KICK WITH REVERB");
    await expect(generateButton(page).count()).resolves.toBe(0);
    await expect(page.locator("#ai-kick-select").count()).resolves.toBe(0);
  });
});

describe("generate → audition → preset → delete", () => {
  it("shows members the generate button below the master strip and above logout", async () => {
    await register(page, username);
    const button = generateButton(page);
    await button.waitFor();
    const [master, generate, logout] = await Promise.all([
      page.getByRole("region", { name: "Master" }).boundingBox(),
      button.boundingBox(),
      page.getByRole("button", { name: "Log out" }).boundingBox(),
    ]);
    expect(generate!.y).toBeGreaterThan(master!.y + master!.height - 1);
    expect(logout!.y).toBeGreaterThan(generate!.y + generate!.height - 1);
    await screenshot(page, "kickgen-daw-member");
  });

  it("enters AI Kick Gen mode keeping every setting, with an empty sampler and no kicks yet", async () => {
    // Settings away from any preset, so that "unchanged" means something.
    for (const [name, key] of [
      ["Kick length", "End"],
      ["Reverb volume", "Home"],
      ["Master limiter", "PageUp"],
    ] as const) {
      await page.getByRole("slider", { name }).focus();
      await page.keyboard.press(key);
    }
    controlsBefore = await dawControls(page);

    await enterKickGen(page);
    await expect(heading(page)).resolves.toBe("AI KICK GEN MODE");
    await expect(page.locator("#preset-select").count()).resolves.toBe(0);
    await expect(page.locator("#kick-selectah").count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: "Back To DAW" }).isVisible()).resolves.toBe(true);
    await expect(generateButton(page).count()).resolves.toBe(0);
    await expect(page.locator("#ai-kick-select option:checked").textContent()).resolves.toBe("Click 🎨 to generate new kick");
    await expect(samplerKick(page)).resolves.toEqual({ key: null, seconds: null });
    expect(await dawControls(page)).toEqual(controlsBefore);
    await screenshot(page, "kickgen-empty");
  });

  it("generates a kick with live progress; it appears, is selected and loaded", GENERATING_TEST, async () => {
    kick = await generateKick(page, async () => {
      await page.waitForFunction(() => document.querySelector('[role="progressbar"]')?.getAttribute("data-stage") === "SAMPLING", null, {
        timeout: 120_000,
        polling: 50,
      });
      await screenshot(page, "kickgen-generating");
    });

    const stages = kick.progress.map((sample) => sample.stage);
    const order = ["QUEUED", "LOADING_MODEL", "SAMPLING", "DECODING", "VOCODING", "UPLOADING", "DONE"];
    const indices = stages.map((stage) => order.indexOf(stage));
    expect(indices.every((index) => index >= 0)).toBe(true);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    // The server's first generation loads the model, then samples step by step.
    expect(stages).toContain("LOADING_MODEL");
    // The CPU worker says what it does; only a GPU worker would speak of warming up.
    const loading = kick.progress.filter((sample) => sample.stage === "LOADING_MODEL");
    expect(loading.every((sample) => sample.label === "Loading the model" && sample.note === "The first kick after a restart takes a little longer.")).toBe(true);
    expect(kick.progress.some((sample) => `${sample.label} ${sample.note}`.includes("GPU"))).toBe(false);
    expect(kick.progress.filter((sample) => sample.stage !== "LOADING_MODEL").every((sample) => sample.note === null)).toBe(true);
    const sampling = kick.progress.filter((sample) => sample.stage === "SAMPLING").map((sample) => sample.percent);
    expect(sampling.length).toBeGreaterThanOrEqual(3);
    const percents = kick.progress.map((sample) => sample.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    // The kick forming beside the bar: its picture changed while the sampler worked.
    expect(kick.previews.length).toBeGreaterThanOrEqual(2);

    expect(kick.name).toMatch(/^AI: \p{Lu}/u);
    await expect(page.locator("#ai-kick-select").inputValue()).resolves.toBe(kick.id);
    const sampler = await samplerKick(page);
    expect(sampler.key).toBe(`ai:${kick.id}`);
    expect(sampler.seconds).toBeCloseTo(2, 2);
    expect(await dawControls(page)).toEqual(controlsBefore);
    await screenshot(page, "kickgen-generated");
  });

  it("is audibly non-silent through the real engine", async () => {
    const levels = await page.evaluate(async () => {
      const handle = window.kickWithReverb!;
      const quiet = { noiseVolume: -70, reverbVolume: -60 };
      const rms = (buffer: AudioBuffer) => {
        let sum = 0;
        for (let c = 0; c < buffer.numberOfChannels; c++) for (const value of buffer.getChannelData(c)) sum += value * value;
        return Math.sqrt(sum / (buffer.length * buffer.numberOfChannels));
      };
      const peak = (buffer: AudioBuffer) => Math.max(...Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c).reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
      const withKick = await handle.renderOffline(quiet, 1.0);
      const withoutKick = await handle.renderOffline({ ...quiet, kickKey: null }, 1.0);
      return { rms: rms(withKick), peak: peak(withKick), rmsWithout: rms(withoutKick) };
    });
    expect(levels.peak).toBeGreaterThan(0.1); // louder than −20 dBFS
    expect(levels.rms).toBeGreaterThan(10 * levels.rmsWithout);
  });

  it("downloads the selected kick as a WAV", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toBe(`${kick.name.replace(":", "")}.wav`);
    const bytes = readFileSync((await download.path())!);
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("RIFF");
    expect(bytes.subarray(8, 12).toString("latin1")).toBe("WAVE");
    expect(bytes.length).toBeGreaterThan(44 + 2 * 44_100);
  });

  it("goes back to the DAW with the kick selected in the Selectah and every knob unchanged", async () => {
    await backToDaw(page);
    await expect(heading(page)).resolves.toBe("KICK WITH REVERB");
    await expect(page.locator("#kick-selectah").inputValue()).resolves.toBe(`ai:${kick.id}`);
    await expect(page.locator("#kick-selectah option:checked").textContent()).resolves.toBe(kick.name);
    // Stock kicks first, then the AI kicks.
    const groups = await page.locator("#kick-selectah optgroup").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("label")));
    expect(groups).toEqual(["Stock kicks", "AI kicks"]);
    expect(await dawControls(page)).toEqual(controlsBefore);
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${kick.id}` });
    await screenshot(page, "kickgen-back-to-daw");
  });

  it("saves a preset with the AI kick, which loads it again after a reload", async () => {
    await page.getByRole("button", { name: "Save" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill(PRESET);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    const server = await serverLibrary(page);
    expect(server.presets.find((preset) => preset.name === PRESET)?.aiKick?.id).toBe(kick.id);

    await page.reload();
    await page.getByTestId("loading-overlay").waitFor({ state: "detached", timeout: 60_000 });
    const presetId = await page.locator("#preset-select option", { hasText: PRESET }).getAttribute("value");
    const stockKick = await page.locator('#kick-selectah optgroup[label="Stock kicks"] option').first().getAttribute("value");
    await page.locator("#kick-selectah").selectOption(stockKick!);
    await page.locator("#preset-select").selectOption(presetId!);
    await expect(page.locator("#kick-selectah").inputValue()).resolves.toBe(`ai:${kick.id}`);
    // Decoded at start-up: the engine has it without generating again.
    const sampler = await samplerKick(page);
    expect(sampler.seconds).toBeCloseTo(2, 2);
    await screenshot(page, "kickgen-preset-with-ai-kick");
  });

  it("deletes the kick after listing the preset that uses it; both are gone", async () => {
    await enterKickGen(page);
    await expect(page.locator("#ai-kick-select").inputValue()).resolves.toBe(kick.id);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    const lines = (await dialog.locator(".modal__body").innerText()).split("\n").filter((line) => line.trim() !== "");
    expect(lines).toEqual(["Deleting this kick will also delete these presets:", `- ${PRESET}`]);
    await screenshot(page, "kickgen-delete-dialog");
    await dialog.getByRole("button", { name: "Delete kick and presets" }).click();
    await dialog.waitFor({ state: "detached" });

    await expect(aiKickOptions(page)).resolves.toEqual([]);
    await expect(page.locator("#ai-kick-select option:checked").textContent()).resolves.toBe("Click 🎨 to generate new kick");
    await expect(samplerKick(page)).resolves.toEqual({ key: null, seconds: null });
    // Out of memory too, not just out of the sampler.
    await expect(page.evaluate((key) => window.kickWithReverb!.sampleDuration(key), `ai:${kick.id}`)).resolves.toBeNull();
    const server = await serverLibrary(page);
    expect(server.kicks.kicks).toEqual([]);
    expect(server.kicks.totalGensCount).toBe(0);
    expect(server.presets.map((preset) => preset.name)).not.toContain(PRESET);
    await screenshot(page, "kickgen-deleted");

    await backToDaw(page);
    await expect(page.locator("#preset-select option", { hasText: PRESET }).count()).resolves.toBe(0);
    await expect(page.locator('#kick-selectah optgroup[label="AI kicks"]').count()).resolves.toBe(0);
  });

  it("hides the generate button again after logout", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByText("Login for AI kick generation and presets").waitFor();
    await expect(generateButton(page).count()).resolves.toBe(0);
    await screenshot(page, "kickgen-guest-after-logout");
  });
});
