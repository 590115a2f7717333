import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inflateRawSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { startOidcIssuer } from "../helpers/oidc-issuer.ts";
import { freshDatabase, postgresUnavailable } from "../helpers/postgres.ts";
import { isAlive } from "../../src/runtime/runner-liveness.ts";
import { closedPort, descendants, killHard } from "../helpers/processes.ts";
import { runWeft, tempProject, writeFlow, type CliResult } from "../helpers/weft-cli.ts";
import { startWeftService, type ServiceProcess } from "../helpers/weft-service.ts";

// start → a foreach of 3 → join → end, with artifacts of several types.
const FLOW = `import { FlowSpec, step, type Inputs } from "weft";
export default class ServiceFlow extends FlowSpec {
  items!: number[];
  note!: string;
  squared!: number;
  total!: number;
  @step start() { this.items = [1, 2, 3]; this.note = "value-only-in-the-datastore"; this.next(this.square, { foreach: "items" }); }
  @step square() { this.squared = (this.input as number) ** 2; this.next(this.join); }
  @step join(inputs: Inputs<ServiceFlow>) { this.total = [...inputs].reduce((s, i) => s + i.squared, 0); this.next(this.end); }
  @step end() { console.log("total", this.total); }
}
`;

const tiny = (name: string, body = "") => `import { FlowSpec, step } from "weft";
export default class ${name} extends FlowSpec {
  answer!: number;
  @step async start() { ${body} this.answer = 42; this.next(this.end); }
  @step end() {}
}
`;

// Each folder this file makes goes at the end: an embedded service database is ~40 MB.
const scratch: string[] = [];
const tempDir = (prefix?: string) => {
  const dir = tempProject(prefix);
  scratch.push(dir);
  return dir;
};

// Every process in this file gets HOME in a fresh folder, so no real profile is read.
const home = tempDir("weft-home-");
const cliEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: home, ...extra });
const serviceEnv = (url: string, extra: NodeJS.ProcessEnv = {}) => cliEnv({ WEFT_DEFAULT_METADATA: "service", WEFT_SERVICE_URL: url, ...extra });

const services: ServiceProcess[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.stop()));
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Starts `weft service --port 0 …args` in its own folder; stopped after the file's tests. */
async function startService(args: string[], dir = tempDir("weft-service-")): Promise<ServiceProcess> {
  const service = await startWeftService(args, dir, cliEnv());
  services.push(service);
  return service;
}

/** GET `path` from the service as JSON, asserting 200. */
async function getJson<T = any>(service: { url: string }, path: string, token?: string): Promise<T> {
  const res = await fetch(`${service.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A user error: the exit code, an `error:` line matching every pattern, and no stack trace. */
function assertUserError(result: CliResult, exitCode: 1 | 2, ...patterns: RegExp[]): void {
  assert.equal(result.code, exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  assert.match(result.stderr, /^error: /m);
  assert.doesNotMatch(result.stderr, /internal error|^\s+at .*:\d+:\d+\)?$/m, "printed without a stack trace");
  for (const pattern of patterns) assert.match(result.stderr, pattern);
}

/** Polls `check` every 100 ms until it returns a value, or fails after `ms` with `what` and the last value seen. */
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>, last: () => unknown = () => undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms; last seen: ${JSON.stringify(last())}`);
    await sleep(100);
  }
}

/** Every `_meta` folder under `dir`. */
function metaFolders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isDirectory() && e.name === "_meta").map((e) => join(e.parentPath, e.name));
}

/** The serialized bytes a content-store blob holds (a codec byte, then raw or deflated bytes). */
function blobPayload(path: string): Buffer {
  const stored = readFileSync(path);
  return stored[0] === 1 ? inflateRawSync(stored.subarray(1)) : stored.subarray(1);
}

interface ApiRun {
  run: string;
  user: string;
  tags: string[];
  systemTags: string[];
  state: { status: string; reason?: string; runner?: { host: string; pid: number } } | null;
}

