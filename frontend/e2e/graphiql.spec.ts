/**
 * The GraphiQL explorer at /graphql/ (DEBUG: GRAPHQL_IDE on) as a developer without internet
 * meets it: every request to anything but this server is blocked, yet the page loads (its own
 * bundle and editor workers), runs mutations and queries over HTTP with the CSRF header, and
 * follows a kickGeneration subscription over graphql-transport-ws.
 */
import type { Browser, BrowserContext, Page, WebSocket } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, screenshot } from "./harness";
import { GENERATING_TEST, GENERATION_TIMEOUT_MS } from "./kickgenSteps";

const baseUrl = inject("baseUrl");
const username = `explorer${Date.now() % 1_000_000}`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests to anywhere but the server, each refused as an offline machine would. */
const blocked: string[] = [];
/** graphql-transport-ws messages the server sent to the page. */
const received: { type: string; payload?: unknown }[] = [];
/** HTTP answers of /graphql/ to the page's POSTs, with the CSRF header each request carried. */
const answers: { csrfHeader: string | null; status: number; body: unknown }[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const origin = new URL(baseUrl).origin;
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort("internetdisconnected");
  });
  page = await context.newPage();
  page.on("websocket", (socket: WebSocket) =>
    socket.on("framereceived", ({ payload }) => received.push(JSON.parse(String(payload)) as { type: string; payload?: unknown })),
  );
  page.on("response", async (response) => {
    const request = response.request();
    if (request.method() !== "POST" || !request.url().endsWith("/graphql/")) return;
    answers.push({ csrfHeader: request.headers()["x-csrftoken"] ?? null, status: response.status(), body: await response.json() });
  });
});

afterAll(async () => {
  await browser?.close();
});

const executeButton = () => page.locator(".graphiql-execute-button");

/** Replaces the operation in GraphiQL's editor and runs it. */
async function run(operation: string): Promise<void> {
  await page.locator(".graphiql-query-editor .monaco-editor").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  // Inserted as one edit, so that the editor adds no closing brackets of its own.
  await page.keyboard.insertText(operation);
  // GraphiQL reads the operation (query or subscription?) 100 ms after the last edit.
  await page.waitForTimeout(400);
  await executeButton().click();
}

/** The next /graphql/ HTTP answer after `count` of them. */
async function answerAfter(count: number): Promise<(typeof answers)[number]> {
  await expect.poll(() => answers.length, { timeout: 30_000 }).toBeGreaterThan(count);
  return answers[count]!;
}

describe("GraphiQL offline", () => {
  it("loads from the server alone", async () => {
    await page.goto(`${baseUrl}/graphql/`);
    await page.locator(".graphiql-query-editor .monaco-editor").waitFor({ timeout: 60_000 });
    await executeButton().waitFor();
    // The schema arrived (introspection is on in DEBUG): the documentation explorer can open.
    await page.getByRole("button", { name: /Show Documentation Explorer/ }).click();
    await page.getByText("Root Types").waitFor({ timeout: 30_000 });
    await screenshot(page, "graphiql-offline");
  });

  it("registers a member with a CSRF-checked mutation", async () => {
    const before = answers.length;
    await run(`mutation { register(username: "${username}", email: "${username}@example.com", password: "kick-drum-1234") { __typename } }`);
    const answer = await answerAfter(before);
    expect(answer.status).toBe(200);
    expect(answer.csrfHeader).toBeTruthy();
    expect(answer.body).toEqual({ data: { register: { __typename: "RegisterSuccess" } } });
  });

  it("runs a kicks query as that member and shows the answer", async () => {
    const before = answers.length;
    await run("{ kicks { kicks { id name } remainingGensToday totalCap } }");
    const answer = await answerAfter(before);
    expect(answer.body).toMatchObject({ data: { kicks: { kicks: [], totalCap: expect.any(Number) } } });
    await page.locator(".graphiql-response").getByText("remainingGensToday").waitFor();
    await screenshot(page, "graphiql-kicks-query");
  });

  it("follows a kickGeneration subscription over graphql-transport-ws", GENERATING_TEST, async () => {
    const requestId = `graphiql-${username}`;
    await run(`subscription { kickGeneration(requestId: "${requestId}") { stage fraction } }`);
    // Subscribed once the button offers to stop it; then the page's session starts the generation.
    await page.getByRole("button", { name: /^Stop query/ }).waitFor();
    const generated = page.evaluate(async (id) => {
      const token = decodeURIComponent(/(?:^|; )csrftoken=([^;]+)/.exec(document.cookie)?.[1] ?? "");
      const response = await fetch("/graphql/", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ query: `mutation { generateKick(requestId: "${id}") { __typename } }` }),
      });
      return response.json();
    }, requestId);
    await page.locator(".graphiql-response").getByText('"DONE"').waitFor({ timeout: GENERATION_TIMEOUT_MS });
    await expect(generated).resolves.toEqual({ data: { generateKick: { __typename: "GenerateKickSuccess" } } });

    const stages = received
      .filter((message) => message.type === "next")
      .map((message) => (message.payload as { data: { kickGeneration: { stage: string } } }).data.kickGeneration.stage);
    expect(stages[0]).toBe("QUEUED");
    expect(stages).toContain("SAMPLING");
    expect(stages.at(-1)).toBe("DONE");
    expect(received.some((message) => message.type === "complete")).toBe(true);
    await screenshot(page, "graphiql-subscription");
  });

  it("never tried to reach anything but the server", () => {
    expect(blocked).toEqual([]);
  });
});
