import { defineConfig } from "vitest/config";

// Benchmarks: print tables, run on demand (make bench-frontend), never part of make test.
export default defineConfig({
  test: {
    include: ["bench/**/*.spec.ts"],
    environment: "node",
    globalSetup: ["e2e/globalSetup.ts"],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
