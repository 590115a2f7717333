// Builds dist/ from src/ with esbuild: one ESM chunked build so the CLI, the task
// entrypoint and the public modules share a single copy of the runtime.
import { build } from "esbuild";
import { rmSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    index: "src/index.ts",
    client: "src/client/index.ts",
    cli: "src/cli/main.ts",
    "task-main": "src/runtime/task/main.ts",
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
