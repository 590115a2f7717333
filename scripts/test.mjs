// Runs every *.test.ts under src/ and test/ with Node's test runner (Node 20 takes no
// globs). Pass paths or substrings to run a subset: `node scripts/test.mjs lint`.
//
// Files named *.azure.test.ts (Azurite, the fake Entra ID) run in a second `node --test`
// inside a loopback-only network namespace: `unshare -n sh -c 'ip link set lo up && exec
// node …'` (as root), else `unshare -rn …` (unprivileged user namespace). Any non-loopback
// connection then fails at once with ENETUNREACH instead of reaching a real endpoint.
// Without either, CI=true fails; locally a loud warning is printed and they run
// unconfined (test/azure/namespace.azure.test.ts then fails, on purpose).
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
const files = (filters.length ? found.filter((f) => filters.some((x) => f.includes(x))) : found).sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const isAzure = (f) => f.endsWith(".azure.test.ts");
const plain = files.filter((f) => !isAzure(f));
const azure = files.filter(isAzure);
const nodeTest = [process.execPath, "--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec"];

/** Runs argv with inherited stdio; returns its exit status (1 if it could not start). */
const run = (argv) => {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: "inherit" });
  if (result.error) console.error(`could not run ${argv[0]}: ${result.error.message}`);
  return result.status ?? 1;
};

/** The unshare prefix that gives a namespace with only `lo` (up), or null if none works. */
const namespacePrefix = () => {
  const setup = "ip link set lo up && exec \"$0\" \"$@\"";
  for (const flags of [["-n"], ["-r", "-n"]]) {
    const probe = spawnSync("unshare", [...flags, "sh", "-c", setup, "true"], { stdio: "ignore" });
    if (probe.status === 0) return ["unshare", ...flags, "sh", "-c", setup];
  }
  return null;
};

let failed = false;
if (plain.length) failed = run([...nodeTest, ...plain]) !== 0;

if (azure.length) {
  const prefix = namespacePrefix();
  if (prefix) {
    console.log(`\n▶ ${azure.length} Azure test file(s) in a loopback-only network namespace (${prefix.slice(0, -3).join(" ")})`);
    failed = run([...prefix, ...nodeTest, ...azure]) !== 0 || failed;
  } else if (process.env.CI === "true") {
    console.error(
      "\nCI=true: cannot run the Azure tests in a loopback-only network namespace: neither `unshare -n` (needs root or CAP_SYS_ADMIN)" +
        " nor `unshare -rn` (needs unprivileged user namespaces) works here, or `ip` (iproute2) is missing." +
        " Run CI as root, enable user namespaces (sysctl kernel.unprivileged_userns_clone=1), or install util-linux and iproute2.",
    );
    failed = true;
  } else {
    const bar = "!".repeat(78);
    console.error(`\n${bar}\n!! WARNING: no loopback-only network namespace (unshare -n / unshare -rn failed).\n` +
      "!! The Azure tests run WITHOUT the guard that makes a non-loopback connection fail at once;\n" +
      "!! namespace.azure.test.ts will fail. Run as root or enable user namespaces to fix this.\n" + `${bar}\n`);
    failed = run([...nodeTest, ...azure]) !== 0 || failed;
  }
}
process.exit(failed ? 1 : 0);
