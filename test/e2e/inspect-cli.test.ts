import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { CONFIG_KEYS } from "../../src/config/keys.ts";
import { runWeft, tempProject, weftBin, writeFlow, type CliResult } from "../helpers/weft-cli.ts";

const FLOW = `import { FlowSpec, step, retry, current, type Inputs } from "weft";
export default class InspectFlow extends FlowSpec {
  items!: number[];
  info!: unknown;
  big!: number[];
  squared!: number;
  total!: number;
  @step start() {
    this.items = [1, 2, 3];
    const info: Record<string, unknown> = { name: "squares", lookup: new Map([["a", 1]]), pairs: new Map([[1, "one"]]),
      seen: new Set(["x"]), huge: 2n ** 70n, when: new Date("2024-05-06T07:08:09.010Z"), bytes: new Uint8Array([1, 255]), nan: NaN };
    info.self = info;
    this.info = info;
    this.big = Array.from({ length: 400_000 }, (_, i) => i);
    this.next(this.square, { foreach: "items" });
  }
  @retry({ times: 1 }) @step square() {
    if (this.input === 3 && current.retryCount === 0) throw new Error("flaky on purpose");
    this.squared = (this.input as number) ** 2;
    this.next(this.sum);
  }
  @step sum(inputs: Inputs<InspectFlow>) {
    if (process.env.FAIL_SUM === "1") throw new Error("sum fails on purpose");
    this.total = [...inputs].reduce((s, i) => s + i.squared, 0);
    this.next(this.end);
  }
  @step end() {}
}
`;

// Every command in this file runs with HOME in a fresh folder, so no real profile is read.
const home = tempProject("weft-home-");
let dir = "";
const weft = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) => runWeft(args, { cwd, env: { HOME: home, ...env } });
const json = <T = any>(result: CliResult): T => {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
};

/** A user error: the exit code, an `error:` line matching every pattern, and no stack trace. */
function assertUserError(result: CliResult, exitCode: 1 | 2, ...patterns: RegExp[]): void {
  assert.equal(result.code, exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  assert.match(result.stderr, /^error: /m);
  assert.doesNotMatch(result.stderr, /internal error|^\s+at .*:\d+:\d+\)?$/m, "printed without a stack trace");
  for (const pattern of patterns) assert.match(result.stderr, pattern);
}

before(async () => {
  dir = tempProject();
  const file = writeFlow(dir, "inspect.ts", FLOW);
  assert.equal((await weft(["run", file, "--tag", "nightly"])).code, 0, "run 1 succeeds");
  assert.equal((await weft(["run", file], { FAIL_SUM: "1" })).code, 1, "run 2 fails in sum");
  assert.equal((await weft(["resume", file])).code, 0, "run 3 resumes run 2");
});

/** A fresh project with one run of a flow holding a small and a >1 MB artifact, and the path of each blob. */
async function blobProject(): Promise<{ cwd: string; blob: (name: string) => string }> {
  const cwd = tempProject();
  const file = writeFlow(cwd, "blobs.ts", `import { FlowSpec, step } from "weft";
export default class BlobFlow extends FlowSpec {
  small!: number[]; big!: number[];
  @step start() { this.small = [1, 2, 3]; this.big = Array.from({ length: 300_000 }, (_, i) => i * 7); this.next(this.end); }
  @step end() {}
}
`);
  assert.equal((await weft(["run", file], {}, cwd)).code, 0);
  const [task] = json<{ artifacts: { name: string; sha: string }[] }[]>(await weft(["dump", "BlobFlow/1/start", "--json"], {}, cwd));
  const shaOf = (name: string) => task!.artifacts.find((a) => a.name === name)!.sha;
  return { cwd, blob: (name) => join(cwd, ".weft", "datastore", "BlobFlow", "data", shaOf(name).slice(0, 2), shaOf(name)) };
}

function flipLastByte(path: string): void {
  const bytes = readFileSync(path);
  bytes[bytes.length - 1]! ^= 0xff;
  writeFileSync(path, bytes);
}

