import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { serialize } from "node:v8";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ContentStore } from "../../datastore/content-store.ts";
import { layout, type TaskRef } from "../../datastore/layout.ts";
import { typedArraySerializer } from "../../datastore/serializers/typed-array.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { FlowGraph } from "../../flow/graph/graph.ts";
import type { MetadataProvider, RunOutline } from "../../metadata/types.ts";
import { MAX_CARD_BYTES } from "./reports.ts";

/** A UI API under test: where runs are recorded (as the runtime records them) and its HTTP address. */
export interface OpenedUiSource {
  meta: MetadataProvider;
  backend: StorageBackend;
  /** `http://127.0.0.1:port` of the app serving the UI's API over that metadata. */
  url: string;
  cleanup(): Promise<void>;
}

const encoder = new TextEncoder();
const node = (name: string, next: string[], extra: Partial<FlowGraph["nodes"][string]> = {}) => ({ name, line: 1, isJoin: false, split: undefined, foreach: undefined, next, prev: [], joins: undefined, mentions: [], ...extra });
const GRAPH: FlowGraph = {
  flowName: "UiFlow",
  file: "/flows/ui.ts",
  steps: ["start", "fan", "end"],
  nodes: { start: node("start", ["fan"], { split: "foreach", foreach: "items" }), fan: node("fan", ["end"]), end: node("end", [], { isJoin: true }) },
};
/** A flow with a switch whose case goes back to its own step: a loop (the outline must keep both). */
const LOOP_GRAPH: FlowGraph = {
  flowName: "LoopFlow",
  file: "/flows/loop.ts",
  steps: ["start", "train", "end"],
  nodes: {
    start: node("start", ["train"]),
    train: { ...node("train", ["train", "end"]), prev: ["start", "train"], switch: { condition: "again", cases: { true: "train", false: "end" } } },
    end: node("end", [], { prev: ["train"] }),
  },
};
const CARD_HTML = '<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'"><h1>Report of fan/0</h1>';
const LIVE_CARD_HTML = "<!doctype html><h1>Still running: 3 of 10</h1>";
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1f6b8a50000000049454e44ae426082", "hex");

/**
 * Records a run as the runtime would: the run and its spec in the datastore (and its
 * outline where the provider keeps one), tasks, attempts with facts and artifacts, logs.
 * `fan/1` fails its first attempt and its retry; `fan/0` succeeds.
 */
