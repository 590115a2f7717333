// First frame of a 10,000-row card against a 100-row card in headless Chromium
// (bench/cases/card-render.ts). Usage: node bench/card-render.mjs
import { join } from "node:path";
import { repoRoot, run } from "./lib.mjs";

export async function cardRender() {
  process.stdout.write(await run(process.execPath, ["--import", "tsx", join(repoRoot, "bench/cases/card-render.ts")], { cwd: repoRoot }));
}

if (import.meta.url === `file://${process.argv[1]}`) await cardRender();