test("dump of a run lists the end task's artifacts with type, size, short hash and a preview", async () => {
  const result = await weft(["dump", "InspectFlow/1"]);
  assert.equal(result.code, 0, result.stderr);
  const [listing] = json<{ pathspec: string; artifacts: { name: string; sha: string }[] }[]>(await weft(["dump", "InspectFlow/1", "--json"]));
  assert.match(listing!.pathspec, /^InspectFlow\/1\/end\/\d+$/);
  const sha = listing!.artifacts.find((a) => a.name === "total")!.sha;
  assert.match(result.stdout, new RegExp(`^${listing!.pathspec}\\n`));
  assert.match(result.stdout, new RegExp(`\\n  total +number +\\d+ B +${sha.slice(0, 12)} +14\\n`));
});

test("dump of a step lists every task; a value over 1 MB is sized but not previewed", async () => {
  const result = await weft(["dump", "InspectFlow/1/square"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal([...result.stdout.matchAll(/^InspectFlow\/1\/square\/\d+$/gm)].length, 3);
  for (const value of [1, 4, 9]) assert.match(result.stdout, new RegExp(`  squared .* ${value}\\n`));
  assert.match(result.stdout, /  big +Array +\d\.\d MiB +[0-9a-f]{12} +\(\d\.\d MiB, not loaded: use --artifact big\)/);
  assert.match(result.stdout, /  items +Array .* \[ 1, 2, 3 \]/);
});

test("dump --json without --artifact prints the listing as JSON, with full hashes and sizes in bytes", async () => {
  const tasks = json<{ pathspec: string; finished: boolean; artifacts: { name: string; type: string; size: number; sha: string }[] }[]>(await weft(["dump", "InspectFlow/1/start", "--json"]));
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0]!.finished, true);
  assert.deepEqual(tasks[0]!.artifacts.map((a) => a.name).sort(), ["big", "info", "items"]);
  for (const a of tasks[0]!.artifacts) assert.match(a.sha, /^[0-9a-f]{64}$/);
  assert.ok(tasks[0]!.artifacts.find((a) => a.name === "big")!.size > 1024 * 1024);
});

