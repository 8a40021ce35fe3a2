/**
 * Starts the real backend for the browser tests: a fresh database (PostgreSQL when DATABASE_URL
 * names one, else SQLite in a temporary VAR_DIR), migrations, the stock samples, then uvicorn on a
 * free port serving the built app. Also launches Debian's Chromium through playwright-core.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { defaultKickModelEnv } from "./kickModels";

const run = promisify(execFile);

export const FRONTEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_DIR = resolve(FRONTEND_DIR, "..");
export const ARTIFACTS_DIR = join(FRONTEND_DIR, "test-results");
const PYTHON = join(REPO_DIR, ".venv", "bin", "python");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface Backend {
  url: string;
  stop: () => Promise<void>;
}

export interface BackendOptions {
  /** Suffix of the PostgreSQL database name, so servers started side by side do not share one. */
  name: string;
  /** Extra settings for this server, e.g. small generation limits. */
  env?: Record<string, string>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

/** DATABASE_URL with its database name suffixed, recreated empty; undefined means SQLite. */
async function freshDatabaseUrl(name: string): Promise<string | undefined> {
  const base = process.env.DATABASE_URL;
  if (!base?.startsWith("postgres")) return undefined;
  const url = new URL(base);
  const database = `${url.pathname.slice(1) || "kwr"}_${name}`.replace(/[^A-Za-z0-9_]/g, "_");
  url.pathname = `/${database}`;
  const admin = new URL(base);
  admin.pathname = "/postgres";
  const script = [
    "import sys, psycopg",
    "with psycopg.connect(sys.argv[1], autocommit=True) as c:",
    "    c.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[2]}\" WITH (FORCE)')",
    "    c.execute(f'CREATE DATABASE \"{sys.argv[2]}\"')",
  ].join("\n");
  await run(PYTHON, ["-c", script, admin.toString(), database]);
  return url.toString();
}

async function waitForServer(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`The backend exited (${server.exitCode}):\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 250));
  }
  throw new Error(`The backend did not answer at ${url} within 60 s:\n${output()}`);
}

export async function startBackend({ name, env = {} }: BackendOptions): Promise<Backend> {
  if (!existsSync(join(FRONTEND_DIR, "dist", "index.html"))) {
    throw new Error("frontend/dist is not built: run `make frontend` (or `npm run build`) first.");
  }
  const varDir = mkdtempSync(join(tmpdir(), `kwr-e2e-${name}-`));
  const databaseUrl = await freshDatabaseUrl(name);
  const serverEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DEBUG: "1",
    VAR_DIR: varDir,
    // The stock library is reproducible and idempotent to build: share the repository's copy.
    STOCK_SAMPLES_DIR: process.env.STOCK_SAMPLES_DIR ?? join(REPO_DIR, "var", "samples"),
    FRONTEND_DIST: join(FRONTEND_DIR, "dist"),
    REGISTER_THROTTLE: "1000/min",
    LOGIN_THROTTLE: "1000/min",
    PRESETS_WRITE_THROTTLE: "1000/min",
    ...("KICK_MODEL" in env ? {} : await defaultKickModelEnv()),
    ...env,
  };
  if (databaseUrl) serverEnv.DATABASE_URL = databaseUrl;
  else delete serverEnv.DATABASE_URL;

  const manage = (...args: string[]) => run(PYTHON, ["manage.py", ...args], { cwd: REPO_DIR, env: serverEnv, maxBuffer: 16 << 20 });
  await manage("migrate", "--noinput");
  await manage("build_samples");

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(PYTHON, ["-m", "uvicorn", "backend.asgi:application", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: REPO_DIR,
    env: serverEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  server.stdout?.on("data", keep);
  server.stderr?.on("data", keep);
  await waitForServer(`${url}/`, server, () => log);

  return {
    url,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((done) => server.once("exit", done));
        server.kill("SIGTERM");
        await exited;
      }
      rmSync(varDir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium with no network of its own and audio allowed to start without a gesture. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

const cspViolations = new WeakMap<Page, string[]>();

/** Every Content-Security-Policy violation a page opened by openApp has reported so far. */
export function cspViolationsOf(page: Page): string[] {
  return cspViolations.get(page) ?? [];
}

/** Opens the app and waits until the loading overlay is gone (engine, samples, presets ready). */
export async function openApp(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  const violations: string[] = [];
  cspViolations.set(page, violations);
  // Chromium logs each violation to the console; the event also covers workers and worklets.
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  await page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (event) =>
      console.error(`Content Security Policy violation: ${event.effectiveDirective} ${event.blockedURI}`),
    ),
  );
  await page.goto(url);
  await page.getByTestId("loading-overlay").waitFor({ state: "detached", timeout: 60_000 }).catch((error: unknown) => {
    throw new Error(`The app did not finish loading: ${String(error)}; page errors: ${problems.join("; ")}`);
  });
  return page;
}
