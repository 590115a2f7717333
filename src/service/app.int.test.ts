import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { App } from "./api/routes/context.ts";
import { buildApp } from "./app.ts";
import type { Database } from "./db/database.ts";
import { migrate, SCHEMA_VERSION } from "./db/migrate.ts";
import { PgliteDatabase } from "./db/pglite-database.ts";

const TABLES = "flows, runs, steps, tasks, attempts, artifacts, task_metadata, cards, metrics";
const now = () => new Date().toISOString();
const runBody = { user: "ada", tags: ["exp"], systemTags: ["user:ada"] };
const taskBody = (task: string) => ({ task, createdAt: now(), foreachStack: [] });
const sha = "ab".repeat(32);
/** An attempt start whose info is `{ a: { a: … } }`, `depth` objects deep, as JSON text: JSON.stringify would overflow the stack. */
const nestedStart = (depth: number) => `{"attempt":0,"startedAt":"${now()}","info":${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}}`;

describe("the metadata service's HTTP API", () => {
  let db: Database;
  let app: App;
  const call = async (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: method as "GET", url, headers, ...(payload === undefined ? {} : { payload: payload as string }) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown> & { message?: string; field?: string; error?: string }) : undefined, headers: res.headers };
  };
  const rowCount = async (table: string) => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`))[0]!.n);

  before(async () => {
    db = await PgliteDatabase.open();
    await migrate(db);
    app = await buildApp({ db, heartbeatTimeoutMs: 60_000 });
  });
  after(async () => {
    await app.close();
    await db.close();
  });
  beforeEach(async () => {
    await db.query(`TRUNCATE ${TABLES} CASCADE`);
    await call("POST", "/flows/TrainFlow/runs", runBody);
  });

  describe("service routes", () => {
    it("/healthz answers 200 with the database kind", async () => {
      assert.deepEqual((await call("GET", "/healthz")).body, { status: "ok", database: "pglite" });
    });

    it("/version names the service version and the schema migration", async () => {
      const { body } = await call("GET", "/version");
      assert.match(String(body?.service), /^\d+\.\d+\.\d+/);
      assert.equal(body?.schema, SCHEMA_VERSION);
    });

    it("/openapi.json is an OpenAPI 3 document listing every resource route", async () => {
      const { status, body } = await call("GET", "/openapi.json");
      assert.equal(status, 200);
      assert.match(String(body?.openapi), /^3\./);
      const paths = Object.keys(body?.paths as object);
      for (const path of ["/flows", "/flows/{flow}/runs", "/flows/{flow}/runs/{run}/heartbeat", "/flows/{flow}/runs/{run}/steps/{step}/tasks", "/flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/artifacts", "/flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/metadata", "/flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/heartbeat", "/flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/cards", "/flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/metrics", "/flows/{flow}/runs/{run}/metrics"]) {
        assert.ok(paths.includes(path), `${path} missing from ${paths.join(", ")}`);
      }
      const createRun = (body?.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>>)["/flows/{flow}/runs"]!.post!;
      assert.deepEqual(createRun.requestBody?.content["application/json"]?.schema.required?.sort(), ["systemTags", "tags", "user"]);
    });

    it("an unknown route is a 404 that points at /openapi.json", async () => {
      const { status, body } = await call("GET", "/nope");
      assert.equal(status, 404);
      assert.match(body?.message ?? "", /openapi\.json/);
    });
  });

  describe("404 names what was asked for", () => {
    const cases: [string, string, unknown, string][] = [
      ["GET", "/flows/NoFlow", undefined, "Flow NoFlow does not exist."],
      ["GET", "/flows/NoFlow/runs", undefined, "Flow NoFlow does not exist."],
      ["GET", "/flows/TrainFlow/runs/9", undefined, "Run TrainFlow/9 does not exist."],
      ["GET", "/flows/TrainFlow/runs/9/steps", undefined, "Run TrainFlow/9 does not exist."],
      ["GET", "/flows/TrainFlow/runs/1/steps/train", undefined, "Step TrainFlow/1/train does not exist."],
      ["GET", "/flows/TrainFlow/runs/1/steps/train/tasks", undefined, "Step TrainFlow/1/train does not exist."],
      ["GET", "/flows/TrainFlow/runs/1/steps/train/tasks/3", undefined, "Task TrainFlow/1/train/3 does not exist."],
      ["GET", "/flows/TrainFlow/runs/1/steps/train/tasks/3/attempts", undefined, "Task TrainFlow/1/train/3 does not exist."],
      ["GET", "/flows/TrainFlow/runs/1/steps/train/tasks/3/artifacts", undefined, "Task TrainFlow/1/train/3 does not exist."],
      ["POST", "/flows/TrainFlow/runs/9/heartbeat", undefined, "Run TrainFlow/9 does not exist."],
      ["POST", "/flows/TrainFlow/runs/1/steps/train/tasks/3/heartbeat", undefined, "Task TrainFlow/1/train/3 does not exist."],
      ["PUT", "/flows/TrainFlow/runs/9/state", { status: "running" }, "Run TrainFlow/9 does not exist."],
      ["PUT", "/flows/TrainFlow/runs/9/tags", { tags: [] }, "Run TrainFlow/9 does not exist."],
      ["POST", "/flows/TrainFlow/runs/9/steps/train/tasks", taskBody("1"), "Run TrainFlow/9 does not exist."],
      ["PUT", "/flows/OtherFlow/runs/1/steps/train/tasks/1/attempts/0/finish", { attempt: 0, startedAt: now(), artifacts: [{ name: "x", sha, type: "t", size: 1, location: "l" }] }, "Run OtherFlow/1 does not exist."],
    ];
    for (const [method, url, payload, message] of cases) {
      it(`${method} ${url}`, async () => {
        const { status, body } = await call(method, url, payload);
        assert.equal(status, 404);
        assert.deepEqual(body, { error: "not_found", message });
      });
    }

    it("a task refused for a missing run leaves no step behind", async () => {
      await call("POST", "/flows/TrainFlow/runs/9/steps/train/tasks", taskBody("1"));
      assert.equal(await rowCount("steps"), 0);
    });
  });

  describe("registrations that arrive together share one statement", () => {
    it("a batch holding a task of a missing run answers that one 404 and registers the rest", async () => {
      const answers = await Promise.all([
        ...["1", "2", "3"].map((t) => call("POST", "/flows/TrainFlow/runs/1/steps/train/tasks", taskBody(t))),
        call("POST", "/flows/TrainFlow/runs/9/steps/train/tasks", taskBody("4")),
        call("POST", "/flows/TrainFlow/runs/1/steps/train/tasks", taskBody("3")),
      ]);
      assert.deepEqual(answers.map((a) => a.status), [201, 201, 201, 404, 201]);
      assert.deepEqual(((await call("GET", "/flows/TrainFlow/runs/1/steps/train/tasks")).body as unknown as { task: string }[]).map((t) => t.task), ["1", "2", "3"]);
    });

    it("heartbeats that arrive together each learn whether their task exists", async () => {
      await call("POST", "/flows/TrainFlow/runs/1/steps/train/tasks", taskBody("1"));
      const answers = await Promise.all(["1", "2", "1"].map((t) => call("POST", `/flows/TrainFlow/runs/1/steps/train/tasks/${t}/heartbeat`)));
      assert.deepEqual(answers.map((a) => a.status), [204, 404, 204]);
    });
  });

  describe("400 names the field", () => {
    const cases: [string, string, unknown, string, RegExp][] = [
      ["POST", "/flows/TrainFlow/runs", { ...runBody, user: 5 }, "body.user", /expected string/],
      ["POST", "/flows/TrainFlow/runs", { ...runBody, admin: true }, "body", /admin/],
      ["POST", "/flows/TrainFlow/runs", { ...runBody, tags: ["x".repeat(300)] }, "body.tags.0", /at most 256/],
      ["PUT", "/flows/TrainFlow/runs/1/state", { status: "exploded" }, "body.status", /"running", "succeeded", "failed" or "killed"/],
      ["PUT", "/flows/TrainFlow/runs/1/state", { status: "failed", finishedAt: "yesterday" }, "body.finishedAt", /ISO 8601/],
      ["POST", "/flows/TrainFlow/runs/1/steps/train/tasks", { ...taskBody("1"), foreachStack: [{ step: "a", task: "1", index: -1, numSplits: 2 }] }, "body.foreachStack.0.index", /negative/],
      ["PUT", "/flows/TrainFlow/runs/1/steps/train/tasks/1/attempts/0/finish", { attempt: 0, startedAt: now(), artifacts: [{ name: "x", sha: "nothex", type: "t", size: 1, location: "l" }] }, "body.artifacts.0.sha", /SHA-256/],
      ["PUT", "/flows/TrainFlow/runs/1/steps/train/tasks/1/attempts/0/finish", { attempt: 0, startedAt: now(), artifacts: [{ name: "x", sha, type: "t", size: 1, location: "l" }, { name: "x", sha, type: "t", size: 2, location: "l" }] }, "body.artifacts.1", /repeats name "x"/],
      ["PUT", "/flows/TrainFlow/runs/1/steps/train/tasks/1/attempts/0/start", { attempt: 1, startedAt: now() }, "body.attempt", /path names attempt 0/],
      ["PUT", "/flows/TrainFlow/runs/1/steps/train/tasks/1/attempts/0/start", { attempt: 0, startedAt: now(), metadata: [{ field: "pid", value: "1", type: "runtime" }, { field: "pid", value: "2", type: "runtime" }] }, "body.metadata.1", /repeats field "pid"/],
      ["GET", "/flows/TrainFlow/runs?limit=0", undefined, "querystring.limit", /at least 1/],
      ["GET", "/flows/TrainFlow/runs?status=lost", undefined, "querystring.status", /"running"/],
      ["GET", "/flows/TrainFlow/runs?cursor=Zm9v", undefined, "querystring.cursor", /previous page/],
      ["GET", `/flows/TrainFlow/runs?cursor=${Buffer.from("1700000000000000/..").toString("base64url")}`, undefined, "querystring.cursor", /previous page/],
      ["POST", "/flows/TrainFlow/runs", { ...runBody, run: ".." }, "body.run", /must be an id: 1 to 128 letters, digits, _, - or \., starting with a letter, digit or _/],
      ["POST", "/flows/TrainFlow/runs", { ...runBody, run: "a/b" }, "body.run", /must be an id/],
      ["POST", "/flows/TrainFlow/runs", { ...runBody, run: "x".repeat(129) }, "body.run", /1 to 128/],
      ["POST", "/flows/TrainFlow/runs", { ...runBody, run: "12" }, "body.run", /must not be all digits: those ids are the service's to allocate/],
      ["POST", "/flows/TrainFlow/runs", { ...runBody, run: "code" }, "body.run", /own folders/],
      ["GET", `/flows/TrainFlow/runs/${encodeURIComponent(".x")}`, undefined, "params.run", /must be an id/],
      ["GET", `/flows/TrainFlow/runs/${encodeURIComponent("a/b")}`, undefined, "params.run", /must be an id/],
      ["GET", `/flows/TrainFlow/runs/1/steps/train/tasks/${encodeURIComponent("../x")}`, undefined, "params.task", /must be an id/],
      ["POST", "/flows/TrainFlow/runs/1/steps/train/tasks", taskBody("2/3"), "body.task", /must be an id/],
      ["GET", "/flows/TrainFlow/runs?since=tuesday", undefined, "querystring.since", /ISO 8601/],
      ["PUT", "/flows/TrainFlow/runs/1/steps/s/tasks/1/attempts/0/start", nestedStart(5000), "body.info", /at most 32 levels deep/],
      ["PUT", "/flows/TrainFlow/runs/1/steps/s/tasks/1/attempts/0/start", { attempt: 0, startedAt: now(), info: { note: "x".repeat(100_000) } }, "body.info", /at most 65536 bytes as JSON/],
      ["PUT", "/flows/TrainFlow/runs/1/steps/s/tasks/1/attempts/0/finish", { attempt: 0, startedAt: now(), ok: false, exception: { type: "E", message: "m".repeat(100_001) } }, "body.exception.message", /at most 100000/],
      ["PUT", "/flows/TrainFlow/runs/1/steps/s/tasks/1/attempts/0/start", { attempt: 0, startedAt: now(), metadata: [{ field: "f", value: "v".repeat(4097), type: "t" }] }, "body.metadata.0.value", /at most 4096/],
    ];
    for (const [method, url, payload, field, message] of cases) {
      it(`${method} ${url} ${payload === undefined ? "" : JSON.stringify(payload).slice(0, 60)} → ${field}`, async () => {
        const { status, body } = await call(method, url, payload, typeof payload === "string" ? { "content-type": "application/json" } : {});
        assert.equal(status, 400, JSON.stringify(body));
        assert.equal(body?.error, "bad_request");
        assert.equal(body?.field, field);
        assert.match(body?.message ?? "", message);
      });
    }

    it("a refused attempt end writes neither the attempt nor any of its artifacts", async () => {
      await call("POST", "/flows/TrainFlow/runs/1/steps/train/tasks", taskBody("1"));
      const good = { name: "a", sha, type: "t", size: 1, location: "l" };
      const { status } = await call("PUT", "/flows/TrainFlow/runs/1/steps/train/tasks/1/attempts/0/finish", { attempt: 0, startedAt: now(), artifacts: [good, { ...good, name: "b", size: -1 }] });
      assert.equal(status, 400);
      assert.deepEqual([await rowCount("attempts"), await rowCount("artifacts")], [0, 0]);
    });

    it("an attempt end for a missing run writes none of its artifacts: one statement, all or nothing", async () => {
      const { status } = await call("PUT", "/flows/TrainFlow/runs/9/steps/train/tasks/1/attempts/0/finish", { attempt: 0, startedAt: now(), artifacts: [{ name: "a", sha, type: "t", size: 1, location: "l" }] });
      assert.equal(status, 404);
      assert.deepEqual([await rowCount("attempts"), await rowCount("artifacts")], [0, 0]);
    });

    it("malformed JSON, a non-JSON body and an oversized body are refused with a message", async () => {
      const broken = await call("POST", "/flows/TrainFlow/runs", "{not json", { "content-type": "application/json" });
      assert.equal(broken.status, 400);
      assert.match(broken.body?.message ?? "", /JSON/);
      const text = await call("POST", "/flows/TrainFlow/runs", "user=ada", { "content-type": "text/plain" });
      assert.equal(text.status, 415);
      assert.match(text.body?.message ?? "", /application\/json/);
      const huge = await call("POST", "/flows/TrainFlow/runs", JSON.stringify({ ...runBody, user: "x".repeat(65 * 1024 * 1024) }), { "content-type": "application/json" });
      assert.equal(huge.status, 413);
    });

    it("bodies are limited by route: 2 MiB to a run's state or 9 MiB to an attempt's start is a 413, an attempt's end with 10,000 artifacts is taken", async () => {
      const json = { "content-type": "application/json" };
      const state = await call("PUT", "/flows/TrainFlow/runs/1/state", JSON.stringify({ status: "failed", reason: "x".repeat(2 * 1024 * 1024) }), json);
      assert.equal(state.status, 413);
      assert.equal(state.body?.error, "payload_too_large");
      const start = JSON.stringify({ attempt: 0, startedAt: now(), info: { pad: "x".repeat(9 * 1024 * 1024) } });
      assert.equal((await call("PUT", "/flows/TrainFlow/runs/1/steps/s/tasks/1/attempts/0/start", start, json)).status, 413);
      await call("POST", "/flows/TrainFlow/runs/1/steps/train/tasks", taskBody("1"));
      const artifacts = Array.from({ length: 10_000 }, (_, i) => ({ name: `artifact_${i}`, sha, type: "json", size: i, location: `TrainFlow/data/${"ab".repeat(32)}/${"l".repeat(100)}` }));
      const { status, body } = await call("PUT", "/flows/TrainFlow/runs/1/steps/train/tasks/1/attempts/0/finish", { attempt: 0, startedAt: now(), ok: true, artifacts });
      assert.equal(status, 204, JSON.stringify(body));
      assert.equal(await rowCount("artifacts"), 10_000);
    });
  });

  describe("injection and path traversal", () => {
    const hostile = ["../../etc/passwd", "..", "'; DROP TABLE runs; --", "1 OR 1=1", "1'--", "$1", "%00", "TrainFlow\u0000", "a/b", "<script>", "🙂", "x".repeat(300), "-1", "1e3", "0x10", "01", "99999999999999999999"];
    const routes = (v: string) => [
      `/flows/${v}`,
      `/flows/${v}/runs`,
      `/flows/TrainFlow/runs/${v}`,
      `/flows/TrainFlow/runs/1/steps/${v}`,
      `/flows/TrainFlow/runs/1/steps/start/tasks/${v}`,
      `/flows/TrainFlow/runs/1/steps/start/tasks/1/attempts`.replace("/1/attempts", `/${v}/attempts`),
    ];

    it("no hostile path segment reaches the database: each is a 400 or a 404 in JSON", async () => {
      for (const value of hostile) {
        for (const url of routes(encodeURIComponent(value))) {
          const { status, body } = await call("GET", url);
          // `..` is resolved before routing (as every HTTP client does): /flows/../runs asks for
          // /runs, the listing of every flow's runs, which reads nothing the segment named.
          const resolved = new URL(url, "http://service").pathname;
          assert.ok(status === 400 || status === 404 || (resolved === "/runs" && status === 200), `${url}: ${status}`);
          if (status !== 200) assert.ok(body?.error && body.message, `${url}: ${JSON.stringify(body)}`);
        }
      }
      assert.equal(await rowCount("runs"), 1);
      assert.equal((await call("GET", "/healthz")).status, 200);
    });

    it("values PostgreSQL cannot store are a 400 naming the field, never a 500", async () => {
      const cases: [string, string, unknown, string][] = [
        ["POST", "/flows/TrainFlow/runs", { ...runBody, user: "ada\u0000" }, "body.user"],
        ["POST", "/flows/TrainFlow/runs", { ...runBody, tags: ["half \ud83d"] }, "body.tags.0"],
        ["PUT", "/flows/TrainFlow/runs/1/state", { status: "failed", reason: "x\u0000y" }, "body.reason"],
        ["PUT", "/flows/TrainFlow/runs/1/state", { status: "failed", finishedAt: "0000-01-01T00:00:00Z" }, "body.finishedAt"],
        ["PUT", "/flows/TrainFlow/runs/1/steps/s/tasks/1/attempts/0/start", { attempt: 0, startedAt: now(), info: { note: "\u0000" } }, "body.info"],
        ["PUT", "/flows/TrainFlow/runs/1/steps/s/tasks/1/attempts/0/finish", { attempt: 0, startedAt: now(), ok: false, exception: { type: "Error", message: "\udc00" } }, "body.exception.message"],
      ];
      for (const [method, url, payload, field] of cases) {
        const { status, body } = await call(method, url, payload);
        assert.equal(status, 400, `${field}: ${JSON.stringify(body)}`);
        assert.equal(body?.field, field);
      }
      assert.equal((await call("GET", "/flows/TrainFlow/runs/1")).status, 200);
    });

    it("SQL in a value is stored and returned verbatim, never executed", async () => {
      const evil = "ada'); DROP TABLE runs; --";
      const { status, body } = await call("POST", "/flows/TrainFlow/runs", { user: evil, tags: ["' OR '1'='1", "$1"], systemTags: [] });
      assert.equal(status, 201);
      const run = (await call("GET", `/flows/TrainFlow/runs/${String(body?.run)}`)).body;
      assert.equal(run?.user, evil);
      assert.deepEqual(run?.tags, ["' OR '1'='1", "$1"]);
      assert.equal((await call("GET", "/flows/TrainFlow/runs?user=" + encodeURIComponent("' OR ''='"))).body?.runs instanceof Array, true);
      assert.deepEqual((await call("GET", "/flows/TrainFlow/runs?user=" + encodeURIComponent("' OR ''='"))).body?.runs, []);
      assert.equal(await rowCount("runs"), 2);
    });
  });

  describe("chosen run ids", () => {
    it("a run is created under its chosen id; the same id again is a 409 naming the run, leaving the first", async () => {
      const first = await call("POST", "/flows/TrainFlow/runs", { ...runBody, run: "argo-train-x7k2p" });
      assert.equal(first.status, 201);
      assert.equal(first.body?.run, "argo-train-x7k2p");
      const again = await call("POST", "/flows/TrainFlow/runs", { ...runBody, user: "mallory", run: "argo-train-x7k2p" });
      assert.equal(again.status, 409);
      assert.deepEqual(again.body, { error: "conflict", message: "Run TrainFlow/argo-train-x7k2p already exists; run ids must be unique per flow.", field: "body.run" });
      assert.equal((await call("GET", "/flows/TrainFlow/runs/argo-train-x7k2p")).body?.user, "ada");
    });

    it("a chosen id of a new flow creates the flow; chosen ids take no number from the allocation", async () => {
      assert.equal((await call("POST", "/flows/ArgoFlow/runs", { ...runBody, run: "argo-1" })).status, 201);
      assert.equal((await call("GET", "/flows/ArgoFlow")).status, 200);
      assert.equal((await call("POST", "/flows/ArgoFlow/runs", runBody)).body?.run, "1");
      assert.equal((await call("POST", "/flows/TrainFlow/runs", runBody)).body?.run, "2");
    });

    it("tasks are listed in natural id order: 2-9 before 2-10", async () => {
      for (const task of ["2-10", "10", "2-9", "0"]) assert.equal((await call("POST", "/flows/TrainFlow/runs/1/steps/train/tasks", taskBody(task))).status, 201);
      const { body } = await call("GET", "/flows/TrainFlow/runs/1/steps/train/tasks");
      assert.deepEqual((body as unknown as { task: string }[]).map((t) => t.task), ["0", "2-9", "2-10", "10"]);
    });

    it("pages of runs created in one instant neither skip nor repeat a run", async () => {
      for (const run of ["argo-a", "argo-b", "x", undefined, undefined]) await call("POST", "/flows/TrainFlow/runs", { ...runBody, ...(run ? { run } : {}) });
      await db.query("UPDATE runs SET created_at = '2024-01-01T00:00:00.123456Z'");
      const seen: string[] = [];
      for (let url = "/flows/TrainFlow/runs?limit=2"; ; ) {
        const { status, body } = await call("GET", url);
        assert.equal(status, 200, JSON.stringify(body));
        seen.push(...(body?.runs as { run: string }[]).map((r) => r.run));
        if (body?.next === null) break;
        url = `/flows/TrainFlow/runs?limit=2&cursor=${String(body?.next)}`;
      }
      // One instant: longer ids first, then by text, so allocated numbers stay in numeric order.
      assert.deepEqual(seen, ["argo-b", "argo-a", "x", "3", "2", "1"]);
    });
  });

  describe("runs listing", () => {
    beforeEach(async () => {
      for (let i = 2; i <= 7; i++) await call("POST", "/flows/TrainFlow/runs", { ...runBody, user: i % 2 ? "bob" : "ada", tags: i % 3 ? [] : ["best"], systemTags: [`user:${i % 2 ? "bob" : "ada"}`] });
      await call("PUT", "/flows/TrainFlow/runs/4/state", { status: "failed" });
      await call("PUT", "/flows/TrainFlow/runs/5/state", { status: "succeeded" });
    });
    const ids = async (query: string) => ((await call("GET", `/flows/TrainFlow/runs${query}`)).body?.runs as { run: string }[]).map((r) => r.run);

    it("pages newest first with a cursor until next is null", async () => {
      const seen: string[] = [];
      let url = "/flows/TrainFlow/runs?limit=3";
      for (;;) {
        const { body } = await call("GET", url);
        seen.push(...(body?.runs as { run: string }[]).map((r) => r.run));
        if (body?.next === null) break;
        url = `/flows/TrainFlow/runs?limit=3&cursor=${String(body?.next)}`;
      }
      assert.deepEqual(seen, ["7", "6", "5", "4", "3", "2", "1"]);
    });

    it("filters by user, by tags (user or system, all of them), by status and by creation time", async () => {
      assert.deepEqual(await ids("?user=bob"), ["7", "5", "3"]);
      assert.deepEqual(await ids("?tag=best"), ["6", "3"]);
      assert.deepEqual(await ids("?tag=best&tag=user:bob"), ["3"]);
      assert.deepEqual(await ids("?status=failed"), ["4"]);
      assert.deepEqual(await ids(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), []);
      assert.deepEqual(await ids(`?until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&limit=2`), ["7", "6"]);
    });

    it("a run whose heartbeats stopped is listed with status failed", async () => {
      await call("PUT", "/flows/TrainFlow/runs/6/state", { status: "running" });
      await db.query("UPDATE runs SET heartbeat_at = now() - interval '2 minutes' WHERE run = '6'");
      assert.deepEqual(await ids("?status=failed"), ["6", "4"]);
      const run = (await call("GET", "/flows/TrainFlow/runs/6")).body;
      assert.match(String((run?.state as { reason?: string }).reason), /stopped sending heartbeats/);
    });
  });

  describe("cards and metrics", () => {
    const task = "/flows/TrainFlow/runs/1/steps/train/tasks/0";
    beforeEach(async () => {
      await call("POST", "/flows/TrainFlow/runs/1/steps/train/tasks", taskBody("0"));
    });

    it("an attempt's metrics are stored as sent and read back whole, downsampled, or as a summary", async () => {
      const points = Array.from({ length: 3000 }, (_, i) => [i, Math.sin(i / 100), 1_700_000_000_000 + i]);
      assert.equal((await call("PUT", `${task}/attempts/0/metrics`, { metrics: { loss: points } })).status, 204);
      const full = (await call("GET", `${task}/metrics`)).body as unknown as { count: number; points: { step: number; value: number }[] }[];
      assert.equal(full[0]?.points.length, 3000);
      assert.deepEqual(full[0]?.points[1234], { step: 1234, value: Math.sin(12.34), time: 1_700_000_000_000 + 1234 });
      const shown = (await call("GET", `${task}/metrics?maxPoints=200`)).body as unknown as { count: number; points: unknown[] }[];
      assert.ok(shown[0]!.points.length <= 200 && shown[0]!.count === 3000);
      const run = (await call("GET", "/flows/TrainFlow/runs/1/metrics?maxPoints=0")).body as unknown as Record<string, unknown>[];
      assert.deepEqual(run.map(({ stepName, task, name, count, points }) => ({ stepName, task, name, count, points })), [{ stepName: "train", task: "0", name: "loss", count: 3000, points: [] }]);
    });

    it("cards are indexed per attempt and listed with their location", async () => {
      const card = { id: "report", type: "default", sha, size: 10, location: `TrainFlow/data/ab/${sha}` };
      assert.equal((await call("PUT", `${task}/attempts/0/cards`, { cards: [card] })).status, 204);
      assert.deepEqual((await call("GET", `${task}/cards`)).body, [{ attempt: 0, ...card }]);
    });

    it("a metric name, a point or a card that breaks the rules is a 400 naming the field", async () => {
      const bad = [
        [`${task}/attempts/0/metrics`, { metrics: { "bad name": [[0, 1, 0]] } }, "body.metrics.bad name"],
        [`${task}/attempts/0/metrics`, { metrics: { loss: [[-1, 1, 0]] } }, "body.metrics.loss.0.0"],
        [`${task}/attempts/0/cards`, { cards: [{ id: "a b", type: "default", sha, size: 1, location: "x" }] }, "body.cards.0.id"],
      ] as const;
      for (const [url, payload, field] of bad) {
        const { status, body } = await call("PUT", url, payload);
        assert.equal(status, 400, JSON.stringify(body));
        assert.equal(body?.field, field, JSON.stringify(body));
      }
      assert.equal((await call("GET", `${task}/metrics?maxPoints=many`)).status, 400);
    });

    it("metrics and cards of a run or task that does not exist are 404s naming it", async () => {
      assert.equal((await call("PUT", "/flows/TrainFlow/runs/9/steps/train/tasks/0/attempts/0/metrics", { metrics: {} })).body?.message, "Run TrainFlow/9 does not exist.");
      assert.equal((await call("GET", "/flows/TrainFlow/runs/9/metrics")).body?.message, "Run TrainFlow/9 does not exist.");
      assert.equal((await call("GET", "/flows/TrainFlow/runs/1/steps/train/tasks/5/cards")).body?.message, "Task TrainFlow/1/train/5 does not exist.");
    });
  });
});