async function recordRun(meta: MetadataProvider, backend: StorageBackend, flow: string, options: { user?: string; tags?: string[]; status?: "running" | "succeeded" | "failed" } = {}): Promise<string> {
  const user = options.user ?? "ada";
  const record = await meta.createRun({ flow, user, tags: options.tags ?? [], systemTags: [`user:${user}`] });
  const outline: RunOutline = { graph: { ...GRAPH, flowName: flow }, params: { alpha: 0.5, kinds: ["a", "b"] }, datastore: { kind: backend.kind, root: backend.root } };
  await backend.putBytes([{ key: layout.runSpec(flow, record.run), data: encoder.encode(JSON.stringify({ flow, run: record.run, graph: outline.graph, params: outline.params })) }]);
  await meta.recordRunOutline?.(flow, record.run, outline);
  await meta.setRunState(flow, record.run, { status: "running" });
  const content = new ContentStore(backend, layout.contentPrefix(flow));
  const at = (ms: number) => new Date(Date.parse("2026-01-01T00:00:00.000Z") + ms).toISOString();
  const task = async (step: string, id: string, attempts: { ok: boolean | undefined; log?: string; artifacts?: Record<string, Uint8Array | Uint8Array[]> }[], index?: number) => {
    const ref: TaskRef = { flow, run: record.run, step, task: id };
    await meta.registerTask({ ...ref, createdAt: at(0), foreachStack: index === undefined ? [] : [{ step: "start", task: "0", index, numSplits: 2 }] });
    for (const [n, a] of attempts.entries()) {
      await meta.startAttempt(ref, { attempt: n, startedAt: at(n * 1000) }, [{ field: "host", value: "laptop", type: "runtime" }]);
      if (a.log !== undefined) await backend.putBytes([{ key: layout.attemptFile(ref, n, "stdout"), data: encoder.encode(a.log) }]);
      if (a.ok === undefined) continue;
      const names = Object.keys(a.artifacts ?? {});
      const shas = await content.save(names.map((k) => a.artifacts![k]!));
      const artifacts = names.map((name, i) => ({ name, sha: shas[i]!, type: name, size: [a.artifacts![name]!].flat().reduce((s, c) => s + c.byteLength, 0), location: content.keyOf(shas[i]!) }));
      const failure = a.ok ? {} : { exception: { type: "RangeError", message: `attempt ${n} went out of range`, stack: "RangeError: out of range\n    at fan (ui.ts:3:9)" } };
      await meta.finishAttempt(ref, { attempt: n, startedAt: at(n * 1000), finishedAt: at(n * 1000 + 500), ok: a.ok, ...failure }, artifacts);
    }
  };
  await task("start", "0", [{ ok: true, log: "starting\n", artifacts: { items: serialize(["alpha", { beta: 2 }]), rows: serialize([{ a: 1, b: "<b>x</b>" }, { a: 2, b: "y" }]), weights: typedArraySerializer.serialize(new Float64Array([1, 2, 3, 4]), "weights") as Uint8Array[], picture: typedArraySerializer.serialize(PNG, "picture") as Uint8Array[] } }]);
  await task("fan", "0", [{ ok: true, log: `${"line\n".repeat(10)}grüße 🎉 done\n`, artifacts: { total: serialize({ total: 42, nested: { deep: [1, 2, 3] } }) } }], 0);
  // fan/0 made a card and logged a loss per epoch; end/0, still running, has written a card and metrics so far.
  const fan0: TaskRef = { flow, run: record.run, step: "fan", task: "0" };
  const [cardSha] = await content.save([encoder.encode(CARD_HTML)]);
  await meta.recordCards(fan0, 0, [{ id: "report", type: "default", sha: cardSha!, size: Buffer.byteLength(CARD_HTML), location: content.keyOf(cardSha!) }]);
  await meta.recordMetrics(fan0, 0, { loss: Array.from({ length: 1000 }, (_, i) => ({ step: i, value: 1 / (i + 1), time: 1_700_000_000_000 + i })), accuracy: [{ step: 0, value: 0.5, time: 1_700_000_000_000 }] });
  await task("fan", "1", [{ ok: false, log: "first try\n" }, { ok: false, log: "second try\n" }], 1);
  if (options.status !== "running") {
    await task("end", "0", [{ ok: undefined, log: "still going\n" }]);
    const end0: TaskRef = { flow, run: record.run, step: "end", task: "0" };
    await backend.putBytes([
      { key: layout.liveCard(end0, 0, "progress"), data: encoder.encode(LIVE_CARD_HTML) },
      { key: layout.liveMetrics(end0, 0), data: encoder.encode(JSON.stringify({ loss: Array.from({ length: 30 }, (_, i) => ({ step: i, value: 30 - i, time: i })) })) },
    ]);
  }
  if (options.status && options.status !== "running") await meta.setRunState(flow, record.run, { status: options.status, finishedAt: new Date().toISOString() });
  return record.run;
}

/**
 * The UI API contract: the metadata service (ServiceUiSource) and `weft ui` on local
 * metadata (LocalUiSource) answer the same routes the same way, so the web UI works
 * over either. Each test gets empty storage from `open`.
 */
