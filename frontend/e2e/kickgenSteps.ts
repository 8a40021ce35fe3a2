/** Steps the AI Kick Gen browser tests share: register, switch modes, generate, read the page and the server. */
import type { Page } from "playwright-core";

/** One generation on a shared CPU: the model loads on the first one, then it samples every step. */
export const GENERATION_TIMEOUT_MS = 150_000;
/** For a test that generates: time for its generations and the steps around them. */
export const GENERATING_TEST = { timeout: 300_000 };

export interface ProgressSample {
  stage: string;
  label: string;
  percent: number;
  note: string | null;
}

export interface GeneratedKick {
  id: string;
  name: string;
  /** Every distinct state the progress bar showed, in order. */
  progress: ProgressSample[];
  /** Every distinct picture the kick-forming canvas showed (data URLs), in order. */
  previews: string[];
}

export async function register(page: Page, username: string, password = "kick-drum-1234"): Promise<void> {
  await page.getByRole("button", { name: "Register" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("Email").fill(`${username}@example.com`);
  await dialog.getByLabel("Password").fill(password);
  await dialog.getByRole("button", { name: "Register" }).click();
  await page.getByText(`Logged in as ${username}`).waitFor();
}

export async function logIn(page: Page, username: string, password = "kick-drum-1234"): Promise<void> {
  await page.getByRole("button", { name: "Log in" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("Password").fill(password);
  await dialog.getByRole("button", { name: "Log in" }).click();
  await page.getByText(`Logged in as ${username}`).waitFor();
}

export const generateButton = (page: Page) => page.getByRole("button", { name: "Generate an AI Kick" });
export const generateKickButton = (page: Page) => page.getByRole("button", { name: "Generate kick" });
export const heading = (page: Page) => page.getByRole("heading", { level: 1 }).textContent();

export async function enterKickGen(page: Page): Promise<void> {
  await generateButton(page).click();
  await page.locator("#ai-kick-select").waitFor();
}

export async function backToDaw(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Back To DAW" }).click();
  await page.locator("#kick-selectah").waitFor();
}

/** Every knob (aria-label → value) and the noise and reverb Selectahs. */
export async function dawControls(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const values: Record<string, string> = {};
    for (const knob of document.querySelectorAll('[role="slider"]')) values[knob.getAttribute("aria-label") ?? "?"] = knob.getAttribute("aria-valuenow") ?? "";
    for (const id of ["noise-selectah", "reverb-selectah"]) values[id] = (document.getElementById(id) as HTMLSelectElement | null)?.value ?? "";
    return values;
  });
}

export async function aiKickOptions(page: Page): Promise<{ value: string; text: string }[]> {
  return page
    .locator("#ai-kick-select option:not([disabled])")
    .evaluateAll((options) => options.map((option) => ({ value: (option as HTMLOptionElement).value, text: option.textContent ?? "" })));
}

/** The engine's current kick key and whether the sample library holds it. */
export async function samplerKick(page: Page): Promise<{ key: string | null; seconds: number | null }> {
  return page.evaluate(() => {
    const handle = window.kickWithReverb!;
    const key = handle.settings().kickKey;
    return { key, seconds: key === null ? null : handle.sampleDuration(key) };
  });
}

/** Records every state the progress bar passes through, from now on, into window.__kickProgress. */
async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: { stage: string; label: string; percent: number; note: string | null }[] = [];
    (window as unknown as { __kickProgress: typeof seen }).__kickProgress = seen;
    const record = () => {
      const bar = document.querySelector('[role="progressbar"][aria-label="Kick generation"]');
      if (!bar) return;
      const note = document.querySelector(".kickgen-progress__note")?.textContent ?? null;
      const label = (bar.getAttribute("aria-valuetext") ?? "").replace(/, \d+%$/, "");
      const sample = { stage: bar.getAttribute("data-stage") ?? "", label, percent: Number(bar.getAttribute("aria-valuenow")), note };
      const last = seen.at(-1);
      if (!last || last.stage !== sample.stage || last.label !== sample.label || last.percent !== sample.percent || last.note !== sample.note) seen.push(sample);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-stage", "aria-valuenow"] });
    // Pictures of the kick forming: a canvas's drawing changes no DOM, so it is sampled.
    const pictures: string[] = [];
    (window as unknown as { __kickPreviews: string[] }).__kickPreviews = pictures;
    const sample = () => {
      const canvas = document.querySelector('[data-testid="generation-preview"]');
      const picture = canvas instanceof HTMLCanvasElement ? canvas.toDataURL() : null;
      if (picture && pictures.at(-1) !== picture) pictures.push(picture);
      if (pictures.length === 0 || document.querySelector('[data-testid="generation-progress"]')) requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
}

async function recordedProgress(page: Page): Promise<ProgressSample[]> {
  return page.evaluate(() => (window as unknown as { __kickProgress: ProgressSample[] }).__kickProgress);
}

async function recordedPreviews(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __kickPreviews: string[] }).__kickPreviews);
}

/** Presses 🎨 Generate kick and waits until the new kick is listed and the progress bar is gone. */
export async function generateKick(page: Page, onRunning?: () => Promise<void>): Promise<GeneratedKick> {
  const before = new Set((await aiKickOptions(page)).map((option) => option.value));
  await recordProgress(page);
  await generateKickButton(page).click();
  await page.getByTestId("generation-progress").waitFor();
  await onRunning?.();
  await page.waitForFunction(
    (count) =>
      document.querySelectorAll("#ai-kick-select option:not([disabled])").length > count && !document.querySelector('[data-testid="generation-progress"]'),
    before.size,
    { timeout: GENERATION_TIMEOUT_MS, polling: 100 },
  );
  const added = (await aiKickOptions(page)).find((option) => !before.has(option.value));
  if (!added) throw new Error("no new kick in the dropdown");
  return { id: added.value, name: added.text, progress: await recordedProgress(page), previews: await recordedPreviews(page) };
}

/** A GraphQL request from the page with its session cookie and CSRF token: the server's view. */
export async function serverQuery<T>(page: Page, query: string): Promise<T> {
  return page.evaluate(async (document) => {
    const token = /(?:^|; )csrftoken=([^;]+)/.exec(window.document.cookie)?.[1] ?? "";
    const response = await fetch("/graphql/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token) },
      body: JSON.stringify({ query: document }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  }, query) as Promise<T>;
}

export interface ServerLibrary {
  kicks: { kicks: { id: string; name: string }[]; remainingGensToday: number; totalGensCount: number; resetsAt: string };
  presets: { name: string; aiKick: { id: string } | null }[];
}

/** The member's kicks and (the first page of, at most 100) presets, as the server has them. */
export async function serverLibrary(page: Page): Promise<ServerLibrary> {
  const library = await serverQuery<Omit<ServerLibrary, "presets"> & { presets: { results: ServerLibrary["presets"] } }>(
    page,
    "{ kicks { kicks { id name } remainingGensToday totalGensCount resetsAt } presets { results { name aiKick { id } } } }",
  );
  return { ...library, presets: library.presets.results };
}

/** "12:00 AM EST" for the server's reset time, worked out independently of the app's code. */
export function expectedResetLabel(resetsAt: string): string {
  const zone = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", timeZoneName: "short" })
    .formatToParts(new Date(resetsAt))
    .find((part) => part.type === "timeZoneName")!.value;
  return `12:00 AM ${zone}`;
}
