/**
 * A generation the producer leaves running: back in the DAW a pill on the kick strip shows its
 * progress, then "AI: <name> is ready" without touching the kick that plays; opening AI Kick Gen
 * mode selects the new kick. And the status row: one place and height in both modes, so neither
 * a mode switch nor a running generation moves the transport.
 */
import type { Browser, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, openApp, screenshot } from "./harness";
import { aiKickOptions, backToDaw, enterKickGen, generateButton, generateKick, GENERATING_TEST, GENERATION_TIMEOUT_MS, generateKickButton, register, samplerKick } from "./kickgenSteps";

const baseUrl = inject("baseUrl");
const username = `background${Date.now() % 1_000_000}`;

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await openApp(context, baseUrl);
  await register(page, username);
  await generateButton(page).waitFor();
});

afterAll(async () => {
  await browser?.close();
});

/** Where the transport and the kick strip are drawn. */
async function dawLayout(): Promise<{ transport: number; kickStrip: number }> {
  const [transport, kickStrip] = await Promise.all([
    page.getByRole("region", { name: "Transport" }).boundingBox(),
    page.getByRole("region", { name: "Kick", exact: true }).boundingBox(),
  ]);
  return { transport: transport!.y, kickStrip: kickStrip!.y };
}

const pill = () => page.getByTestId("kick-pill");

describe("the status row", () => {
  it("keeps the transport in place across modes", async () => {
    await page.getByTestId("status-row").getByTestId("quota-summary").waitFor();
    const daw = await dawLayout();
    await enterKickGen(page);
    await expect(dawLayout()).resolves.toEqual(daw);
    await backToDaw(page);
    await expect(dawLayout()).resolves.toEqual(daw);
  });
});

describe("a generation left running", () => {
  let firstKick: string;
  let layout: { transport: number; kickStrip: number };

  it("starts from one kick in the sampler", GENERATING_TEST, async () => {
    layout = await dawLayout();
    await enterKickGen(page);
    firstKick = (await generateKick(page)).id;
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${firstKick}` });
  });

  it("shows its progress on the kick strip after Back To DAW, and then the new kick, leaving the sampler alone", GENERATING_TEST, async () => {
    // The server generates at its pace; its answer reaches the page only when the test says so.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holdGeneration = async (route: Route) => {
      if (!route.request().postData()?.includes("generateKick")) return route.continue();
      const response = await route.fetch({ timeout: GENERATION_TIMEOUT_MS });
      await held;
      return route.fulfill({ response });
    };
    await page.route("**/graphql/", holdGeneration);
    await generateKickButton(page).click();
    await page.getByTestId("generation-progress").waitFor();
    // A running generation changes the status row's content, not its size.
    await expect(dawLayout()).resolves.toEqual(layout);
    await screenshot(page, "kickgen-background-running");

    await backToDaw(page);
    await expect(dawLayout()).resolves.toEqual(layout);
    await pill().getByRole("progressbar", { name: "AI kick generating in the background" }).waitFor();
    await expect(pill().innerText()).resolves.toMatch(/^AI kick \d+%/);
    await screenshot(page, "kickgen-background-pill");

    release();
    const ready = page.getByRole("status").filter({ has: pill() });
    await ready.getByText(/^✓ AI: .+ is ready$/u).waitFor({ timeout: GENERATION_TIMEOUT_MS });
    await page.unroute("**/graphql/", holdGeneration);
    const name = (await pill().innerText()).replace(/^✓ /u, "").replace(/ is ready$/, "");
    // Listed in the Selectah; the kick that plays stays the one the producer chose.
    const listed = await page.locator('#kick-selectah optgroup[label="AI kicks"] option').evaluateAll((options) =>
      options.map((option) => ({ value: (option as HTMLOptionElement).value, text: option.textContent })),
    );
    expect(listed.map((option) => option.text)).toContain(name);
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${firstKick}` });
    await screenshot(page, "kickgen-background-ready");

    // Opening AI Kick Gen mode (here from the pill) selects and loads the new kick.
    await pill().click();
    await page.locator("#ai-kick-select").waitFor();
    const newKick = listed.find((option) => option.text === name)!.value.replace(/^ai:/, "");
    expect(newKick).not.toBe(firstKick);
    await expect(page.locator("#ai-kick-select").inputValue()).resolves.toBe(newKick);
    await expect(samplerKick(page)).resolves.toMatchObject({ key: `ai:${newKick}` });
    await expect(aiKickOptions(page)).resolves.toHaveLength(2);

    // Told once: back in the DAW the pill is gone.
    await backToDaw(page);
    await expect(pill().count()).resolves.toBe(0);
  });
});