export function uiSourceContract(name: string, open: () => Promise<OpenedUiSource>): void {
  describe(`${name} satisfies the UI API contract`, () => {
    let opened: OpenedUiSource;
    const get = async <T = any>(path: string, status = 200): Promise<T> => {
      const res = await fetch(`${opened.url}${path}`, { headers: { accept: "application/json" } });
      const text = await res.text();
      assert.equal(res.status, status, `GET ${path}: ${res.status} ${text}`);
      return (text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T;
    };
    beforeEach(async () => {
      opened = await open();
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    it("GET /runs lists runs of every flow newest first, a page at a time, and filters them", async () => {
      const a1 = await recordRun(opened.meta, opened.backend, "AlphaFlow", { status: "succeeded", tags: ["prod"] });
      const b1 = await recordRun(opened.meta, opened.backend, "BetaFlow", { status: "failed", user: "bob" });
      const a2 = await recordRun(opened.meta, opened.backend, "AlphaFlow", { status: "running" });
      const all = await get("/runs");
      assert.deepEqual(all.runs.map((r: any) => `${r.flow}/${r.run}`), [`AlphaFlow/${a2}`, `BetaFlow/${b1}`, `AlphaFlow/${a1}`]);
      assert.deepEqual(all.runs.map((r: any) => r.state?.status), ["running", "failed", "succeeded"]);
      const first = await get("/runs?limit=2");
      assert.equal(first.runs.length, 2);
      const second = await get(`/runs?limit=2&cursor=${first.next}`);
      assert.deepEqual(second.runs.map((r: any) => `${r.flow}/${r.run}`), [`AlphaFlow/${a1}`]);
      assert.equal(second.next, null);
      assert.deepEqual((await get("/runs?flow=AlphaFlow")).runs.map((r: any) => r.run), [a2, a1]);
      assert.deepEqual((await get("/runs?status=failed")).runs.map((r: any) => r.flow), ["BetaFlow"]);
      assert.deepEqual((await get("/runs?user=bob")).runs.map((r: any) => r.flow), ["BetaFlow"]);
      assert.deepEqual((await get("/runs?tag=prod")).runs.map((r: any) => r.run), [a1]);
      assert.deepEqual((await get(`/runs?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).runs, []);
      assert.match((await get("/runs?cursor=bm9wZQ", 400)).message, /cursor/);
    });

    it("GET …/outline answers the run's graph, parameters and datastore; a missing run is a 404", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow");
      const outline = await get(`/flows/UiFlow/runs/${run}/outline`);
      assert.deepEqual(outline.graph.steps, ["start", "fan", "end"]);
      assert.equal(outline.graph.nodes.start.foreach, "items");
      assert.deepEqual(outline.params, { alpha: 0.5, kinds: ["a", "b"] });
      assert.deepEqual(outline.datastore, { kind: opened.backend.kind, root: opened.backend.root });
      await get("/flows/UiFlow/runs/999/outline", 404);
    });

    it("GET …/tasks answers every task with its attempts and latest status in one call, failures briefly", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow");
      const tasks = await get(`/flows/UiFlow/runs/${run}/tasks`);
      const byPath = Object.fromEntries(tasks.map((t: any) => [`${t.step}/${t.task}`, t]));
      assert.deepEqual(Object.keys(byPath).sort(), ["end/0", "fan/0", "fan/1", "start/0"]);
      assert.equal(byPath["start/0"].status, "succeeded");
      assert.equal(byPath["end/0"].status, "running");
      assert.equal(byPath["fan/1"].status, "failed");
      assert.equal(byPath["fan/1"].attempts.length, 2);
      assert.deepEqual(byPath["fan/1"].exception, { type: "RangeError", message: "attempt 1 went out of range" });
      assert.deepEqual(byPath["fan/1"].foreachStack[0].index, 1);
      assert.deepEqual([byPath["fan/0"].input, byPath["fan/1"].input, byPath["start/0"].input], ["alpha", '{"beta":2}', undefined], "foreach inputs from the parent's items");
      assert.deepEqual((await get(`/flows/UiFlow/runs/${run}/tasks?step=fan`)).map((t: any) => t.task), ["0", "1"]);
      await get("/flows/UiFlow/runs/999/tasks", 404);
    });

    it("logs are read by byte range, from the end, in whole UTF-8 characters, searched and downloaded", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow");
      const base = `/flows/UiFlow/runs/${run}/steps/fan/tasks/0/logs/stdout`;
      const whole = `${"line\n".repeat(10)}grüße 🎉 done\n`;
      const head = await get(`${base}?offset=0&length=10`);
      assert.deepEqual({ text: head.text, offset: head.offset, end: head.end, size: head.size, attempt: head.attempt }, { text: "line\nline\n", offset: 0, end: 10, size: Buffer.byteLength(whole), attempt: 0 });
      // The emoji takes bytes 58 to 61: a tail from byte 59 starts at the next whole character.
      const tail = await get(`${base}?offset=-${Buffer.byteLength(whole) - 59}`);
      assert.equal(tail.text, " done\n");
      const cut = await get(`${base}?offset=58&length=2`);
      assert.equal(cut.text, "🎉", "a range ending inside a character takes all of it");
      const found = await get(`${base}/search?q=GRÜSSE`.replace("GRÜSSE", encodeURIComponent("grüße")));
      assert.deepEqual(found, { attempt: 0, matches: [{ offset: 50, line: "grüße 🎉 done" }], complete: true });
      assert.equal(await get(`${base}/download`), whole);
      const retry = await get(`/flows/UiFlow/runs/${run}/steps/fan/tasks/1/logs/stdout?attempt=0`);
      assert.equal(retry.text, "first try\n");
      assert.equal((await get(`/flows/UiFlow/runs/${run}/steps/fan/tasks/1/logs/stdout`)).text, "second try\n", "the latest attempt by default");
      await get(`/flows/UiFlow/runs/${run}/steps/fan/tasks/0/logs/stderr`, 404);
    });

    it("the live tail of a finished attempt sends its log and then ends", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow", { status: "succeeded" });
      const stream = await get(`/flows/UiFlow/runs/${run}/steps/start/tasks/0/logs/stdout/tail`);
      assert.match(stream, /^event: log\ndata: \{.*"text":"starting\\n".*\}\n\nevent: end\ndata: \{"offset":9,"size":9\}\n\n$/);
    });

    it("artifact previews are a tree for objects, records for arrays, a summary for typed arrays, an image for PNG bytes", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow");
      const preview = (step: string, name: string) => get(`/flows/UiFlow/runs/${run}/steps/${step}/tasks/0/artifacts/${name}/preview`);
      const total = await preview("fan", "total");
      assert.equal(total.whole, true);
      assert.deepEqual(total.value.entries[0], ["total", { kind: "number", value: 42 }]);
      const rows = await preview("start", "rows");
      assert.deepEqual(rows.value.items[0].entries[1], ["b", { kind: "string", value: "<b>x</b>", length: 8 }], "text is data, escaped by the page");
      const weights = await preview("start", "weights");
      assert.deepEqual(weights.value, { kind: "typed", type: "Float64Array", length: 4, head: [1, 2, 3, 4], stats: { min: 1, max: 4, mean: 2.5, of: 4 } });
      const picture = await preview("start", "picture");
      assert.equal(picture.value.kind, "image");
      assert.equal(picture.value.mime, "image/png");
      assert.deepEqual(Buffer.from(picture.value.base64, "base64"), PNG);
      const capped = await get(`/flows/UiFlow/runs/${run}/steps/start/tasks/0/artifacts/weights/preview?bytes=16`);
      assert.equal(capped.whole, false);
      assert.equal(capped.value.length, 4);
      assert.deepEqual(capped.value.head, [1]);
      await get(`/flows/UiFlow/runs/${run}/steps/start/tasks/0/artifacts/nothing/preview`, 404);
    });

    it("the resource routes the UI reads answer the run, the task's attempts, artifacts and metadata, and change tags", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow", { tags: ["one"] });
      assert.equal((await get(`/flows/UiFlow/runs/${run}`)).user, "ada");
      assert.deepEqual((await get("/flows")).map((f: any) => f.name), ["UiFlow"]);
      const task = `/flows/UiFlow/runs/${run}/steps/fan/tasks/1`;
      assert.deepEqual((await get(`${task}/attempts`)).map((a: any) => a.exception.type), ["RangeError", "RangeError"]);
      assert.deepEqual((await get(`/flows/UiFlow/runs/${run}/steps/start/tasks/0/artifacts`)).map((a: any) => a.name), ["items", "picture", "rows", "weights"]);
      assert.deepEqual((await get(`${task}/metadata`)).map((m: any) => `${m.attempt}:${m.field}=${m.value}`), ["0:host=laptop", "1:host=laptop"]);
      const post = (kind: string, tags: string[]) => fetch(`${opened.url}/flows/UiFlow/runs/${run}/tags/${kind}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tags }) }).then((r) => r.json());
      assert.deepEqual(await post("add", ["two"]), { tags: ["one", "two"] });
      assert.deepEqual(await post("remove", ["one"]), { tags: ["two"], missing: [] });
      await get("/flows/UiFlow/runs/999", 404);
    });

    it("the outline keeps a switch's condition and cases, a loop's included", async () => {
      const record = await opened.meta.createRun({ flow: "LoopFlow", user: "ada", tags: [], systemTags: [] });
      const outline: RunOutline = { graph: LOOP_GRAPH, params: {}, datastore: { kind: opened.backend.kind, root: opened.backend.root } };
      await opened.backend.putBytes([{ key: layout.runSpec("LoopFlow", record.run), data: encoder.encode(JSON.stringify({ flow: "LoopFlow", run: record.run, graph: LOOP_GRAPH, params: {} })) }]);
      await opened.meta.recordRunOutline?.("LoopFlow", record.run, outline);
      const got = await get(`/flows/LoopFlow/runs/${record.run}/outline`);
      assert.deepEqual(got.graph.nodes.train.switch, { condition: "again", cases: { true: "train", false: "end" } });
      assert.deepEqual(got.graph.nodes.train.next, ["train", "end"]);
    });

    it("a task's cards are listed where they are, and each is served as HTML under a policy that sandboxes it", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow");
      const task = `/flows/UiFlow/runs/${run}/steps/fan/tasks/0`;
      const listed = await get(`${task}/cards`);
      assert.deepEqual(listed.map((c: any) => [c.attempt, c.id, c.type, c.size]), [[0, "report", "default", Buffer.byteLength(CARD_HTML)]]);
      const res = await fetch(`${opened.url}${task}/cards/report?attempt=0&v=any-version`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), CARD_HTML);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      const csp = res.headers.get("content-security-policy") ?? "";
      for (const directive of ["default-src 'none'", "sandbox allow-scripts", "frame-ancestors 'self'", "form-action 'none'"]) assert.ok(csp.includes(directive), `${directive} in ${csp}`);
      assert.doesNotMatch(csp, /allow-same-origin/);
      assert.equal(res.headers.get("x-weft-card"), "finished");
      assert.match((await get(`${task}/cards/other`, 404)).message, /Card "other" of Task UiFlow\/\d+\/fan\/0 does not exist/);
      assert.match((await get(`${task}/cards/report?attempt=3`, 404)).message, /attempt 3/);
      assert.equal((await get(`${task}/cards/a%20b`, 400)).field, "params.id");
    });

    it("a running attempt's live card is served, and one over the size cap is refused with the command that reads it", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow");
      const task = `/flows/UiFlow/runs/${run}/steps/end/tasks/0`;
      const res = await fetch(`${opened.url}${task}/cards/progress`);
      assert.equal(await res.text(), LIVE_CARD_HTML);
      assert.equal(res.headers.get("x-weft-card"), "live");
      assert.match(res.headers.get("content-security-policy") ?? "", /sandbox allow-scripts/);
      await opened.backend.putBytes([{ key: layout.liveCard({ flow: "UiFlow", run, step: "end", task: "0" }, 0, "huge"), data: new Uint8Array(MAX_CARD_BYTES + 1) }]);
      const refused = await get(`${task}/cards/huge`, 413);
      assert.match(refused.message, new RegExp(`weft card get UiFlow/${run}/end/0 --id huge`));
    });

    it("live reports list what a running attempt has written so far: its cards and its metrics, downsampled", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow");
      const live = await get(`/flows/UiFlow/runs/${run}/steps/end/tasks/0/live-reports?maxPoints=10`);
      assert.deepEqual(live.cards, [{ id: "progress", size: Buffer.byteLength(LIVE_CARD_HTML), version: createHash("sha256").update(LIVE_CARD_HTML).digest("hex").slice(0, 16) }]);
      assert.equal(live.attempt, 0);
      assert.deepEqual(live.metrics.map((m: any) => [m.name, m.count, m.points.length, m.last.value]), [["loss", 30, 10, 1]]);
      assert.deepEqual(await get(`/flows/UiFlow/runs/${run}/steps/fan/tasks/0/live-reports`), { attempt: 0, cards: [], metrics: [] });
    });

    it("a task's and a run's metrics are read whole, downsampled with maxPoints, or as a summary", async () => {
      const run = await recordRun(opened.meta, opened.backend, "UiFlow");
      const task = `/flows/UiFlow/runs/${run}/steps/fan/tasks/0`;
      const whole = await get(`${task}/metrics`);
      assert.deepEqual(whole.map((m: any) => [m.name, m.count, m.points.length]), [["accuracy", 1, 1], ["loss", 1000, 1000]]);
      const shown = (await get(`${task}/metrics?maxPoints=50`)).find((m: any) => m.name === "loss");
      assert.ok(shown.points.length <= 50 && shown.points.length > 10, `${shown.points.length} points`);
      assert.deepEqual([shown.points[0].step, shown.points.at(-1).step], [0, 999], "first and last kept");
      const summary = await get(`/flows/UiFlow/runs/${run}/metrics?maxPoints=0`);
      assert.deepEqual(summary.map((m: any) => [m.stepName, m.task, m.name, m.count, m.points.length]), [["fan", "0", "accuracy", 1, 0], ["fan", "0", "loss", 1000, 0]]);
      await get("/flows/UiFlow/runs/999/metrics", 404);
    });

    it("/openapi.json lists the UI's routes", async () => {
      const doc = await get("/openapi.json");
      const task = "/flows/{flow}/runs/{run}/steps/{step}/tasks/{task}";
      for (const path of ["/runs", "/flows/{flow}/runs/{run}/outline", "/flows/{flow}/runs/{run}/tasks", `${task}/logs/{stream}`, `${task}/logs/{stream}/tail`, `${task}/artifacts/{name}/preview`, `${task}/cards`, `${task}/cards/{id}`, `${task}/live-reports`, `${task}/metrics`, "/flows/{flow}/runs/{run}/metrics"]) {
        assert.ok(path in doc.paths, `${path} missing`);
      }
    });
  });
}
