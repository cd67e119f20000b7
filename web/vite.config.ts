// Vite configuration: the React plugin, a dev-server proxy to `cargo xtask run`'s berth, and Vitest.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1200 },
  server: { proxy: { "/api": { target: "http://127.0.0.1:9000", ws: true } } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