test("dump --artifact prints the value with util.inspect, Maps, BigInts and cycles included", async () => {
  const result = await weft(["dump", "InspectFlow/1/start/0", "--artifact", "info"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /lookup: Map\(1\) \{ 'a' => 1 \}/);
  assert.match(result.stdout, /huge: 1180591620717411303424n/);
  assert.match(result.stdout, /self: \[Circular \*1\]/);
});

test("dump --artifact --json converts Map, Set, BigInt, Date, typed arrays, NaN and cycles to JSON", async () => {
  const value = json(await weft(["dump", "InspectFlow/1/start/0", "--artifact", "info", "--json"]));
  assert.deepEqual(value, {
    name: "squares",
    lookup: { a: 1 },
    pairs: [[1, "one"]],
    seen: ["x"],
    huge: "1180591620717411303424",
    when: "2024-05-06T07:08:09.010Z",
    bytes: [1, 255],
    nan: null,
    self: "[Circular]",
  });
});

test("dump --artifact of a step prints the value of every task; with --json an array of {pathspec, value}", async () => {
  const text = await weft(["dump", "InspectFlow/1/square", "--artifact", "squared"]);
  assert.match(text.stdout, /^── InspectFlow\/1\/square\/\d+ ──\n1\n── InspectFlow\/1\/square\/\d+ ──\n4\n── InspectFlow\/1\/square\/\d+ ──\n9\n$/);
  const values = json<{ pathspec: string; value: number }[]>(await weft(["dump", "InspectFlow/1/square", "--artifact", "squared", "--json"]));
  assert.deepEqual(values.map((v) => v.value), [1, 4, 9]);
});

test("dump --help says how --json converts values", async () => {
  const result = await weft(["dump", "--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout.replace(/\s+/g, " "), /Map → object .* BigInt → decimal string, Date → ISO string/);
});

test("dump of a malformed pathspec exits 2 showing the accepted forms", async () => {
  assertUserError(await weft(["dump", "InspectFlow"]), 2, /Invalid pathspec "InspectFlow": it has 1 part/, /"Flow\/run" or "Flow\/run\/step" or "Flow\/run\/step\/task"/);
  assertUserError(await weft(["dump", "InspectFlow/1/end/1/x"]), 2, /it has 5 parts/);
});

test("dump of an unknown flow, run, step or task exits 1 naming what exists", async () => {
  assertUserError(await weft(["dump", "NoSuchFlow/1"]), 1, /No runs of flow "NoSuchFlow"/, /Flows with runs: InspectFlow/);
  assertUserError(await weft(["dump", "InspectFlow/99"]), 1, /Flow InspectFlow has no run "99"/, /Latest runs: 3, 2, 1/);
  assertUserError(await weft(["dump", "InspectFlow/1/nostep"]), 1, /no tasks of step "nostep"/, /Steps with tasks: .*square/);
  assertUserError(await weft(["dump", "InspectFlow/1/square/999"]), 1, /has no task "999"/, /Tasks: \d+, \d+, \d+/);
});

test("dump of an unknown artifact exits 1 listing the task's artifacts", async () => {
  assertUserError(await weft(["dump", "InspectFlow/1/start/0", "--artifact", "nope"]), 1, /Task InspectFlow\/1\/start\/0 has no artifact "nope"/, /It has: items, info, big/);
});

test("dump of a run that never reached its end step exits 1 naming the steps that ran", async () => {
  assertUserError(await weft(["dump", "InspectFlow/2"]), 1, /Run InspectFlow\/2 has no end task \(status: failed\)/, /weft dump InspectFlow\/2\/<step>/, /Steps with tasks: .*sum/);
});

test("dump of a failed task says it has no artifacts, and --artifact on it exits 1", async () => {
  const listing = await weft(["dump", "InspectFlow/2/sum"]);
  assert.equal(listing.code, 0, listing.stderr);
  assert.match(listing.stdout, /^InspectFlow\/2\/sum\/(\d+)\n  \(no artifacts: the task has not finished successfully\)\n$/);
  const task = /sum\/(\d+)/.exec(listing.stdout)![1];
  assertUserError(await weft(["dump", `InspectFlow/2/sum/${task}`, "--artifact", "total"]), 1, /Task InspectFlow\/2\/sum\/\d+ has not finished successfully/);
});

test("dump --artifact of a corrupt blob exits 1 with a message about the hash, and the listing flags it", async () => {
  const { cwd, blob } = await blobProject();
  flipLastByte(blob("small"));
  assertUserError(await weft(["dump", "BlobFlow/1/start/0", "--artifact", "small"], {}, cwd), 1, /Artifact "small" of BlobFlow\/1\/start\/0: stored data does not match its hash/);
  const listing = await weft(["dump", "BlobFlow/1/start"], {}, cwd);
  assertUserError(listing, 1, /does not match its hash/);
  assert.match(listing.stdout, /  small .*\(unreadable: ARTIFACT_CORRUPT\)/);
});

test("the listing never loads an artifact over 1 MB: a corrupt big blob goes unnoticed until it is asked for", async () => {
  const { cwd, blob } = await blobProject();
  flipLastByte(blob("big"));
  const listing = await weft(["dump", "BlobFlow/1/start"], {}, cwd);
  assert.equal(listing.code, 0, listing.stderr);
  assert.match(listing.stdout, /  big .*not loaded/);
  assertUserError(await weft(["dump", "BlobFlow/1/start/0", "--artifact", "big"], {}, cwd), 1, /Artifact "big" .* does not match its hash/);
});

test("list flows names each flow with its latest run", async () => {
  const result = await weft(["list", "flows"]);
  assert.match(result.stdout, /^flow +latest run +status +created\nInspectFlow +3 +succeeded +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n$/);
  assert.deepEqual(json<{ name: string; latestRun: { id: string } }[]>(await weft(["list", "flows", "--json"])).map((f) => [f.name, f.latestRun.id]), [["InspectFlow", "3"]]);
});

test("list runs shows id, status, created, duration, user and tags, newest first", async () => {
  const result = await weft(["list", "runs", "InspectFlow"]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^id +status +created +duration +user +tags$/);
  assert.match(lines[1]!, /^3 +succeeded +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +[\d.]+m?s +tester$/);
  assert.match(lines[2]!, /^2 +failed /);
  assert.match(lines[3]!, /^1 +succeeded .* tester +nightly$/);
  const runs = json<{ id: string; status: string; user: string; tags: string[]; durationMs: number; originRunId: string | null }[]>(await weft(["list", "runs", "InspectFlow", "--json"]));
  assert.deepEqual(runs.map((r) => [r.id, r.status, r.originRunId]), [["3", "succeeded", "2"], ["2", "failed", null], ["1", "succeeded", null]]);
  assert.ok(runs[2]!.tags.includes("nightly") && runs[2]!.durationMs > 0);
});

test("list runs shows only your runs unless --all-users is given", async () => {
  const mine = await weft(["list", "runs", "InspectFlow", "--json"], { USER: "someone-else" });
  assert.deepEqual(json(mine), []);
  const text = await weft(["list", "runs", "InspectFlow"], { USER: "someone-else" });
  assert.equal(text.stdout, "");
  assert.match(text.stderr, /No runs of InspectFlow in namespace user:someone-else\. Pass --all-users/);
  assert.equal(json<unknown[]>(await weft(["list", "runs", "InspectFlow", "--all-users", "--json"], { USER: "someone-else" })).length, 3);
});

test("list tasks shows each task's status, attempts and duration, in the order the steps ran", async () => {
  const result = await weft(["list", "tasks", "InspectFlow/1"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.split("\n").slice(1, -1).map((l) => l.split("/")[2]), ["start", "square", "square", "square", "sum", "end"]);
  const tasks = json<{ step: string; status: string; attempts: number; durationMs: number }[]>(await weft(["list", "tasks", "InspectFlow/1", "--json"]));
  assert.ok(tasks.every((t) => t.status === "successful" && t.durationMs >= 0));
  assert.deepEqual(tasks.filter((t) => t.step === "square").map((t) => t.attempts).sort(), [1, 1, 2], "the flaky item took two attempts");
  assert.match(result.stdout, /InspectFlow\/1\/square\/\d+ +successful +2 +/);
});

test("list tasks marks the failed task of a failed run, and the origin of tasks a resume cloned", async () => {
  const failed = json<{ step: string; status: string }[]>(await weft(["list", "tasks", "InspectFlow/2", "--json"]));
  assert.deepEqual(failed.find((t) => t.step === "sum")?.status, "failed");
  const resumed = await weft(["list", "tasks", "InspectFlow/3/start"]);
  assert.match(resumed.stdout, /^pathspec +status +attempts +duration +origin\nInspectFlow\/3\/start\/\d+ +successful +1 +\S+ +InspectFlow\/2\/start\/\d+\n$/);
});

test("list with a bad pathspec exits 2, and with an unknown flow or step exits 1 naming what exists", async () => {
  assertUserError(await weft(["list", "tasks", "InspectFlow"]), 2, /Expected "Flow\/run" or "Flow\/run\/step"/);
  assertUserError(await weft(["list", "runs", "1nvalid"]), 2, /the flow name must be 1 to 255 ASCII letters, digits, _ or -/);
  assertUserError(await weft(["list", "runs", "NoSuchFlow"]), 1, /No runs of flow "NoSuchFlow"/, /Flows with runs: InspectFlow/);
  assertUserError(await weft(["list", "tasks", "InspectFlow/1/nostep"]), 1, /no tasks of step "nostep"/, /Steps with tasks:/);
  assertUserError(await weft(["list", "tasks", "InspectFlow/1"], { USER: "someone-else" }), 1, /not in namespace user:someone-else/, /Pass --all-users/);
});

const tagsOf = async (run: string) => json<{ systemTags: string[]; userTags: string[] }>(await weft(["tag", "list", run, "--json"]));

test("tag add adds user tags once, and tag list shows system and user tags apart", async () => {
  const added = await weft(["tag", "add", "InspectFlow/3", "alpha", "beta", "alpha"]);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stderr, /Added to InspectFlow\/3: alpha, beta\./);
  assert.match((await weft(["tag", "add", "InspectFlow/3", "alpha"])).stderr, /InspectFlow\/3 already had: alpha\./);
  const listed = await weft(["tag", "list", "InspectFlow/3"]);
  assert.match(listed.stdout, /^InspectFlow\/3\n  system tags: user:tester, weft_version:[^,]+, runtime:node[^,]+, host:\S+\n  user tags: +(.*, )?alpha, beta(, .*)?\n$/);
  const tags = await tagsOf("InspectFlow/3");
  assert.deepEqual(tags.userTags.filter((t) => t === "alpha" || t === "beta"), ["alpha", "beta"]);
  assert.ok(tags.systemTags.includes("user:tester"));
});

test("tag remove removes only the named user tags", async () => {
  await weft(["tag", "add", "InspectFlow/1", "keep", "drop"]);
  const removed = await weft(["tag", "remove", "InspectFlow/1", "drop"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual((await tagsOf("InspectFlow/1")).userTags, ["nightly", "keep"]);
});

test("tag remove refuses a system tag, saying system tags cannot be removed, and changes nothing", async () => {
  const before = await tagsOf("InspectFlow/1");
  assertUserError(await weft(["tag", "remove", "InspectFlow/1", "user:tester"]), 2, /Invalid tag "user:tester": tags starting with "user:" are system tags, which Weft sets and which cannot be added or removed/);
  assert.deepEqual(await tagsOf("InspectFlow/1"), before);
});

test("tag add refuses a system prefix, a tag over 256 characters, control characters and an empty tag", async () => {
  assertUserError(await weft(["tag", "add", "InspectFlow/1", "host:elsewhere"]), 2, /tags starting with "host:" are system tags/);
  assertUserError(await weft(["tag", "add", "InspectFlow/1", "x".repeat(257)]), 2, /\(257 characters\): a tag has at most 256 characters/);
  assertUserError(await weft(["tag", "add", "InspectFlow/1", "two\nlines"]), 2, /Invalid tag "two\\nlines": a tag cannot contain control characters \(found U\+000A\)/);
  assertUserError(await weft(["tag", "add", "InspectFlow/1", ""]), 2, /Invalid tag "": a tag is a non-empty string/);
  assert.equal((await weft(["tag", "add", "InspectFlow/1", "y".repeat(256)])).code, 0, "exactly 256 characters is allowed");
});

test("tag add with one bad tag adds none of them", async () => {
  assertUserError(await weft(["tag", "add", "InspectFlow/2", "fine", "runtime:bun"]), 2, /"runtime:" are system tags/);
  assert.deepEqual((await tagsOf("InspectFlow/2")).userTags, []);
});

test("tag remove of a tag the run does not have exits 1 naming its user tags", async () => {
  assertUserError(await weft(["tag", "remove", "InspectFlow/1", "nightlyy"]), 1, /Run InspectFlow\/1 has no user tag "nightlyy"/, /Its user tags: "nightly"/);
});

test("tag on a malformed or unknown run exits 2 or 1", async () => {
  assertUserError(await weft(["tag", "list", "InspectFlow/1/start"]), 2, /it has 3 parts/, /Expected "Flow\/run"/);
  assertUserError(await weft(["tag", "add", "InspectFlow/42", "x"]), 1, /has no run "42"/);
});

function profileHome(profile: object, name = "config.json"): string {
  const userHome = tempProject("weft-home-");
  mkdirSync(join(userHome, ".weft"));
  writeFileSync(join(userHome, ".weft", name), JSON.stringify(profile));
  return userHome;
}

test("configure show masks WEFT_SERVICE_AUTH_TOKEN and never prints its value", async () => {
  const secret = "s3cret-Token-Value-9Q";
  for (const args of [["configure", "show"], ["configure", "show", "--json"]]) {
    const result = await weft(args, { WEFT_SERVICE_AUTH_TOKEN: secret });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(secret.slice(0, -2)), "no part of the secret but its last two characters");
  }
  assert.match((await weft(["configure", "show"], { WEFT_SERVICE_AUTH_TOKEN: secret })).stdout, /\nWEFT_SERVICE_AUTH_TOKEN +\*\*\*\*9Q +env\n/);
  const short = await weft(["configure", "show"], { WEFT_SERVICE_AUTH_TOKEN: "8chars!!" });
  assert.match(short.stdout, /\nWEFT_SERVICE_AUTH_TOKEN +\*\*\*\* +env\n/);
  assert.ok(!short.stdout.includes("!!"));
});

test("configure show prints every key with its value and source, and the profile file in use", async () => {
  const userHome = profileHome({ WEFT_KUBERNETES_NAMESPACE: "ml-team", WEFT_SERVICE_AUTH_TOKEN: "profile-token-abcdef" });
  const result = await weft(["configure", "show"], { HOME: userHome, WEFT_SERVICE_URL: "http://127.0.0.1:8080" });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^Profile: ${join(userHome, ".weft", "config.json")}\\n`));
  for (const key of Object.values(CONFIG_KEYS)) assert.match(result.stdout, new RegExp(`\\n${key.env} `), key.env);
  assert.match(result.stdout, /\nWEFT_KUBERNETES_NAMESPACE +ml-team +profile\n/);
  assert.match(result.stdout, /\nWEFT_SERVICE_URL +http:\/\/127\.0\.0\.1:8080 +env\n/);
  assert.match(result.stdout, /\nWEFT_DEFAULT_DATASTORE +local +default\n/);
  assert.match(result.stdout, /\nWEFT_SERVICE_AUTH_TOKEN +\*\*\*\*ef +profile\n/);
  assert.match(result.stdout, /\nWEFT_KUBERNETES_SECRETS +- +unset\n/);
  assert.ok(!result.stdout.includes("profile-token"));
});

test("configure reset without --yes and without a terminal refuses with exit 2 and keeps the file", async () => {
  const userHome = profileHome({ WEFT_DEFAULT_DATASTORE: "local" });
  assertUserError(await weft(["configure", "reset"], { HOME: userHome }), 2, /Pass --yes/);
  assert.ok(existsSync(join(userHome, ".weft", "config.json")));
});

test("configure reset --yes deletes the active profile file, even one that is not valid JSON", async () => {
  const userHome = profileHome({});
  writeFileSync(join(userHome, ".weft", "config.json"), "{ not json");
  assertUserError(await weft(["configure", "show"], { HOME: userHome }), 2, /is not valid JSON/);
  const reset = await weft(["configure", "reset", "--yes"], { HOME: userHome });
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(existsSync(join(userHome, ".weft", "config.json")), false);
  assert.match((await weft(["configure", "reset", "--yes"], { HOME: userHome })).stdout, /Nothing to reset: .* does not exist/);
});

test("configure reset --yes with WEFT_PROFILE deletes only that profile's file", () => {
  const userHome = profileHome({}, "config_staging.json");
  writeFileSync(join(userHome, ".weft", "config.json"), "{}");
  // runWeft drops WEFT_PROFILE from the environment, so this one spawns the CLI itself.
  const env = { ...process.env, HOME: userHome, WEFT_PROFILE: "staging", WEFT_HOME: join(dir, ".weft") };
  const result = spawnSync(process.execPath, [weftBin, "configure", "reset", "--yes"], { cwd: dir, env, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(existsSync(join(userHome, ".weft", "config_staging.json")), false);
  assert.equal(existsSync(join(userHome, ".weft", "config.json")), true);
});
