/**
 * Which kick model the browser tests' backends run: the shipped weights
 * (gpu_worker.DEFAULT_MODEL_PATH) whenever they are in the tree, else a stand-in of the same
 * architecture with random weights; plus a model that fails half-way for the failure test.
 * Folders are written by e2e/kick_models.py through gpu_worker's own save_pretrained.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const E2E_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(E2E_DIR, "..", "..");
const GPU_WORKER = join(REPO, "gpu_worker");
const BUILDER = join(E2E_DIR, "kick_models.py");
const CACHE_DIR = join(tmpdir(), "kwr-e2e-kick-models");
// The project runs from its checkout (nothing installs it): scripts import gpu_worker from there.
const PYTHON = join(REPO, ".venv", "bin", "python");
const PYTHON_OPTIONS = { cwd: REPO, env: { ...process.env, PYTHONPATH: REPO } };

/** The shipped weights' folder, as gpu_worker names it (importing the package loads no torch). */
export const SHIPPED_MODEL_DIR = execFileSync(
  PYTHON,
  ["-c", "import gpu_worker; print(gpu_worker.DEFAULT_MODEL_PATH)"],
  { ...PYTHON_OPTIONS, encoding: "utf8" },
).trim();
/** The name the app shows for the shipped model: its folder's. */
export const SHIPPED_MODEL_NAME = basename(SHIPPED_MODEL_DIR);

export function shippedWeightsPresent(): boolean {
  return existsSync(join(SHIPPED_MODEL_DIR, "config.json"));
}

interface ShippedConfig {
  default_prompt: string;
  default_steps: number;
  default_guidance: number;
  sampler: string;
  distilled: { steps: number; guidance: number };
}

function shippedConfig(): ShippedConfig {
  return JSON.parse(readFileSync(join(SHIPPED_MODEL_DIR, "config.json"), "utf8")) as ShippedConfig;
}

/** The shipped model's default prompt, which a new member's keyword chips start from. */
export function shippedDefaultPrompt(): string {
  return shippedConfig().default_prompt;
}

/** The shipped model's samplers as a kick's recipe shows them ("sampler, N steps, guidance G"):
 * its default (the distilled student) and the guided DDIM that variations run. */
export function shippedSamplingLabels(): { default: string; guided: string } {
  const config = shippedConfig();
  return {
    default: `${config.sampler}, ${config.distilled.steps} steps, guidance ${config.distilled.guidance}`,
    guided: `ddim, ${config.default_steps} steps, guidance ${config.default_guidance}`,
  };
}

export type TestModelKind = "stand-in" | "failing";

/** Changes whenever the model code or the builder does, so a cached folder always loads. */
function modelCodeDigest(): string {
  const hash = createHash("sha256");
  const sources = [GPU_WORKER, join(GPU_WORKER, "models")].flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => name.endsWith(".py"))
      .sort()
      .map((name) => join(folder, name)),
  );
  for (const file of [...sources, BUILDER]) hash.update(file).update(readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}

/**
 * The model folder of this kind, built once and cached across runs in the temp folder (test
 * processes may race to build it: each builds aside and the first rename wins).
 */
export async function testKickModel(kind: TestModelKind): Promise<string> {
  const folder = join(CACHE_DIR, `${kind}-${modelCodeDigest()}`);
  if (existsSync(join(folder, "config.json"))) return folder;
  mkdirSync(CACHE_DIR, { recursive: true });
  const building = mkdtempSync(join(CACHE_DIR, `${kind}-building-`));
  try {
    await run(PYTHON, [BUILDER, kind, building], PYTHON_OPTIONS);
    renameSync(building, folder);
  } catch (error) {
    if (!existsSync(join(folder, "config.json"))) throw error;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return folder;
}

/** Settings for a backend that generates with the shipped weights, or with the stand-in until they land. */
export async function defaultKickModelEnv(): Promise<Record<string, string>> {
  return shippedWeightsPresent() ? {} : { KICK_MODEL: await testKickModel("stand-in") };
}
