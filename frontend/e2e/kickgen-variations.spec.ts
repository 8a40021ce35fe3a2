/**
 * Beyond one button, in real Chromium against the real backend (the shipped model on the CPU
 * worker): the deployed model's words as keyword chips, its default prompt until the member chooses and
 * remembered after a reload; each kick's recipe; more like this at a chosen strength; a new kick
 * heard at once through the engine (autoplay, a remembered setting); a kick from a picked or a
 * dropped sample, and a bad sample refused with its reason, using no generation. On a backend of
 * its own: the shared one's first generation must stay kickgen.spec's (it checks the model load).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, openApp, screenshot, startBackend, type Backend } from "./harness";
import { SHIPPED_MODEL_NAME, shippedDefaultPrompt, shippedSamplingLabels } from "./kickModels";
import { enterKickGen, generateKick, GENERATING_TEST, GENERATION_TIMEOUT_MS, register, samplerKick, serverLibrary, type GeneratedKick } from "./kickgenSteps";

const username = `variations${Date.now() % 1_000_000}`;

let backend: Backend;
let browser: Browser;
let page: Page;
let chosenKick: GeneratedKick;

/** A mono 16-bit WAV of a synthetic kick: a pitch sweep from 150 to 50 Hz that dies away. */
function kickWav(): Buffer {
  const rate = 44_100;
  const samples = Math.round(0.8 * rate);
  const data = Buffer.alloc(44 + 2 * samples);
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    phase += (2 * Math.PI * (50 + 100 * Math.exp(-t / 0.04))) / rate;
    data.writeInt16LE(Math.round(0.8 * 32767 * Math.sin(phase) * Math.exp(-t / 0.15)), 44 + 2 * i);
  }
  data.write("RIFF", 0, "latin1");
  data.writeUInt32LE(36 + 2 * samples, 4);
  data.write("WAVEfmt ", 8, "latin1");
  data.writeUInt32LE(16, 16);
  data.writeUInt16LE(1, 20); // PCM
  data.writeUInt16LE(1, 22); // mono
  data.writeUInt32LE(rate, 24);
  data.writeUInt32LE(2 * rate, 28);
  data.writeUInt16LE(2, 32);
  data.writeUInt16LE(16, 34);
  data.write("data", 36, "latin1");
  data.writeUInt32LE(2 * samples, 40);
  return data;
}

const wordsButton = () => page.getByRole("button", { name: /^Keywords: / });
const chip = (word: string) => page.getByTestId("keyword-chips").getByRole("button", { name: word, exact: true });

async function pressedChips(): Promise<string[]> {
  return page.getByTestId("keyword-chips").locator('button[aria-pressed="true"]').allTextContents();
}

/** The recipe popover's rows of the selected kick (label → value), closed again afterwards. */
async function recipe(): Promise<Record<string, string>> {
  await page.getByRole("button", { name: "Recipe" }).click();
  const rows = await page
    .getByTestId("kick-recipe")
    .locator(".recipe__row")
    .evaluateAll((nodes) => nodes.map((node) => [node.querySelector("dt")?.textContent ?? "", node.querySelector("dd")?.textContent ?? ""]));
  await page.keyboard.press("Escape");
  return Object.fromEntries(rows) as Record<string, string>;
}

/** The engine has gone quiet (-80 dBFS): an earlier kick's reverb has rung out. */
const SILENCE = 1e-4;
/** Below this (-40 dBFS) no kick sounded; a new kick peaks near -10 dBFS. */
const NO_KICK = 0.01;

/** Once the engine is silent (an earlier kick and its reverb rung out), the page keeps the loudest output of the live engine in window.__loudest. */
async function listenToOutput(): Promise<void> {
  await page.waitForFunction((silence) => (window.kickWithReverb?.livePeak() ?? 0) < silence, SILENCE, { timeout: 20_000, polling: 100 });
  await page.evaluate(() => {
    const state = window as unknown as { __loudest: number; __listening?: boolean };
    state.__loudest = 0;
    if (state.__listening) return;
    state.__listening = true;
    const sample = () => {
      state.__loudest = Math.max(state.__loudest, window.kickWithReverb?.livePeak() ?? 0);
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
}

async function loudestOutput(afterMs: number): Promise<number> {
  await page.waitForTimeout(afterMs);
  return page.evaluate(() => (window as unknown as { __loudest: number }).__loudest);
}

/** Drops a file on the AI kick bar as the browser does for a file dragged from the desktop. */
async function dropOnBar(name: string, bytes: Buffer, type: string): Promise<void> {
  await page.evaluate(
    ({ name, data, type }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type }));
      const bar = document.querySelector('[aria-label="AI kick library"]')!;
      bar.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: transfer }));
      bar.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: transfer }));
    },
    { name, data: bytes.toString("base64"), type },
  );
}

