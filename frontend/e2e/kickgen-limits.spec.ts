/**
 * Quotas as a member meets them, against a backend of its own with small limits (cap 3 kicks,
 * 4 generations a day): the low-remaining countdown with the Eastern reset time, the cap message
 * on click (the button stays enabled), wrap-around through the kicks, delete without presets,
 * and the daily-limit message.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, openApp, screenshot, startBackend, type Backend } from "./harness";
import {
  aiKickOptions,
  enterKickGen,
  expectedResetLabel,
  generateKick,
  GENERATING_TEST,
  generateKickButton,
  logIn,
  register,
  samplerKick,
  serverLibrary,
  serverQuery,
} from "./kickgenSteps";

let backend: Backend;
let browser: Browser;
let page: Page;
let resetLabel: string;
const username = `quota${Date.now() % 1_000_000}`;
// The backend's data folder is ours, so that a test can damage a stored kick file.
const varDir = mkdtempSync(join(tmpdir(), "kwr-e2e-kickgen-limits-"));

const quotaNotice = () => page.getByTestId("quota-notice");

beforeAll(async () => {
  backend = await startBackend({
    name: "kickgen_limits",
    env: { KICKS_TOTAL_CAP: "3", KICKS_DAILY_LIMIT: "4", KICKS_SAMPLING_STEPS: "4", VAR_DIR: varDir },
  });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await openApp(context, backend.url);
  await register(page, username);
  await enterKickGen(page);
  resetLabel = expectedResetLabel((await serverLibrary(page)).kicks.resetsAt);
});

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
  rmSync(varDir, { recursive: true, force: true });
});

describe("quotas", () => {
  it("says nothing while more than three generations are left", async () => {
    await expect(quotaNotice().count()).resolves.toBe(0);
  });

  it("counts down the generations left until midnight Eastern", GENERATING_TEST, async () => {
    await generateKick(page);
    await expect(quotaNotice().textContent()).resolves.toBe(`3 kick generations left until ${resetLabel}`);
    await generateKick(page);
    await expect(quotaNotice().textContent()).resolves.toBe(`2 kick generations left until ${resetLabel}`);
    await generateKick(page);
    await expect(quotaNotice().textContent()).resolves.toBe(`1 kick generation left until ${resetLabel}`);
    await screenshot(page, "kickgen-low-remaining");
  });

  it("cycles through the kicks alphabetically with wrap-around", async () => {
    const options = await aiKickOptions(page);
    const names = options.map((option) => option.text);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })));
    const select = page.locator("#ai-kick-select");
    await select.selectOption(options.at(-1)!.value);
    await page.getByRole("button", { name: "Next AI kick" }).click();
    await expect(select.inputValue()).resolves.toBe(options[0]!.value);
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${options[0]!.value}` });
    await page.getByRole("button", { name: "Previous AI kick" }).click();
    await expect(select.inputValue()).resolves.toBe(options.at(-1)!.value);
  });

  it("shows the cap message on click, with the button still enabled, and generates nothing", async () => {
    await expect(generateKickButton(page).isEnabled()).resolves.toBe(true);
    await generateKickButton(page).click();
    await expect(page.getByTestId("generation-refused").innerText()).resolves.toContain("Delete kicks to generate more (3/3)");
    await screenshot(page, "kickgen-cap");
    const server = await serverLibrary(page);
    expect(server.kicks.kicks).toHaveLength(3);
    expect(server.kicks.remainingGensToday).toBe(1);
  });

  it("deletes a kick that no preset uses at once and selects the next one", async () => {
    const options = await aiKickOptions(page);
    await page.locator("#ai-kick-select").selectOption(options[0]!.value);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll("#ai-kick-select option:not([disabled])").length === 2);
    await expect(page.getByRole("dialog").count()).resolves.toBe(0);
    await expect(page.locator("#ai-kick-select").inputValue()).resolves.toBe(options[1]!.value);
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${options[1]!.value}` });
    // Deleting gives no generation back.
    await expect(serverLibrary(page)).resolves.toMatchObject({ kicks: { totalGensCount: 2, remainingGensToday: 1 } });
  });

  it("says clearly when the daily limit is reached, and the server agrees", GENERATING_TEST, async () => {
    await generateKick(page);
    const limit = `Daily limit reached: all 4 kick generations used today. More at ${resetLabel}.`;
    await expect(quotaNotice().textContent()).resolves.toBe(limit);
    await expect(quotaNotice().evaluate((element) => element.className)).resolves.toContain("notice--warning");
    // Below the cap again, so that only the daily limit stands in the way.
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll("#ai-kick-select option:not([disabled])").length === 2);
    await generateKickButton(page).click();
    const refusal = page.getByTestId("generation-refused");
    await refusal.waitFor();
    // One wording and one look for the daily limit, standing or on click.
    await expect(refusal.innerText()).resolves.toContain(limit);
    await expect(refusal.evaluate((element) => element.className)).resolves.toContain("notice--warning");
    await screenshot(page, "kickgen-daily-limit");
    await expect(aiKickOptions(page)).resolves.toHaveLength(2);
    await expect(serverLibrary(page)).resolves.toMatchObject({ kicks: { totalGensCount: 2, remainingGensToday: 0 } });
  });

  it("reports a kick whose audio cannot be decoded, and the others still play", async () => {
    const { kicks } = await serverQuery<{ kicks: { kicks: { id: string; name: string; audioUrl: string }[] } }>(page, "{ kicks { kicks { id name audioUrl } } }");
    const [broken, intact] = kicks.kicks;
    writeFileSync(join(varDir, "kicks", broken!.audioUrl.replace("/media/kicks/", "")), "not a wav file");
    // Kick URLs are cached as immutable: a fresh browser profile fetches them again.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page2 = await openApp(fresh, backend.url);
    await logIn(page2, username);
    await expect(page2.getByRole("alert").filter({ hasText: "Could not load" }).textContent()).resolves.toBe(
      `Could not load ${broken!.name}. The rest of your AI kicks are ready.`,
    );
    await screenshot(page2, "kickgen-kick-load-failure");
    await enterKickGen(page2);
    const select = page2.locator("#ai-kick-select");
    await select.selectOption(intact!.id);
    await expect(samplerKick(page2).then((sampler) => sampler.seconds)).resolves.toBeCloseTo(2, 2);
    // Still listed, so that it can be deleted; it just has no sound.
    await select.selectOption(broken!.id);
    await expect(samplerKick(page2)).resolves.toEqual({ key: `ai:${broken!.id}`, seconds: null });
    await fresh.close();
  });

  it("fits a phone screen in AI Kick Gen mode", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phonePage = await openApp(phone, backend.url);
    await logIn(phonePage, username);
    await enterKickGen(phonePage);
    await phonePage.waitForFunction(() => document.querySelectorAll("#ai-kick-select option:not([disabled])").length === 2);
    const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phonePage, "kickgen-phone");
    await phone.close();
  });
});