describe("a run that reports to the metadata service", () => {
  let service: ServiceProcess;
  let dir = "";
  let ran: Promise<CliResult>;
  const weft = (args: string[]) => runWeft(args, { cwd: dir, env: serviceEnv(service.url) });

  before(async () => {
    service = await startService([]);
    dir = tempDir();
    ran = weft(["run", writeFlow(dir, "service-flow.ts", FLOW)]);
  });

  test("succeeds, and `list runs` and `dump` read it back through the service", { timeout: 60_000 }, async () => {
    const result = await ran;
    assert.equal(result.code, 0, result.stderr);
    const listed = await weft(["list", "runs", "ServiceFlow", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { id: string; status: string; user: string }[]).map((r) => [r.id, r.status, r.user]), [["1", "succeeded", "tester"]]);
    const table = await weft(["list", "runs", "ServiceFlow"]);
    assert.match(table.stdout, /^1 +succeeded +\d{4}-\d\d-\d\d /m);
    const dumped = await weft(["dump", "ServiceFlow/1", "--artifact", "total"]);
    assert.equal(dumped.code, 0, dumped.stderr);
    assert.equal(dumped.stdout.trim(), "14");
  });

  test("the REST API holds the run, every step and task, artifacts' metadata without values, and task metadata", { timeout: 60_000 }, async () => {
    assert.equal((await ran).code, 0);
    const base = "/flows/ServiceFlow/runs/1";
    const run = await getJson<ApiRun>(service, base);
    assert.equal(run.state?.status, "succeeded");
    assert.equal(run.user, "tester");
    assert.ok(run.systemTags.includes("user:tester"), run.systemTags.join(", "));

    const steps = (await getJson<{ step: string }[]>(service, `${base}/steps`)).map((s) => s.step);
    assert.deepEqual([...steps].sort(), ["end", "join", "square", "start"]);
    const tasks = Object.fromEntries(
      await Promise.all(steps.map(async (step) => [step, await getJson<{ task: string; foreachStack: { index: number }[] }[]>(service, `${base}/steps/${step}/tasks`)] as const)),
    );
    assert.deepEqual(Object.fromEntries(Object.entries(tasks).map(([step, list]) => [step, list.length])), { start: 1, square: 3, join: 1, end: 1 });
    assert.deepEqual(tasks.square!.map((t) => t.foreachStack.at(-1)?.index).sort(), [0, 1, 2]);

    const expected: Record<string, string[]> = { start: ["items", "note"], square: ["squared"], join: ["total"], end: ["total"] };
    const datastore = join(dir, ".weft", "datastore");
    for (const [step, list] of Object.entries(tasks)) {
      for (const { task } of list) {
        const path = `${base}/steps/${step}/tasks/${task}`;
        const artifacts = await getJson<Record<string, unknown>[]>(service, `${path}/artifacts`);
        assert.ok(!JSON.stringify(artifacts).includes("value-only-in-the-datastore"), `${path}/artifacts holds a value`);
        const names = artifacts.map((a) => String(a.name));
        for (const name of expected[step]!) assert.ok(names.includes(name), `${path} lacks artifact ${name}: ${names.join(", ")}`);
        for (const artifact of artifacts) {
          assert.deepEqual(Object.keys(artifact).sort(), ["attempt", "location", "name", "sha", "size", "type"], `${path}: ${JSON.stringify(artifact)}`);
          assert.match(String(artifact.sha), /^[0-9a-f]{64}$/);
          assert.equal(typeof artifact.type, "string");
          assert.equal(typeof artifact.size, "number");
          // The location is the blob in the datastore; the blob's bytes hash to the sha.
          const blob = join(datastore, String(artifact.location));
          assert.ok(existsSync(blob), `${path}: ${blob} is missing`);
          assert.equal(createHash("sha256").update(blobPayload(blob)).digest("hex"), artifact.sha);
        }
        const metadata = await getJson<{ attempt: number; field: string; value: string }[]>(service, `${path}/metadata`);
        const fields = Object.fromEntries(metadata.filter((m) => m.attempt === 0).map((m) => [m.field, m.value]));
        assert.equal(fields.host, hostname(), `${path}: ${JSON.stringify(metadata)}`);
        assert.match(fields.pid ?? "", /^[1-9]\d*$/);
        assert.equal(fields["log-location-stdout"], `ServiceFlow/1/${step}/${task}/0.stdout`);
        assert.equal(fields["log-location-stderr"], `ServiceFlow/1/${step}/${task}/0.stderr`);
      }
    }
    const squared = await Promise.all(tasks.square!.map(async (t) => (await getJson<{ name: string; type: string }[]>(service, `${base}/steps/square/tasks/${t.task}/artifacts`)).find((a) => a.name === "squared")!.type));
    assert.deepEqual(squared, ["number", "number", "number"]);
  });

  test("the local datastore holds the artifacts but no _meta folder for the run", { timeout: 60_000 }, async () => {
    assert.equal((await ran).code, 0);
    const runDir = join(dir, ".weft", "datastore", "ServiceFlow", "1");
    assert.ok(existsSync(join(runDir, "start")), `no task folders in ${runDir}`);
    assert.deepEqual(metaFolders(join(dir, ".weft", "datastore")), []);
    assert.ok(readdirSync(join(dir, ".weft", "datastore", "ServiceFlow", "data")).length > 0, "no artifact blobs in the datastore");
    // Local metadata knows nothing of the run.
    const local = await runWeft(["list", "runs", "ServiceFlow", "--json"], { cwd: dir, env: cliEnv() });
    assertUserError(local, 1, /No runs of flow "ServiceFlow"/);
  });

  test("`weft tag add` through the service is visible in GET /flows/<flow>/runs?tag=", { timeout: 60_000 }, async () => {
    assert.equal((await ran).code, 0);
    assert.deepEqual((await getJson<{ runs: ApiRun[] }>(service, "/flows/ServiceFlow/runs?tag=champion")).runs, []);
    const tagged = await weft(["tag", "add", "ServiceFlow/1", "champion"]);
    assert.equal(tagged.code, 0, tagged.stderr);
    const { runs } = await getJson<{ runs: ApiRun[] }>(service, "/flows/ServiceFlow/runs?tag=champion");
    assert.deepEqual(runs.map((r) => [r.run, r.tags]), [["1", ["champion"]]]);
  });

  test("a second `weft service` on the same WEFT_HOME exits 2: the embedded database is in use", { timeout: 240_000 }, async () => {
    const second = await runWeft(["service", "--port", "0"], { cwd: dir, env: cliEnv({ WEFT_HOME: service.weftHome }), timeoutMs: 20_000 });
    assertUserError(second, 2, new RegExp(`Another weft service \\(pid ${service.child.pid}\\) is using the embedded database in ${join(service.weftHome, "service-db").replace(/[.]/g, "\\.")}`), /--database-url/);
    // The first one is untouched.
    assert.deepEqual(await getJson(service, "/healthz"), { status: "ok", database: "pglite" });
  });
});

