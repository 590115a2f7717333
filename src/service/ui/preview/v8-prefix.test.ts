import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serialize } from "node:v8";
import { ContentStore } from "../../../datastore/content-store.ts";
import { LocalBackend } from "../../../datastore/local/local-backend.ts";
import { previewArtifact } from "./artifact-preview.ts";
import { previewV8 } from "./v8-prefix.ts";

describe("previewV8", () => {
  it("reads every structured-clone type into a preview", () => {
    const value = {
      n: -5, big: 3_000_000_000, f: 1.5, nan: NaN, s: "é日本", b: true, u: undefined, z: null, bi: -123456789012345678901234567890n,
      d: new Date(0), r: /a+b/gi, m: new Map([[1, "one"]]), set: new Set(["x"]), e: new TypeError("boom"), buf: Buffer.from("hi"), sparse: [1, , 3],
    };
    const { value: node, complete } = previewV8(serialize(value));
    assert.equal(complete, true);
    assert.equal(node.kind, "object");
    const entries = Object.fromEntries((node as { entries: [string, unknown][] }).entries);
    assert.deepEqual(entries.n, { kind: "number", value: -5 });
    assert.deepEqual(entries.big, { kind: "number", value: 3_000_000_000 });
    assert.deepEqual(entries.nan, { kind: "number", value: "NaN" });
    assert.deepEqual(entries.s, { kind: "string", value: "é日本", length: 3 });
    assert.deepEqual(entries.bi, { kind: "bigint", value: "-123456789012345678901234567890" });
    assert.deepEqual(entries.d, { kind: "date", value: "1970-01-01T00:00:00.000Z" });
    assert.deepEqual(entries.r, { kind: "regexp", value: "/a+b/gi" });
    assert.deepEqual(entries.m, { kind: "map", entries: [[{ kind: "number", value: 1 }, { kind: "string", value: "one", length: 3 }]], count: 1, complete: true });
    assert.deepEqual(entries.set, { kind: "set", items: [{ kind: "string", value: "x", length: 1 }], count: 1, complete: true });
    assert.equal((entries.e as { name: string }).name, "TypeError");
    assert.deepEqual(entries.buf, { kind: "typed", type: "Buffer", length: 2, head: [104, 105], stats: { min: 104, max: 105, mean: 104.5, of: 2 } });
    assert.equal((entries.sparse as { length: number }).length, 3);
  });

  it("keeps the first items of a long array and counts the rest", () => {
    const { value } = previewV8(serialize(Array.from({ length: 1000 }, (_, i) => i)), { items: 5, chars: 100, depth: 5 });
    assert.deepEqual(value, { kind: "array", length: 1000, items: [0, 1, 2, 3, 4].map((v) => ({ kind: "number", value: v })), complete: false });
  });

  it("cuts long strings to the character limit and says how long they were", () => {
    const { value } = previewV8(serialize("x".repeat(10_000)), { items: 5, chars: 10, depth: 5 });
    assert.deepEqual(value, { kind: "string", value: "xxxxxxxxxx", length: 10_000 });
  });

  it("a prefix cut inside the value keeps what was read and marks the open containers incomplete", () => {
    const bytes = serialize({ rows: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `row ${i}` })), after: "never read" });
    const { value, complete } = previewV8(bytes.subarray(0, 200));
    assert.equal(complete, false);
    assert.equal(value.kind, "object");
    const rows = (value as { entries: [string, { kind: string; items: unknown[]; complete: boolean; length: number }][] }).entries[0]![1];
    assert.equal(rows.length, 100);
    assert.equal(rows.complete, false);
    assert.ok(rows.items.length > 3 && rows.items.length < 100, `read ${rows.items.length} rows from 200 bytes`);
  });

  it("shows a cycle as a reference instead of following it", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    const { value } = previewV8(serialize(a));
    assert.deepEqual((value as { entries: [string, unknown][] }).entries[1], ["self", { kind: "ref" }]);
  });
});

describe("previewArtifact", () => {
  it("inflates only as much of a compressed value as the cap asks for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-preview-"));
    try {
      const backend = new LocalBackend(dir);
      const bytes = serialize(Array.from({ length: 200_000 }, (_, i) => ({ id: i, label: "same text compresses well" })));
      const [sha] = await new ContentStore(backend, "PFlow/data").save([bytes]);
      const preview = await previewArtifact(backend, "PFlow", { attempt: 0, name: "rows", sha: sha!, type: "Array", size: bytes.byteLength, location: "" }, 64 * 1024);
      assert.equal(preview?.serializer, "v8");
      assert.equal(preview?.bytesRead, 64 * 1024);
      assert.equal(preview?.whole, false);
      assert.deepEqual(preview?.value.kind === "array" && [preview.value.length, preview.value.items.length, preview.value.complete], [200_000, 100, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
