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
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    // The GraphiQL explorer is a second entry without a page of its own: Django renders
    // /graphql/'s page from the manifest (backend/views.py), so it exists only while
    // GRAPHQL_IDE is on.
    manifest: true,
    // Monaco, GraphiQL's editor, is one 2.8 MB chunk that only the explorer loads.
    chunkSizeWarningLimit: 3000,
    rolldownOptions: {
      input: { app: "index.html", graphiql: "src/graphiql/main.tsx" },
      // GraphiQL's modules start with React Compiler's "use no memo", which bundling drops harmlessly.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE" && warning.id?.includes("/node_modules/")) return;
        warn(warning);
      },
      checks: { pluginTimings: false },
    },
  },
  test: {
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "node",
  },
});
