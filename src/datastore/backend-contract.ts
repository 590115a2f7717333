import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, it, type TestContext } from "node:test";
import { WeftError } from "../errors/weft-error.ts";
import type { StorageBackend } from "./types.ts";

/** A backend under test and how to remove what it wrote. */
export interface OpenedBackend {
  backend: StorageBackend;
  cleanup(): Promise<void>;
}

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const text = (data: Uint8Array | null | undefined) => (data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8") : data);
const asBuffer = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** Asserts equal bytes without printing megabytes on failure. */
function assertSameBytes(actual: Uint8Array | null | undefined, expected: Uint8Array, what: string): void {
  assert.ok(actual, `${what}: expected ${expected.byteLength} bytes, got ${actual}`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  assert.ok(asBuffer(actual).equals(asBuffer(expected)), `${what}: bytes differ`);
}

/**
 * The StorageBackend contract (src/datastore/types.ts), shared by every backend: the
 * local one runs it on a temp folder, the Azure one on a container. Each test gets a
 * fresh, empty backend from `open`. Only the documented semantics are checked; the
 * order of `list` results is not documented, so they are compared sorted.
 */
export function storageBackendContract(name: string, open: () => Promise<OpenedBackend>): void {
  describe(`${name} satisfies the StorageBackend contract`, () => {
    let opened: OpenedBackend;
    let backend: StorageBackend;
    beforeEach(async () => {
      opened = await open();
      backend = opened.backend;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    it("names its kind and root", () => {
      assert.equal(typeof backend.kind, "string");
      assert.match(backend.kind, /^[a-z][a-z0-9-]*$/);
      assert.equal(typeof backend.root, "string");
      assert.ok(backend.root.length > 0);
    });

    describe("sizes", () => {
      it("returns each object's length in bytes, null for a missing key or a prefix, in the order of the keys", async () => {
        await backend.putBytes([{ key: "z/a", data: bytes("four") }, { key: "z/b", data: [bytes("a"), bytes("bc")] }, { key: "z/e", data: new Uint8Array(0) }, { key: "z/d/x", data: bytes("x") }]);
        assert.deepEqual(await backend.sizes(["z/b", "z/missing", "z/a", "z/e", "z/d"]), [3, null, 4, 0, null]);
      });
    });

    describe("getRange", () => {
      it("reads a slice of an object, less at its end, nothing past it, null for a missing key", async (t) => {
        if (!backend.getRange) return t.skip(`${backend.kind} has no getRange: readers use getBytes`);
        await backend.putBytes([{ key: "r/a", data: bytes("0123456789") }]);
        assert.deepEqual(
          [text(await backend.getRange("r/a", 2, 3)), text(await backend.getRange("r/a", 8, 10)), text(await backend.getRange("r/a", 10, 4)), text(await backend.getRange("r/missing", 0, 4))],
          ["234", "89", "", null],
        );
      });
    });

    describe("exists", () => {
      it("returns false for a missing key", async () => {
        assert.deepEqual(await backend.exists(["nothing/here"]), [false]);
      });

      it("returns one answer per key, in the order of the keys", async () => {
        await backend.putBytes([{ key: "e/b", data: bytes("b") }, { key: "e/d", data: bytes("d") }]);
        assert.deepEqual(await backend.exists(["e/a", "e/b", "e/c", "e/d", "e/b"]), [false, true, false, true, true]);
      });

      it("returns an empty list for an empty batch", async () => {
        assert.deepEqual(await backend.exists([]), []);
      });

      it("returns false for a prefix that only has objects below it", async () => {
        await backend.putBytes([{ key: "folder/child", data: bytes("x") }]);
        assert.deepEqual(await backend.exists(["folder"]), [false]);
      });
    });

    describe("putBytes and getBytes", () => {
      it("getBytes returns null for a missing key", async () => {
        assert.deepEqual(await backend.getBytes(["missing/key"]), [null]);
      });

      it("getBytes returns the bytes putBytes wrote", async () => {
        await backend.putBytes([{ key: "one/obj", data: bytes("hello") }]);
        const [got] = await backend.getBytes(["one/obj"]);
        assert.ok(got instanceof Uint8Array);
        assert.equal(text(got), "hello");
      });

      it("putBytes writes every item of a batch", async () => {
        await backend.putBytes([
          { key: "batch/1", data: bytes("first") },
          { key: "batch/2", data: bytes("second") },
          { key: "batch/nested/3", data: bytes("third") },
        ]);
        assert.deepEqual((await backend.getBytes(["batch/1", "batch/2", "batch/nested/3"])).map(text), ["first", "second", "third"]);
      });

      it("getBytes returns one result per key in the order asked, null where missing", async () => {
        await backend.putBytes([
          { key: "order/a", data: bytes("A") },
          { key: "order/b", data: bytes("B") },
          { key: "order/c", data: bytes("C") },
        ]);
        const got = await backend.getBytes(["order/c", "order/missing", "order/a", "order/b", "order/a"]);
        assert.deepEqual(got.map(text), ["C", null, "A", "B", "A"]);
      });

      it("getBytes returns an empty list for an empty batch", async () => {
        assert.deepEqual(await backend.getBytes([]), []);
      });

      it("getBytes returns null for a prefix that only has objects below it", async () => {
        await backend.putBytes([{ key: "dir/child", data: bytes("x") }]);
        assert.deepEqual(await backend.getBytes(["dir"]), [null]);
      });

      it("putBytes without overwrite leaves an existing object's bytes as they are", async () => {
        await backend.putBytes([{ key: "keep/me", data: bytes("original") }]);
        await backend.putBytes([{ key: "keep/me", data: bytes("replacement") }]);
        assert.equal(text((await backend.getBytes(["keep/me"]))[0]), "original");
      });

      it("putBytes with overwrite replaces an existing object's bytes", async () => {
        await backend.putBytes([{ key: "swap/me", data: bytes("original, longer than the replacement") }]);
        await backend.putBytes([{ key: "swap/me", data: bytes("new"), overwrite: true }]);
        assert.equal(text((await backend.getBytes(["swap/me"]))[0]), "new");
      });

      it("putBytes with overwrite creates a missing object", async () => {
        await backend.putBytes([{ key: "fresh/obj", data: bytes("made"), overwrite: true }]);
        assert.equal(text((await backend.getBytes(["fresh/obj"]))[0]), "made");
      });

      it("putBytes with durable writes and reads back like any other write", async () => {
        await backend.putBytes([{ key: "durable/obj", data: bytes("kept"), durable: true }, { key: "durable/other", data: bytes("also"), durable: false }]);
        assert.deepEqual((await backend.getBytes(["durable/obj", "durable/other"])).map(text), ["kept", "also"]);
      });

      it("binary bytes, every value 0 to 255, round-trip unchanged", async () => {
        const data = new Uint8Array(512);
        for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 255) % 256;
        data[0] = 0;
        data[1] = 0xff;
        await backend.putBytes([{ key: "bin/all", data }]);
        assertSameBytes((await backend.getBytes(["bin/all"]))[0], data, "getBytes");
        assertSameBytes(backend.getBytesSync("bin/all"), data, "getBytesSync");
      });

      it("an empty object exists and reads back as zero bytes, not null", async () => {
        await backend.putBytes([{ key: "empty/obj", data: new Uint8Array(0) }]);
        assert.deepEqual(await backend.exists(["empty/obj"]), [true]);
        const [got] = await backend.getBytes(["empty/obj"]);
        assert.ok(got, `getBytes returned ${got} for an empty object`);
        assert.equal(got.byteLength, 0);
        assert.equal(backend.getBytesSync("empty/obj")?.byteLength, 0);
      });

      it("a 5 MiB object round-trips", async () => {
        const data = new Uint8Array(randomBytes(5 * 1024 * 1024));
        await backend.putBytes([{ key: "big/five-mib", data }]);
        assertSameBytes((await backend.getBytes(["big/five-mib"]))[0], data, "getBytes");
        assertSameBytes(backend.getBytesSync("big/five-mib"), data, "getBytesSync");
      });

      it("a subarray is written as its own bytes, not its whole underlying buffer", async () => {
        const whole = bytes("xxxxPAYLOADyyyy");
        await backend.putBytes([{ key: "view/obj", data: whole.subarray(4, 11) }]);
        assert.equal(text((await backend.getBytes(["view/obj"]))[0]), "PAYLOAD");
      });

      it("concurrent overwrites leave one writer's whole object", async () => {
        const size = 1024 * 1024;
        const payloads = [1, 2, 3, 4].map((n) => new Uint8Array(size).fill(n));
        await Promise.all(payloads.map((data) => backend.putBytes([{ key: "race/obj", data, overwrite: true }])));
        const [got] = await backend.getBytes(["race/obj"]);
        assert.ok(got);
        assert.equal(got.byteLength, size);
        const first = got[0]!;
        assert.ok([1, 2, 3, 4].includes(first), `unexpected fill ${first}`);
        assert.ok(asBuffer(got).equals(asBuffer(new Uint8Array(size).fill(first))), "object mixes bytes of several writers");
      });
    });

    describe("getBytesSync", () => {
      it("returns null for a missing key", () => {
        assert.equal(backend.getBytesSync("missing/sync"), null);
      });

      it("returns the bytes putBytes wrote", async () => {
        await backend.putBytes([{ key: "sync/obj", data: bytes("synchronous") }]);
        const got = backend.getBytesSync("sync/obj");
        assert.ok(got instanceof Uint8Array);
        assert.equal(text(got), "synchronous");
      });

      it("returns null for a prefix that only has objects below it", async () => {
        await backend.putBytes([{ key: "syncdir/child", data: bytes("x") }]);
        assert.equal(backend.getBytesSync("syncdir"), null);
      });
    });

    describe("createExclusive", () => {
      it("returns true and creates the object when the key is free", async () => {
        assert.equal(await backend.createExclusive("ids/1", bytes("mine")), true);
        assert.equal(text((await backend.getBytes(["ids/1"]))[0]), "mine");
      });

      it("returns false the second time and keeps the first object's bytes", async () => {
        assert.equal(await backend.createExclusive("ids/2", bytes("first")), true);
        assert.equal(await backend.createExclusive("ids/2", bytes("second")), false);
        assert.equal(text((await backend.getBytes(["ids/2"]))[0]), "first");
      });

      it("returns false when putBytes already wrote the key", async () => {
        await backend.putBytes([{ key: "ids/3", data: bytes("put") }]);
        assert.equal(await backend.createExclusive("ids/3", bytes("exclusive")), false);
        assert.equal(text((await backend.getBytes(["ids/3"]))[0]), "put");
      });

      it("lets exactly one of many concurrent calls on one key win, and stores the winner's bytes", async () => {
        const contenders = Array.from({ length: 12 }, (_, i) => `contender-${i}`);
        const results = await Promise.all(contenders.map((c) => backend.createExclusive("ids/contested", bytes(c))));
        assert.equal(results.filter((r) => r === true).length, 1, `winners: ${JSON.stringify(results)}`);
        assert.equal(results.filter((r) => r === false).length, contenders.length - 1);
        const winner = contenders[results.indexOf(true)];
        assert.equal(text((await backend.getBytes(["ids/contested"]))[0]), winner);
      });

      it("is atomic: a concurrent reader sees no object or the whole object", async () => {
        // A torn read needs a reader between two chunks of the write: several rounds of
        // several readers make that near certain where the write is not atomic.
        const data = new Uint8Array(16 * 1024 * 1024).fill(7);
        const seen = new Set<number | null>();
        for (let round = 0; round < 3; round++) {
          const key = `ids/atomic-${round}`;
          let settled = false;
          const creating = backend.createExclusive(key, data).finally(() => (settled = true));
          while (!settled) {
            const reads = await Promise.all([1, 2, 3, 4].map(() => backend.getBytes([key])));
            for (const [got] of reads) seen.add(got ? got.byteLength : null);
          }
          assert.equal(await creating, true);
        }
        const partial = [...seen].filter((n) => n !== null && n !== data.byteLength);
        assert.deepEqual(partial, [], `a reader saw a partly written object (sizes ${partial.join(", ")})`);
      });
    });

    describe("list", () => {
      beforeEach(async () => {
        await backend.putBytes([
          { key: "tree/a", data: bytes("a") },
          { key: "tree/b", data: bytes("b") },
          { key: "tree/sub/c", data: bytes("c") },
          { key: "tree/sub/deeper/d", data: bytes("d") },
          { key: "tree2/e", data: bytes("e") },
          { key: "other/f", data: bytes("f") },
        ]);
      });

      it("returns the direct children of a prefix, sub-prefixes ending in '/'", async () => {
        assert.deepEqual((await backend.list("tree/")).sort(), ["tree/a", "tree/b", "tree/sub/"]);
      });

      it("returns full keys for a nested prefix", async () => {
        assert.deepEqual((await backend.list("tree/sub/")).sort(), ["tree/sub/c", "tree/sub/deeper/"]);
        assert.deepEqual(await backend.list("tree/sub/deeper/"), ["tree/sub/deeper/d"]);
      });

      it("does not return keys of a sibling whose name starts with the prefix's name", async () => {
        assert.deepEqual(await backend.list("tree2/"), ["tree2/e"]);
        assert.ok(!(await backend.list("tree/")).some((k) => k.startsWith("tree2")));
      });

      it("of the empty prefix returns the top-level sub-prefixes", async () => {
        assert.deepEqual((await backend.list("")).sort(), ["other/", "tree/", "tree2/"]);
      });

      it("returns an empty list for a missing prefix", async () => {
        assert.deepEqual(await backend.list("no-such-prefix/"), []);
        assert.deepEqual(await backend.list("tree/no-such-sub/"), []);
      });

      it("returns an empty list for a prefix that names an object", async () => {
        assert.deepEqual(await backend.list("tree/a/"), []);
      });

      it("sees an object written since an earlier call", async () => {
        const before = await backend.list("tree/");
        await backend.putBytes([{ key: "tree/z", data: bytes("z") }]);
        assert.ok(!before.includes("tree/z"));
        assert.ok((await backend.list("tree/")).includes("tree/z"));
      });
    });

    describe("appendBytes", () => {
      /** The backend's appendBytes, or undefined after marking the test skipped. */
      const appender = (t: TestContext) => {
        if (!backend.appendBytes) t.skip("this backend has no appendBytes (callers rewrite whole objects)");
        return backend.appendBytes?.bind(backend);
      };
      const isConflict = (error: unknown) => error instanceof WeftError && error.code === "DATASTORE";

      it("creates a missing object that getBytes and getBytesSync read whole", async (t) => {
        const append = appender(t);
        if (!append) return;
        await append([{ key: "log/new", data: bytes("first line\n"), offset: 0 }]);
        assert.deepEqual(await backend.exists(["log/new"]), [true]);
        assert.equal(text((await backend.getBytes(["log/new"]))[0]), "first line\n");
        assert.equal(text(backend.getBytesSync("log/new")), "first line\n");
      });

      it("successive appends read back as one object, in order", async (t) => {
        const append = appender(t);
        if (!append) return;
        let offset = 0;
        for (const part of ["one\n", "two\n", "three\n"]) {
          await append([{ key: "log/grow", data: bytes(part), offset }]);
          offset += part.length;
        }
        assert.equal(text((await backend.getBytes(["log/grow"]))[0]), "one\ntwo\nthree\n");
        assert.deepEqual(await backend.list("log/"), ["log/grow"]);
      });

      it("applies the items of one key in batch order, and every key of the batch", async (t) => {
        const append = appender(t);
        if (!append) return;
        await append([
          { key: "log/a", data: bytes("a1 "), offset: 0 },
          { key: "log/b", data: bytes("b1 "), offset: 0 },
          { key: "log/a", data: bytes("a2 "), offset: 3 },
          { key: "log/a", data: bytes("a3"), offset: 6 },
          { key: "log/b", data: bytes("b2"), offset: 3 },
        ]);
        assert.deepEqual((await backend.getBytes(["log/a", "log/b"])).map(text), ["a1 a2 a3", "b1 b2"]);
      });

      it("an item with no bytes creates an empty object", async (t) => {
        const append = appender(t);
        if (!append) return;
        await append([{ key: "log/empty", data: new Uint8Array(0), offset: 0 }]);
        assert.equal((await backend.getBytes(["log/empty"]))[0]?.byteLength, 0);
      });

      it("a retried append whose first try landed adds nothing", async (t) => {
        const append = appender(t);
        if (!append) return;
        await append([{ key: "log/retry", data: bytes("start "), offset: 0 }]);
        await append([{ key: "log/retry", data: bytes("once"), offset: 6 }]);
        await append([{ key: "log/retry", data: bytes("once"), offset: 6 }]);
        assert.equal(text((await backend.getBytes(["log/retry"]))[0]), "start once");
      });

      it("a retried append whose first try landed part adds only the rest", async (t) => {
        const append = appender(t);
        if (!append) return;
        await append([{ key: "log/part", data: bytes("hello"), offset: 0 }]);
        await append([{ key: "log/part", data: bytes("hello world"), offset: 0 }]);
        assert.equal(text((await backend.getBytes(["log/part"]))[0]), "hello world");
      });

      it("an offset past the object's end fails with DATASTORE and appends nothing", async (t) => {
        const append = appender(t);
        if (!append) return;
        await append([{ key: "log/gap", data: bytes("abc"), offset: 0 }]);
        await assert.rejects(append([{ key: "log/gap", data: bytes("xyz"), offset: 10 }]), isConflict);
        assert.equal(text((await backend.getBytes(["log/gap"]))[0]), "abc");
      });

      it("an object longer than offset plus the bytes fails with DATASTORE and is left as it is", async (t) => {
        const append = appender(t);
        if (!append) return;
        await append([{ key: "log/other", data: bytes("abcdef"), offset: 0 }]);
        await assert.rejects(append([{ key: "log/other", data: bytes("xy"), offset: 1 }]), isConflict);
        assert.equal(text((await backend.getBytes(["log/other"]))[0]), "abcdef");
      });

      it("an offset above zero on a missing object fails with DATASTORE", async (t) => {
        const append = appender(t);
        if (!append) return;
        await assert.rejects(append([{ key: "log/missing", data: bytes("late"), offset: 4 }]), isConflict);
      });

      it("a 9 MiB append round-trips, and later appends follow it", async (t) => {
        const append = appender(t);
        if (!append) return;
        const big = new Uint8Array(randomBytes(9 * 1024 * 1024 + 17));
        const tail = bytes("tail");
        await append([{ key: "log/big", data: big, offset: 0 }]);
        await append([{ key: "log/big", data: tail, offset: big.byteLength }]);
        const expected = Buffer.concat([big, tail]);
        assertSameBytes((await backend.getBytes(["log/big"]))[0], expected, "getBytes");
        assertSameBytes(backend.getBytesSync("log/big"), expected, "getBytesSync");
      });

      it("a concurrent reader sees a prefix of what was appended", async (t) => {
        const append = appender(t);
        if (!append) return;
        const parts = Array.from({ length: 12 }, (_, i) => new Uint8Array(randomBytes(1024 + i)));
        const whole = Buffer.concat(parts);
        const seen: (Uint8Array | null)[] = [];
        let done = false;
        const reading = (async () => {
          while (!done) seen.push((await backend.getBytes(["log/live"]))[0] ?? null);
        })();
        let offset = 0;
        for (const data of parts) {
          await append([{ key: "log/live", data, offset }]);
          offset += data.byteLength;
        }
        done = true;
        await reading;
        for (const got of seen) if (got) assert.ok(asBuffer(got).equals(whole.subarray(0, got.byteLength)), `a read of ${got.byteLength} bytes is not a prefix`);
        assertSameBytes((await backend.getBytes(["log/live"]))[0], whole, "final");
      });
    });

    describe("localPath", () => {
      it("when defined, names a file holding the object's bytes", async (t) => {
        await backend.putBytes([{ key: "paths/obj.bin", data: bytes("on disk") }]);
        const path = backend.localPath("paths/obj.bin");
        if (path === undefined) {
          t.skip("this backend keeps no local copies (localPath is undefined)");
          return;
        }
        assert.equal(readFileSync(path, "utf8"), "on disk");
      });

      it("when defined, gives different paths for different keys", async (t) => {
        const a = backend.localPath("paths/a");
        const b = backend.localPath("paths/b");
        if (a === undefined || b === undefined) {
          t.skip("this backend keeps no local copies (localPath is undefined)");
          return;
        }
        assert.notEqual(a, b);
      });
    });
  });
}
