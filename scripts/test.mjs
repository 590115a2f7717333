// Runs every *.test.ts under src/ and test/ with Node's test runner (Node 20 takes no
// globs). Pass paths or substrings to run a subset: `node scripts/test.mjs lint`.
//
// Files named *.azure.test.ts (Azurite, the fake Entra ID) run in a second `node --test`
// inside a loopback-only network namespace: `unshare -n sh -c 'ip link set lo up && exec
// node …'` (as root), else `unshare -rn …` (unprivileged user namespace). Any non-loopback
// connection then fails at once with ENETUNREACH instead of reaching a real endpoint.
// Without either, CI=true fails; locally a loud warning is printed and they run
// unconfined, with WEFT_TEST_NAMESPACE saying why, so test/azure/namespace.azure.test.ts
// skips its namespace-only checks with that reason instead of failing.
//
// Skipped tests (a PostgreSQL suite without a server, say) are listed with their
// reasons at the end: a skip must never read as a pass.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
const tapDir = mkdtempSync(join(tmpdir(), "weft-test-tap-"));
let tapFiles = 0;
/** `node --test` printing spec to the terminal and TAP to a file, read afterwards for skips. */
const nodeTest = () => [
  process.execPath, "--import", "tsx", "--test", "--test-concurrency=2",
  "--test-reporter=spec", "--test-reporter-destination=stdout",
  "--test-reporter=tap", `--test-reporter-destination=${join(tapDir, `${tapFiles++}.tap`)}`,
];

/** Runs argv with inherited stdio; returns its exit status (1 if it could not start). */
const run = (argv, env = process.env) => {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: "inherit", env });
  if (result.error) console.error(`could not run ${argv[0]}: ${result.error.message}`);
  return result.status ?? 1;
};

/** Every skipped test in the TAP files, as "name: reason", subtests indented by their depth. */
const skipped = () => {
  const lines = [];
  for (let i = 0; i < tapFiles; i++) {
    let tap = "";
    try {
      tap = readFileSync(join(tapDir, `${i}.tap`), "utf8");
    } catch {
      continue;
    }
    for (const line of tap.split("\n")) {
      const m = /^(\s*)ok \d+ - (.*?) # SKIP ?(.*)$/.exec(line);
      if (m) lines.push(`${m[1]}${m[2]}: ${m[3] || "no reason given"}`);
    }
  }
  return lines;
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
if (plain.length) failed = run([...nodeTest(), ...plain]) !== 0;

if (azure.length) {
  const prefix = namespacePrefix();
  if (prefix) {
    console.log(`\n▶ ${azure.length} Azure test file(s) in a loopback-only network namespace (${prefix.slice(0, -3).join(" ")})`);
    failed = run([...prefix, ...nodeTest(), ...azure], { ...process.env, WEFT_TEST_NAMESPACE: "loopback" }) !== 0 || failed;
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
      "!! namespace.azure.test.ts skips its namespace checks. Run as root or enable user namespaces to fix this.\n" + `${bar}\n`);
    const reason = "no loopback-only network namespace: neither `unshare -n` nor `unshare -rn` works here (or `ip` is missing)";
    failed = run([...nodeTest(), ...azure], { ...process.env, WEFT_TEST_NAMESPACE: `none: ${reason}` }) !== 0 || failed;
  }
}
const skips = skipped();
rmSync(tapDir, { recursive: true, force: true });
if (skips.length) console.log(`\n⚠ ${skips.length} skipped (not passed):\n${skips.map((s) => `  ${s}`).join("\n")}`);
process.exit(failed ? 1 : 0);