test("a service run never takes over the files of a local run in the same datastore: the taken id is skipped", { timeout: 60_000 }, async () => {
  const service = await startService([]);
  const dir = tempDir();
  const file = writeFlow(dir, "shared.ts", tiny("SharedFlow", "console.log('ran');"));
  assert.equal((await runWeft(["run", file], { cwd: dir, env: cliEnv() })).code, 0);
  const specPath = join(dir, ".weft", "datastore", "SharedFlow", "1", "_run.json");
  const localSpec = readFileSync(specPath, "utf8");

  const viaService = await runWeft(["run", file], { cwd: dir, env: serviceEnv(service.url) });
  assert.equal(viaService.code, 0, viaService.stderr);
  assert.match(viaService.stderr, /Run SharedFlow\/2 started/);
  assert.equal(readFileSync(specPath, "utf8"), localSpec, "the local run's spec is untouched");
  const skipped = await getJson(service, "/flows/SharedFlow/runs/1");
  assert.equal(skipped.state.status, "failed");
  assert.match(skipped.state.reason, /already has a run spec in the datastore .* this id was skipped/);
});

test("a run whose runner is SIGKILLed while a step sleeps is shown as failed for lack of heartbeats", { timeout: 60_000 }, async () => {
  const service = await startService(["--heartbeat-timeout", "2"]);
  const dir = tempDir();
  // The step says it runs through a file, so nothing depends on seeing "running" through
  // the service inside the 2 s timeout (a loaded machine misses that window).
  const signal = join(dir, "started");
  const file = writeFlow(dir, "sleepy.ts", tiny("SleepyFlow", `(await import("node:fs")).writeFileSync(${JSON.stringify(signal)}, "x"); await new Promise((r) => setTimeout(r, 30_000));`));
  let runner = 0;
  const ran = runWeft(["run", file], { cwd: dir, env: serviceEnv(service.url), onSpawn: (pid) => (runner = pid), timeoutMs: 50_000 });
  const orphans = new Set<number>();
  try {
    const base = "/flows/SleepyFlow/runs/1";
    const tasks = await waitFor("the start task's body runs", 40_000, async () => {
      const children = existsSync(signal) ? descendants(runner) : [];
      return children.length ? children : undefined;
    });
    for (const pid of tasks) orphans.add(pid);
    process.kill(runner, "SIGKILL");
    assert.notEqual((await ran).code, 0);
    let seen: ApiRun | undefined;
    const failed = await waitFor("the run reads as failed", 30_000, async () => {
      seen = await getJson<ApiRun>(service, base);
      return seen.state?.status === "failed" ? seen : undefined;
    }, () => seen);
    assert.match(failed.state?.reason ?? "", /stopped sending heartbeats/);
    assert.deepEqual((await getJson<{ runs: ApiRun[] }>(service, "/flows/SleepyFlow/runs?status=failed")).runs.map((r) => r.run), ["1"]);
    // The orphaned task lives on (it is what must be cleaned up) and recorded its pid.
    const taskPid = await waitFor("the start task recorded its pid", 5_000, async () => {
      const res = await fetch(`${service.url}${base}/steps/start/tasks/0/metadata`);
      if (res.status !== 200) return undefined;
      const pid = Number(((await res.json()) as { field: string; value: string }[]).find((m) => m.field === "pid")?.value);
      return pid > 0 ? pid : undefined;
    });
    assert.ok(orphans.has(taskPid), `task pid ${taskPid} is not one of the runner's children ${[...orphans].join(", ")}`);
    assert.ok(isAlive(taskPid), "the task outlives its runner");
  } finally {
    for (const pid of orphans) killHard(pid);
    await ran.catch(() => undefined);
  }
  for (const pid of orphans) await waitFor(`orphaned task ${pid} is gone`, 5_000, async () => (isAlive(pid) ? undefined : true));
});