/** Waits until a kick started some other way than the Generate button is listed and settled. */
async function nextKick(before: Set<string>): Promise<GeneratedKick> {
  await page.getByTestId("generation-progress").waitFor();
  await page.waitForFunction(
    (count) => document.querySelectorAll("#ai-kick-select option:not([disabled])").length > count && !document.querySelector('[data-testid="generation-progress"]'),
    before.size,
    { timeout: GENERATION_TIMEOUT_MS, polling: 100 },
  );
  const options = await page.locator("#ai-kick-select option:not([disabled])").evaluateAll((nodes) => nodes.map((node) => ({ value: (node as HTMLOptionElement).value, text: node.textContent ?? "" })));
  const added = options.find((option) => !before.has(option.value))!;
  return { id: added.value, name: added.text, progress: [], previews: [] };
}

async function listedKicks(): Promise<Set<string>> {
  return new Set(await page.locator("#ai-kick-select option:not([disabled])").evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value)));
}

beforeAll(async () => {
  backend = await startBackend({ name: "kickgen_variations" });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await openApp(context, backend.url);
  await register(page, username);
  await enterKickGen(page);
});

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

describe("keyword chips", () => {
  it("offer the deployed model's words, with its default prompt chosen until the member chooses", async () => {
    const defaultPrompt = shippedDefaultPrompt();
    // Asked of the worker as the mode opens (the first time, it loads the model).
    await page.waitForFunction((prompt) => document.querySelector('button[aria-label^="Keywords: "]')?.textContent?.includes(prompt), defaultPrompt, { timeout: 60_000 });
    await wordsButton().click();
    const groups = await page.getByTestId("keyword-chips").getByRole("group").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("aria-label")));
    expect(groups).toEqual(["Style", "Character", "More words"]);
    const styles = await page.getByRole("group", { name: "Style" }).getByRole("button").allTextContents();
    expect(styles).toEqual(["808", "909", "house", "techno", "hard", "acoustic", "lofi", "minimal"]);
    const character = await page.getByRole("group", { name: "Character" }).getByRole("button").allTextContents();
    expect(character).toEqual(["short", "long", "deep", "high", "soft", "punchy", "round", "clicky", "clean", "distorted", "tight", "boomy"]);
    expect((await pressedChips()).sort()).toEqual(defaultPrompt.split(" ").sort());
    await expect(page.getByTestId("keyword-chips").innerText()).resolves.toContain(`${SHIPPED_MODEL_NAME} · `);
    await screenshot(page, "kickgen-chips");
  });

  it("keep one style and one word of a pair; a kick is made from them and heard at once", GENERATING_TEST, async () => {
    const transport = async () => (await page.getByRole("region", { name: "Transport" }).boundingBox())!.y;
    const transportBefore = await transport();
    for (const word of await pressedChips()) await chip(word).click();
    // techno takes house's place, long short's; hit is one of the more words.
    for (const word of ["house", "short", "techno", "long", "punchy", "hit"]) await chip(word).click();
    await expect(pressedChips()).resolves.toEqual(["techno", "long", "punchy", "hit"]);
    await page.keyboard.press("Escape");
    await expect(wordsButton().getAttribute("aria-label")).resolves.toBe("Keywords: techno long punchy hit");
    // Longer words, the same one-line bar: nothing below it moved.
    await expect(transport()).resolves.toBe(transportBefore);

    await listenToOutput();
    await expect(loudestOutput(0)).resolves.toBeLessThan(NO_KICK);
    chosenKick = await generateKick(page);
    // Autoplay is on by default: the new kick sounded through the engine without Play.
    expect(await loudestOutput(600)).toBeGreaterThan(0.05);
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${chosenKick.id}` });

    const rows = await recipe();
    expect(rows).toMatchObject({ Prompt: "techno long punchy hit", Understood: "techno, long, punchy, hit", Ignored: "none", "Made from": "Noise: a new kick" });
    expect(rows.Model).toMatch(new RegExp(`^${SHIPPED_MODEL_NAME} · [0-9a-f]{12}$`));
    expect(rows.Sampling).toBe(shippedSamplingLabels().default);
    expect(rows.Seed).toMatch(/^\d+$/);
  });

  it("shows the recipe of the selected kick", async () => {
    await page.getByRole("button", { name: "Recipe" }).click();
    await page.getByTestId("kick-recipe").waitFor();
    await screenshot(page, "kickgen-recipe");
    await page.keyboard.press("Escape");
  });

  it("are remembered for the member after a reload", async () => {
    await page.reload();
    await page.getByTestId("loading-overlay").waitFor({ state: "detached", timeout: 60_000 });
    await enterKickGen(page);
    await page.waitForFunction(() => document.querySelector('button[aria-label^="Keywords: "]')?.textContent?.includes("techno long punchy hit"), null, { timeout: 60_000 });
    await wordsButton().click();
    await expect(pressedChips()).resolves.toEqual(["techno", "long", "punchy", "hit"]);
    await page.keyboard.press("Escape");
  });
});

describe("more like this", () => {
  it("makes a variation of the selected kick at the chosen strength, with live progress", GENERATING_TEST, async () => {
    await page.locator("#ai-kick-select").selectOption(chosenKick.id);
    const before = await listedKicks();
    const quota = (await serverLibrary(page)).kicks.remainingGensToday;
    await page.getByRole("button", { name: "More like this" }).click();
    const slider = page.getByRole("dialog", { name: "More like this" }).getByRole("slider");
    await expect(slider.inputValue()).resolves.toBe("0.4"); // the server's default
    await slider.fill("0.7");
    await expect(page.getByRole("dialog", { name: "More like this" }).locator("output").textContent()).resolves.toBe("0.70");
    await screenshot(page, "kickgen-more-like-this");
    await page.getByRole("button", { name: "↻ Make a variation" }).click();

    // 0.7 of the 25-step grid: the 17 steps at or below t = 679.
    await page.waitForFunction(() => /Sampling \d+\/17/.test(document.querySelector('[aria-label="Kick generation"]')?.getAttribute("aria-valuetext") ?? ""), null, {
      timeout: GENERATION_TIMEOUT_MS,
      polling: 50,
    });
    const variation = await nextKick(before);
    const rows = await recipe();
    expect(rows["Made from"]).toBe(`More like ${chosenKick.name} at strength 0.70`);
    expect(rows.Sampling).toBe(shippedSamplingLabels().guided);
    expect(rows.Prompt).toBe("techno long punchy hit");
    expect((await serverLibrary(page)).kicks.remainingGensToday).toBe(quota - 1);
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${variation.id}` });
    await screenshot(page, "kickgen-variation");
  });
});

