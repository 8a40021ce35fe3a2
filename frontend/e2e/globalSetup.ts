import type { TestProject } from "vitest/node";
import { startBackend, type Backend } from "./harness";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

let backend: Backend | null = null;

export async function setup(project: TestProject): Promise<void> {
  backend = await startBackend({ name: "e2e" });
  project.provide("baseUrl", backend.url);
}

export async function teardown(): Promise<void> {
  await backend?.stop();
}
