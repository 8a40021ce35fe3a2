import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The dev server forwards API, websocket and file requests to Django (make run: port 8000).
const backend = process.env.BACKEND_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/graphql/": { target: backend, ws: true, changeOrigin: false },
      "/static/": backend,
      "/media/": backend,
    },
  },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  test: {
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "node",
  },
});
