// Builds dist/ from src/ with esbuild: one ESM chunked build so the CLI, the task
// entrypoint and the public modules share a single copy of the runtime. The build goes
// to a fresh folder that then replaces dist/, so task processes starting meanwhile
// (a run in progress while Weft is rebuilt) never see a half-written dist/.
import { build } from "esbuild";
import { renameSync, rmSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const next = `${root}dist.next-${process.pid}`;
const old = `${root}dist.old-${process.pid}`;
await build({
  absWorkingDir: root,
  entryPoints: {
    index: "src/index.ts",
    client: "src/client/index.ts",
    cli: "src/cli/main.ts",
    "task-main": "src/runtime/task/main.ts",
    "azure-sync-worker": "src/datastore/azure/sync-worker.ts",
  },
  outdir: next,
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
try {
  renameSync(`${root}dist`, old);
} catch (error) {
  if (error.code !== "ENOENT") throw error;
}
renameSync(next, `${root}dist`);
rmSync(old, { recursive: true, force: true });
