import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built into dist/ui by scripts/build.mjs; served under /_ui/ by `weft ui` and `weft service --ui`.
export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  base: "/_ui/",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: new URL("../dist/ui", import.meta.url).pathname,
    emptyOutDir: true,
    // No inline scripts or styles (the CSP allows none), no modulepreload polyfill.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
