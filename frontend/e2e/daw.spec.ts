/**
 * The DAW in real Chromium against the real backend: guest view, register, log in, knobs, presets
 * saved, reloaded and deleted. Screenshots land in frontend/test-results/.
 */
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cspViolationsOf, launchChromium, openApp, screenshot } from "./harness";

const baseUrl = inject("baseUrl");
const username = `producer${Date.now() % 1_000_000}`;
const password = "kick-drum-1234";

let browser: Browser;
let context: BrowserContext;
let page: Page;

interface TransportLook {
  label: string;
  background: string;
  filter: string;
  /** The outline's width and style ("none" without one). */
  outline: string;
  /** WCAG contrast ratio of the label against the button's background. */
  contrast: number;
}

/** A transport button's computed colours, as drawn at this moment. */
function transportLook(button: Locator): Promise<TransportLook> {
  return button.evaluate((element) => {
    const style = getComputedStyle(element);
    const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const luminance = (color: string) => {
      const [r, g, b] = rgb(color).map((channel) => {
        const c = channel / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const [light, dark] = [luminance(style.color), luminance(style.backgroundColor)].sort((a, b) => b - a);
    return {
      label: element.textContent ?? "",
      background: style.backgroundColor,
      filter: style.filter,
      outline: style.outlineStyle === "none" ? "none" : `${style.outlineWidth} ${style.outlineStyle}`,
      contrast: (light! + 0.05) / (dark! + 0.05),
    };
  });
}

async function knobValue(name: string): Promise<number> {
  return Number(await page.getByRole("slider", { name }).getAttribute("aria-valuenow"));
}

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await openApp(context, baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

describe("guest", () => {
  it("uses the DAW with the shared presets and is invited to log in", async () => {
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("KICK WITH REVERB");
    await expect(page.getByText("Login for AI kick generation and presets").isVisible()).resolves.toBe(true);
    const sharedPresets = await page.locator("#preset-select option:not([disabled])").allTextContents();
    expect(sharedPresets.length).toBeGreaterThan(0);
    await expect(page.getByRole("button", { name: "Save" }).count()).resolves.toBe(0);
    expect(await page.locator("#kick-selectah option").count()).toBeGreaterThan(0);
    await screenshot(page, "daw-guest-1280x800");
  });

  it("cycles presets with wrap-around", async () => {
    const select = page.locator("#preset-select");
    const names = await page.locator("#preset-select option:not([disabled])").allTextContents();
    const first = await select.inputValue();
    for (let step = 0; step < names.length; step++) await page.getByRole("button", { name: "Next preset" }).click();
    expect(await select.inputValue()).toBe(first);
    await page.getByRole("button", { name: "Previous preset" }).click();
    expect(await select.locator("option:checked").textContent()).toBe(names.at(-1));
  });

  it("plays and stops with the space bar, lighting the beat display", async () => {
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Space");
    await page.getByRole("button", { name: "■ STOP" }).waitFor();
    await page.locator(".beat-light.is-on").first().waitFor({ timeout: 5_000 });
    // Sound reaches the live output: the master meter (an analyser after the limiter) moves.
    await page.waitForFunction(() => Number(document.querySelector('[role="meter"]')?.getAttribute("aria-valuenow")) > -30, null, { timeout: 5_000 });
    await screenshot(page, "daw-playing");
    await page.keyboard.press("Space");
    await page.getByRole("button", { name: "▶ PLAY" }).waitFor();
  });

  it("runs under the site's Content-Security-Policy without a single violation", async () => {
    // The app has loaded, played (the OTT worklet included) and drawn by now.
    const response = await page.request.get(baseUrl);
    expect(response.headers()["content-security-policy"]).toContain("script-src 'self'");
    expect(cspViolationsOf(page)).toEqual([]);
  });

  it("toggles once when Space is pressed on the focused play button or a focused knob", async () => {
    await page.getByRole("button", { name: "▶ PLAY" }).click();
    await page.getByRole("button", { name: "■ STOP" }).waitFor();
    await page.keyboard.press("Space");
    await page.getByRole("button", { name: "▶ PLAY" }).waitFor();
    await page.getByRole("slider", { name: "Kick length" }).focus();
    await page.keyboard.press("Space");
    await page.getByRole("button", { name: "■ STOP" }).waitFor();
    await page.keyboard.press("Space");
    await page.getByRole("button", { name: "▶ PLAY" }).waitFor();
    // Give a double toggle the time to show itself.
    await page.waitForTimeout(200);
    await expect(page.getByRole("button", { name: "▶ PLAY" }).count()).resolves.toBe(1);
  });

  it("plays while the cue button is held and stops on release", async () => {
    const cue = page.getByRole("button", { name: "CUE" });
    const box = (await cue.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.locator(".cue-button.is-active").waitFor();
    await page.locator(".beat-light.is-on").first().waitFor({ timeout: 5_000 });
    await page.mouse.up();
    await page.locator(".cue-button.is-active").waitFor({ state: "detached" });
    // The lights go out on the next animation frame, and stay out for longer than a beat.
    const lit = () => page.locator(".beat-light.is-on").count();
    await expect.poll(lit, { timeout: 2_000 }).toBe(0);
    await page.waitForTimeout(600);
    await expect(lit()).resolves.toBe(0);

    // The same with the C key held down.
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.down("c");
    await page.locator(".cue-button.is-active").waitFor();
    await page.keyboard.up("c");
    await page.locator(".cue-button.is-active").waitFor({ state: "detached" });
  });

  it("keeps the transport labels readable in every state: idle, hovered, active, active and hovered, focused", async () => {
    const play = page.locator(".play-button");
    const cue = page.locator(".cue-button");
    const away = async () => page.mouse.move(5, 700);
    const hover = async (button: typeof play) => {
      const box = (await button.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    };
    const check = (name: string, button: typeof play, expected: Partial<TransportLook>) =>
      expect
        .poll(() => transportLook(button), { timeout: 2_000, message: name })
        .toMatchObject(expected)
        .then(async () => {
          expect((await transportLook(button)).contrast, `${name}: label contrast`).toBeGreaterThanOrEqual(4.5);
          await screenshot(page, `transport-${name}`);
        });
    const panel = "rgb(28, 31, 40)";
    const hovered = "rgb(35, 39, 51)";
    const green = "rgb(78, 226, 154)";
    const amber = "rgb(255, 181, 71)";

    await away();
    await check("play-idle", play, { background: panel, label: "▶ PLAY" });
    await hover(play);
    await check("play-idle-hover", play, { background: hovered });
    await play.click(); // the pointer stays on it: what a producer sees right after pressing Play
    await check("play-active-hover", play, { background: green, label: "■ STOP", filter: "brightness(1.1)" });
    await away();
    await check("play-active", play, { background: green, filter: "none" });
    await play.focus();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Shift+Tab"); // keyboard focus, so :focus-visible applies
    await check("play-active-focus", play, { background: green, outline: "2px solid" });
    await page.keyboard.press("Space");
    await check("play-idle-focus", play, { background: panel, label: "▶ PLAY", outline: "2px solid" });

    await hover(cue);
    await check("cue-idle-hover", cue, { background: hovered });
    await page.mouse.down(); // held under the mouse: it plays, amber
    await check("cue-held-hover", cue, { background: amber, label: "CUE" });
    await page.mouse.up();
    await check("cue-released-hover", cue, { background: hovered });
    await away();
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.down("c");
    await check("cue-held-key", cue, { background: amber });
    await page.keyboard.up("c");
    await check("cue-idle", cue, { background: panel });
  });

  it("lists the hotkeys in a help tooltip", async () => {
    await page.getByRole("button", { name: "Keyboard shortcuts" }).hover();
    const tooltip = page.getByRole("tooltip");
    await tooltip.getByText("Play / stop").waitFor({ state: "visible" });
    await page.waitForFunction(() => getComputedStyle(document.querySelector(".help__tooltip")!).opacity === "1");
    await screenshot(page, "hotkey-help");
    await page.mouse.move(5, 700);
  });

  it("shows the loading overlay until the samples are in, and reports a sample that fails", async () => {
    const slow = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    let failed = "";
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await slow.route("**/*.wav", async (route) => {
      if (!failed) {
        failed = route.request().url();
        return route.fulfill({ status: 404, body: "gone" });
      }
      await held;
      return route.continue();
    });
    const slowPage = await slow.newPage();
    await slowPage.goto(baseUrl);
    const overlay = slowPage.getByTestId("loading-overlay");
    await overlay.getByText("Loading the sample library").waitFor();
    // A guest has no AI kicks to wait for.
    const steps = (await overlay.getByRole("listitem").allTextContents()).map((step) => step.replace(/^✓/u, ""));
    expect(steps).toEqual(["Loading the presets", "Loading the sample library", "Starting the audio engine"]);
    await screenshot(slowPage, "loading-overlay");
    release();
    await overlay.waitFor({ state: "detached", timeout: 60_000 });
    const notice = await slowPage.getByRole("alert").textContent();
    expect(notice).toMatch(/^1 sample could not be loaded: /);
    expect(failed).not.toBe("");
    await slow.close();
  });

  it("looks right at phone width", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phonePage = await openApp(phone, baseUrl);
    const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phonePage, "daw-guest-phone");
    await phone.close();
  });
});

describe("accounts", () => {
  it("shows the server's validation errors, then registers", async () => {
    await page.getByRole("button", { name: "Register" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Username").fill(username);
    await dialog.getByLabel("Email").fill(`${username}@example.com`);
    await dialog.getByLabel("Password").fill("short");
    await dialog.getByRole("button", { name: "Register" }).click();
    await dialog.locator('[data-field="password"]').first().waitFor();
    await screenshot(page, "register-errors");
    await dialog.getByLabel("Password").fill(password);
    await dialog.getByRole("button", { name: "Register" }).click();
    await page.getByText(`Logged in as ${username}`).waitFor();
    await expect(page.getByRole("button", { name: "Save" }).isVisible()).resolves.toBe(true);
  });

  it("logs out, refuses a wrong password with the server's message, and logs in", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByText("Login for AI kick generation and presets").waitFor();
    await page.getByRole("button", { name: "Log in" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Username").fill(username);
    await dialog.getByLabel("Password").fill("not-the-password");
    await dialog.getByRole("button", { name: "Log in" }).click();
    await expect(dialog.getByRole("alert").textContent()).resolves.toMatch(/\S/);
    await screenshot(page, "login-invalid-credentials");
    await dialog.getByLabel("Password").fill(password);
    await dialog.getByRole("button", { name: "Log in" }).click();
    await page.getByText(`Logged in as ${username}`).waitFor();
  });
});

describe("knobs and presets", () => {
  const saved: Record<string, number> = {};

  it("draws a knob for every parameter the server serves, over exactly its range", async () => {
    const served = await page.evaluate(async () => {
      const response = await fetch(`/graphql/?query=${encodeURIComponent("{ presetParameters { parameter min max } }")}`);
      return ((await response.json()) as { data: { presetParameters: { parameter: string; min: number; max: number }[] } }).data.presetParameters;
    });
    expect(served.length).toBeGreaterThan(0);
    for (const { parameter, min, max } of served) {
      const knob = page.locator(`#knob-${parameter}`);
      expect([Number(await knob.getAttribute("aria-valuemin")), Number(await knob.getAttribute("aria-valuemax"))]).toEqual([min, max]);
    }
    await expect(page.locator('[role="slider"][id^="knob-"]').count()).resolves.toBe(served.length);
  });

  it("turns knobs by dragging, with arrow keys, and resets on double-click", async () => {
    const length = page.getByRole("slider", { name: "Kick length" });
    const before = await knobValue("Kick length");
    const box = (await length.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 60, { steps: 6 });
    await page.mouse.up();
    const dragged = await knobValue("Kick length");
    expect(dragged).toBeLessThan(before);
    expect(dragged).toBeGreaterThanOrEqual(0.1);

    const reverb = page.getByRole("slider", { name: "Reverb volume" });
    await reverb.focus();
    await page.keyboard.press("Home");
    expect(await knobValue("Reverb volume")).toBe(-60);
    for (let press = 0; press < 10; press++) await page.keyboard.press("ArrowUp");
    expect(await knobValue("Reverb volume")).toBeCloseTo(-60 + 0.1 * 60, 6);
    expect(await reverb.getAttribute("aria-valuetext")).toBe("−54.0 dB");

    const pregain = page.getByRole("slider", { name: "Master limiter" });
    await pregain.focus();
    await page.keyboard.press("End");
    expect(await knobValue("Master limiter")).toBe(8);
    await pregain.dblclick();
    expect(await knobValue("Master limiter")).toBe(1);
    await pregain.focus();
    await page.keyboard.press("PageUp");
    await page.keyboard.press("PageUp");

    const bpm = page.getByRole("slider", { name: "Tempo" });
    await bpm.focus();
    await page.keyboard.press("Home");
    for (let press = 0; press < 3; press++) await page.keyboard.press("ArrowUp");
    expect(await knobValue("Tempo")).toBe(63);

    const noise = page.locator("#noise-selectah");
    const noiseOptions = await noise.locator("option:not([disabled])").evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    await noise.selectOption(noiseOptions.at(-1)!);

    for (const name of ["Kick length", "Reverb volume", "Master limiter", "Tempo"]) saved[name] = await knobValue(name);
    saved.noise = noiseOptions.length - 1;
    await screenshot(page, "knobs-turned");
  });

  it("validates the preset name like the server, then saves", async () => {
    await page.getByRole("button", { name: "Save" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("bad name!");
    await dialog.getByRole("button", { name: "Save" }).click();
    // The server's rule and message (presetNameRule), shown as an error before anything is sent.
    await dialog.locator(".form__error", { hasText: "Use 1 to 32 letters, digits and spaces." }).waitFor();
    await dialog.getByLabel("Name").fill("Warehouse Rumble");
    await screenshot(page, "preset-save-dialog");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await page.locator("#preset-select option:checked").textContent()).toBe("Warehouse Rumble");
  });

  it("loads the saved preset after a reload with every value restored", async () => {
    await page.reload();
    await page.getByTestId("loading-overlay").waitFor({ state: "detached", timeout: 60_000 });
    await page.getByText(`Logged in as ${username}`).waitFor();
    const presetId = await page.locator("#preset-select option", { hasText: "Warehouse Rumble" }).getAttribute("value");
    // Start from another preset so loading ours visibly changes the knobs.
    const other = await page.locator("#preset-select option:not([disabled])", { hasNotText: "Warehouse Rumble" }).first().getAttribute("value");
    await page.locator("#preset-select").selectOption(other!);
    await page.locator("#preset-select").selectOption(presetId!);
    for (const name of ["Kick length", "Reverb volume", "Master limiter", "Tempo"]) {
      expect(await knobValue(name)).toBeCloseTo(saved[name]!, 6);
    }
    const noiseIndex = await page.locator("#noise-selectah").evaluate((select) => (select as HTMLSelectElement).selectedIndex);
    expect(noiseIndex).toBe(saved.noise);
    await screenshot(page, "preset-loaded-after-reload");
  });

  it("deletes the preset after confirmation and never offers to delete a shared one", async () => {
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Warehouse Rumble").waitFor();
    await screenshot(page, "preset-delete-confirm");
    await dialog.getByRole("button", { name: "Delete" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect(page.locator("#preset-select option", { hasText: "Warehouse Rumble" }).count()).resolves.toBe(0);

    const shared = await page.locator('#preset-select optgroup[label="Shared presets"] option').first().getAttribute("value");
    await page.locator("#preset-select").selectOption(shared!);
    await expect(page.getByRole("button", { name: "Delete" }).isDisabled()).resolves.toBe(true);
  });
});
