/**
 * Which kick model the browser tests' backends run: the shipped weights
 * (gpu_worker/pretrained/kick-gen-v1) whenever they are in the tree, else a stand-in of the same
 * architecture with random weights; plus a model that fails half-way for the failure test.
 * Folders are written by e2e/kick_models.py through gpu_worker's own save_pretrained.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const E2E_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(E2E_DIR, "..", "..");

export const SHIPPED_MODEL_DIR = join(REPO, "gpu_worker", "pretrained", "kick-gen-v1");

export function shippedWeightsPresent(): boolean {
  return existsSync(join(SHIPPED_MODEL_DIR, "config.json"));
}

export type TestModelKind = "stand-in" | "failing";

const built = new Map<TestModelKind, Promise<string>>();

/** Builds the model folder once per test process; it is removed when the process exits. */
export function testKickModel(kind: TestModelKind): Promise<string> {
  let folder = built.get(kind);
  if (!folder) {
    const directory = mkdtempSync(join(tmpdir(), `kwr-e2e-model-${kind}-`));
    process.once("exit", () => rmSync(directory, { recursive: true, force: true }));
    folder = run(join(REPO, ".venv", "bin", "python"), [join(E2E_DIR, "kick_models.py"), kind, directory], { cwd: REPO }).then(() => directory);
    built.set(kind, folder);
  }
  return folder;
}

/** Settings for a backend that generates with the shipped weights, or with the stand-in until they land. */
export async function defaultKickModelEnv(): Promise<Record<string, string>> {
  return shippedWeightsPresent() ? {} : { KICK_MODEL: await testKickModel("stand-in") };
}