describe("autoplay", () => {
  it("can be turned off: a new kick then waits for Play, and the setting is remembered", GENERATING_TEST, async () => {
    const toggle = page.getByRole("button", { name: "Autoplay new kicks" });
    await expect(toggle.getAttribute("aria-pressed")).resolves.toBe("true");
    await toggle.click();
    await expect(toggle.getAttribute("aria-pressed")).resolves.toBe("false");

    await listenToOutput();
    await generateKick(page);
    expect(await loudestOutput(600)).toBeLessThan(NO_KICK);

    await page.reload();
    await page.getByTestId("loading-overlay").waitFor({ state: "detached", timeout: 60_000 });
    await enterKickGen(page);
    await expect(page.getByRole("button", { name: "Autoplay new kicks" }).getAttribute("aria-pressed")).resolves.toBe("false");
  });
});

describe("a kick from a sample", () => {
  it("refuses a file that is not audio, with its reason, using no generation", async () => {
    const before = (await serverLibrary(page)).kicks.remainingGensToday;
    await dropOnBar("notes.txt", Buffer.from("not a drum, just words\n".repeat(50)), "text/plain");
    const refused = page.getByTestId("generation-refused");
    await refused.waitFor({ timeout: 30_000 });
    await expect(refused.innerText()).resolves.toContain("Only WAV, AIFF, FLAC or OGG files can be used as a sample.");
    expect((await serverLibrary(page)).kicks.remainingGensToday).toBe(before);
    await screenshot(page, "kickgen-sample-refused");
    await refused.getByRole("button", { name: "Dismiss" }).click();
  });

  it("makes a kick like a picked sample, which is not kept", GENERATING_TEST, async () => {
    const before = await listedKicks();
    await page.getByRole("button", { name: "Kick from a sample" }).click();
    await screenshot(page, "kickgen-sample-panel");
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.getByRole("button", { name: "Choose a sample…" }).click()]);
    await chooser.setFiles({ name: "my-808.wav", mimeType: "audio/wav", buffer: kickWav() });

    await nextKick(before);
    const rows = await recipe();
    expect(rows["Made from"]).toBe("Your sample “my-808.wav” at strength 0.40 (the sample was not kept)"); // the default again after the reload
    expect(rows.Prompt).toBe("techno long punchy hit");
  });

  it("makes a kick like a sample dropped on the bar", GENERATING_TEST, async () => {
    const before = await listedKicks();
    await dropOnBar("dropped kick.wav", kickWav(), "audio/wav");

    const kick = await nextKick(before);
    expect((await recipe())["Made from"]).toContain("Your sample “dropped kick.wav”");
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${kick.id}` });
    await screenshot(page, "kickgen-from-sample");
  });
});
