// Runs every *.test.ts under src/ and test/ with Node's test runner (Node 20 takes no
// globs). Pass paths or substrings to run a subset: `node scripts/test.mjs lint`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const found = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith(".test.ts")) found.push(relative(root, path));
  }
};
walk(join(root, "src"));
walk(join(root, "test"));
const filters = process.argv.slice(2);
const files = filters.length ? found.filter((f) => filters.some((x) => f.includes(x))) : found;
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files.sort()], { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