test("against PostgreSQL the service records runs, and a restart on the same database does not migrate again", { timeout: 60_000 }, async (t) => {
  const why = await postgresUnavailable();
  if (why) return t.skip(why);
  const database = await freshDatabase();
  try {
    const first = await startService(["--database-url", database.url]);
    assert.match(first.stderr(), /PostgreSQL at postgres:\/\/.*; migrated: 0001-initial, 0002-text-ids, 0003-cards-metrics, 0004-ui-run-spec, 0005-run-orchestrator\)/);
    assert.deepEqual(await getJson(first, "/healthz"), { status: "ok", database: "postgres" });
    const dir = tempDir();
    const result = await runWeft(["run", writeFlow(dir, "pg.ts", tiny("PgFlow"))], { cwd: dir, env: serviceEnv(first.url) });
    assert.equal(result.code, 0, result.stderr);
    // The run is in that database, not only behind the service.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const rows = (await client.query("SELECT run::text AS run, status FROM runs WHERE flow = 'PgFlow'")).rows;
      assert.deepEqual(rows, [{ run: "1", status: "succeeded" }]);
    } finally {
      await client.end();
    }
    assert.equal(await first.stop(), 0, first.stderr());

    const second = await startService(["--database-url", database.url]);
    assert.doesNotMatch(second.stderr(), /migrated:/);
    assert.equal((await getJson<ApiRun>(second, "/flows/PgFlow/runs/1")).state?.status, "succeeded");
    const again = await runWeft(["run", join(dir, "pg.ts")], { cwd: dir, env: serviceEnv(second.url) });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await getJson<ApiRun>(second, "/flows/PgFlow/runs/2")).state?.status, "succeeded");
    await second.stop();
  } finally {
    await database.drop();
  }
});

