/**
 * A worker that fails for real: the backend's local worker runs a model whose vocoder overflows,
 * so it loads, samples and then the pipeline refuses the non-finite audio. The member sees a
 * retryable error; no kick, no quota used, the sampler untouched; "Try again" runs a new request.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, openApp, screenshot, startBackend, type Backend } from "./harness";
import { testKickModel } from "./kickModels";
import { aiKickOptions, dawControls, enterKickGen, GENERATING_TEST, GENERATION_TIMEOUT_MS, generateKickButton, register, samplerKick, serverLibrary } from "./kickgenSteps";

let backend: Backend;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  backend = await startBackend({
    name: "kickgen_failure",
    env: { KICK_MODEL: await testKickModel("failing"), KICKS_SAMPLING_STEPS: "4" },
  });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await openApp(context, backend.url);
  await register(page, `unlucky${Date.now() % 1_000_000}`);
  await enterKickGen(page);
});

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

describe("a failing worker", () => {
  it("shows a retryable error and changes nothing", GENERATING_TEST, async () => {
    const before = await serverLibrary(page);
    const controls = await dawControls(page);
    await generateKickButton(page).click();
    const failure = page.getByTestId("generation-failed");
    await failure.waitFor({ timeout: GENERATION_TIMEOUT_MS });
    await expect(failure.innerText()).resolves.toContain("The generator failed.");
    await expect(failure.getByRole("button", { name: "Try again" }).isVisible()).resolves.toBe(true);
    await expect(page.getByTestId("generation-progress").count()).resolves.toBe(0);
    await screenshot(page, "kickgen-worker-failed");

    await expect(aiKickOptions(page)).resolves.toEqual([]);
    await expect(samplerKick(page)).resolves.toEqual({ key: null, seconds: null });
    expect(await dawControls(page)).toEqual(controls);
    const after = await serverLibrary(page);
    expect(after.kicks).toEqual(before.kicks);
  });

  it("tries again as a new request, which fails the same way and still uses nothing", GENERATING_TEST, async () => {
    const failure = page.getByTestId("generation-failed");
    await failure.getByRole("button", { name: "Try again" }).click();
    await page.getByTestId("generation-progress").waitFor();
    await failure.waitFor({ timeout: GENERATION_TIMEOUT_MS });
    await expect(serverLibrary(page)).resolves.toMatchObject({ kicks: { kicks: [], totalGensCount: 0, remainingGensToday: 10 } });
    await expect(generateKickButton(page).isEnabled()).resolves.toBe(true);
  });
});