describe("`weft service` with bad configuration exits 2 with a message", () => {
  const service = (args: string[]) => {
    const dir = tempDir("weft-service-");
    return runWeft(["service", ...args], { cwd: dir, env: cliEnv(), timeoutMs: 20_000 });
  };

  test("a PostgreSQL URL it cannot connect to", async () => {
    assertUserError(await service(["--port", "0", "--database-url", "postgres://127.0.0.1:1/nope"]), 2, /Cannot connect to PostgreSQL at postgres:\/\/127\.0\.0\.1:1\/nope .*ECONNREFUSED/);
  });

  test("an OIDC issuer without an audience", async () => {
    assertUserError(await service(["--port", "0", "--oidc-issuer", "http://127.0.0.1:1/issuer"]), 2, /needs both an OIDC issuer and an audience; only the issuer is set/, /--oidc-audience/);
  });

  test("a port over 65535", async () => {
    assertUserError(await service(["--port", "70000"]), 2, /--port must be a whole number from 0 to 65535, got "70000"/);
  });
});

test("with bearer authentication a run with WEFT_SERVICE_AUTH_TOKEN succeeds, and one without is refused with 401", { timeout: 60_000 }, async () => {
  const idp = await startOidcIssuer({ audience: "weft" });
  try {
    const service = await startService(["--oidc-issuer", idp.issuer, "--oidc-audience", "weft"]);
    assert.match(service.stderr(), new RegExp(`bearer JWTs from ${idp.issuer.replace(/[.]/g, "\\.")} required`));
    const dir = tempDir();
    const file = writeFlow(dir, "auth.ts", tiny("AuthFlow"));
    const token = await idp.sign();
    const ok = await runWeft(["run", file], { cwd: dir, env: serviceEnv(service.url, { WEFT_SERVICE_AUTH_TOKEN: token }) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await getJson<ApiRun>(service, "/flows/AuthFlow/runs/1", token)).state?.status, "succeeded");
    assert.equal((await fetch(`${service.url}/flows/AuthFlow/runs/1`)).status, 401);

    const refused = await runWeft(["run", file], { cwd: dir, env: serviceEnv(service.url) });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /refused .*\(401\)/);
    assert.match(refused.stderr, /WEFT_SERVICE_AUTH_TOKEN/);
    assert.doesNotMatch(refused.stderr, /^\s+at .*:\d+:\d+\)?$/m, "printed without a stack trace");
    // Nothing was recorded for the refused run.
    assert.equal((await getJson<{ runs: ApiRun[] }>(service, "/flows/AuthFlow/runs", token)).runs.length, 1);
  } finally {
    await idp.stop();
  }
});

test("a run pointed at a service that is not there fails within 15 s naming the URL and `weft service`", { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const url = `http://127.0.0.1:${await closedPort()}`;
  const started = Date.now();
  const result = await runWeft(["run", writeFlow(dir, "nowhere.ts", tiny("NowhereFlow"))], { cwd: dir, env: serviceEnv(url), timeoutMs: 25_000 });
  const elapsed = Date.now() - started;
  assertUserError(result, 1, new RegExp(`Cannot reach the metadata service at ${url.replace(/[.]/g, "\\.")} \\[WEFT_SERVICE_URL\\]`), /`weft service`/);
  assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
});
