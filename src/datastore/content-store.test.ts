import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { WeftError } from "../errors/weft-error.ts";
import { ContentStore, sha256 } from "./content-store.ts";
import { LocalBackend } from "./local/local-backend.ts";
import type { PutItem } from "./types.ts";

const PREFIX = "TrainFlow/data";
const hex = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const compressible = () => new TextEncoder().encode("weft stores artifacts by content. ".repeat(4000));

/** Every file below `dir`, relative to it, with `/` separators. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1).split("\\").join("/"))
    .sort();
}

/** LocalBackend that records what putBytes was asked to write. */
class RecordingBackend extends LocalBackend {
  readonly puts: PutItem[][] = [];
  override async putBytes(items: PutItem[]): Promise<void> {
    this.puts.push(items);
    return super.putBytes(items);
  }
}

function assertWeftError(code: string, pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${err}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe("ContentStore", () => {
  let dir: string;
  let backend: RecordingBackend;
  let store: ContentStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "weft-content-"));
    backend = new RecordingBackend(dir);
    store = new ContentStore(backend, PREFIX);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("sha256 is the hex SHA-256 of the bytes", () => {
    assert.equal(sha256(new TextEncoder().encode("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("save returns the SHA-256 of each blob, in order", async () => {
    const blobs = [new TextEncoder().encode("first"), new TextEncoder().encode("second"), new Uint8Array(0)];
    assert.deepEqual(await store.save(blobs), blobs.map(hex));
  });

  it("stores each blob under <prefix>/<sha[0:2]>/<sha>", async () => {
    const blob = new TextEncoder().encode("keyed by content");
    const [sha] = await store.save([blob]);
    const expected = hex(blob);
    assert.equal(sha, expected);
    assert.equal(store.keyOf(expected), `${PREFIX}/${expected.slice(0, 2)}/${expected}`);
    assert.deepEqual(filesBelow(dir), [`${PREFIX}/${expected.slice(0, 2)}/${expected}`]);
  });

  it("stores the same bytes once, within a batch and across saves", async () => {
    const blob = compressible();
    const [a, b] = await store.save([blob, blob]);
    const [c] = await store.save([new Uint8Array(blob)]);
    assert.equal(a, b);
    assert.equal(a, c);
    assert.deepEqual(filesBelow(dir), [`${PREFIX}/${a!.slice(0, 2)}/${a}`]);
  });

  it("a second save of stored bytes writes nothing", async () => {
    const blob = randomBytes(1000);
    await store.save([blob]);
    const putsBefore = backend.puts.length;
    await store.save([blob]);
    assert.equal(backend.puts.length, putsBefore);
  });

  it("stores compressible data smaller than the raw bytes", async () => {
    const blob = compressible();
    const [sha] = await store.save([blob]);
    const stored = statSync(backend.localPath(store.keyOf(sha!))).size;
    assert.ok(stored < blob.byteLength / 4, `stored ${stored} bytes of ${blob.byteLength}`);
  });

  it("stores random data raw, one codec byte plus the bytes", async () => {
    const blob = randomBytes(200_000);
    const [sha] = await store.save([blob]);
    assert.equal(statSync(backend.localPath(store.keyOf(sha!))).size, blob.byteLength + 1);
  });

  it("loadSync returns the bytes saved, compressed or raw", async () => {
    const blobs = [compressible(), randomBytes(70_000), new Uint8Array([0, 1, 2]), new Uint8Array(0)];
    const shas = await store.save(blobs);
    shas.forEach((sha, i) => assert.ok(same(store.loadSync(sha, `blob ${i}`), blobs[i]!), `blob ${i} differs`));
  });

  it("load returns the bytes saved, in the order asked", async () => {
    const blobs = [compressible(), randomBytes(70_000), new TextEncoder().encode("small")];
    const shas = await store.save(blobs);
    const order = [2, 0, 1, 0];
    const loaded = await store.load(order.map((i) => shas[i]!), (i) => `blob ${order[i]}`);
    assert.equal(loaded.length, order.length);
    loaded.forEach((bytes, i) => assert.ok(same(bytes, blobs[order[i]!]!), `position ${i} differs`));
  });

  it("load and loadSync return identical bytes", async () => {
    const blob = compressible();
    const [sha] = await store.save([blob]);
    const [viaLoad] = await store.load([sha!], () => "x");
    assert.ok(same(viaLoad!, store.loadSync(sha!, "x")));
  });

  describe("a tampered blob", () => {
    const flipByte = (path: string, at: (size: number) => number) => {
      const data = readFileSync(path);
      const i = at(data.length);
      data[i] = data[i]! ^ 0xff;
      writeFileSync(path, data);
    };

    it("stored raw fails loadSync with ARTIFACT_CORRUPT naming the artifact", async () => {
      const [sha] = await store.save([randomBytes(5000)]);
      flipByte(backend.localPath(store.keyOf(sha!)), (n) => n - 10);
      assert.throws(() => store.loadSync(sha!, 'Artifact "model" of TrainFlow/1/train/2'), assertWeftError("ARTIFACT_CORRUPT", /Artifact "model" of TrainFlow\/1\/train\/2/));
    });

    it("stored compressed fails loadSync with ARTIFACT_CORRUPT naming the artifact", async () => {
      const [sha] = await store.save([compressible()]);
      flipByte(backend.localPath(store.keyOf(sha!)), (n) => Math.floor(n / 2));
      assert.throws(() => store.loadSync(sha!, 'Artifact "table"'), assertWeftError("ARTIFACT_CORRUPT", /Artifact "table"/));
    });

    it("with an unknown codec byte fails with ARTIFACT_CORRUPT", async () => {
      const [sha] = await store.save([new TextEncoder().encode("short")]);
      flipByte(backend.localPath(store.keyOf(sha!)), () => 0);
      assert.throws(() => store.loadSync(sha!, 'Artifact "x"'), assertWeftError("ARTIFACT_CORRUPT", /Artifact "x"/));
    });

    it("truncated to nothing fails with ARTIFACT_CORRUPT", async () => {
      const [sha] = await store.save([new TextEncoder().encode("will vanish")]);
      writeFileSync(backend.localPath(store.keyOf(sha!)), "");
      assert.throws(() => store.loadSync(sha!, 'Artifact "gone"'), assertWeftError("ARTIFACT_CORRUPT", /Artifact "gone"/));
    });

    it("fails load with ARTIFACT_CORRUPT naming the artifact at its position", async () => {
      const shas = await store.save([new TextEncoder().encode("fine"), randomBytes(3000)]);
      flipByte(backend.localPath(store.keyOf(shas[1]!)), (n) => n - 1);
      await assert.rejects(store.load(shas, (i) => `Artifact "a${i}"`), assertWeftError("ARTIFACT_CORRUPT", /Artifact "a1"/));
    });
  });

  describe("a blob truncated under its hash (a write cut short by a full disk)", () => {
    for (const [kind, make] of [["raw", () => randomBytes(5000)], ["deflated", compressible]] as const) {
      it(`is rewritten by the next save of the same ${kind} bytes, never deduplicated`, async () => {
        const blob = make();
        const [sha] = await store.save([blob]);
        const path = backend.localPath(store.keyOf(sha!));
        writeFileSync(path, readFileSync(path).subarray(0, 100));
        await store.save([blob]);
        assert.ok(same(store.loadSync(sha!, 'Artifact "rows"'), blob));
      });
    }
  });

  describe("a missing blob", () => {
    it("fails loadSync with NOT_FOUND naming the artifact", async () => {
      const [sha] = await store.save([new TextEncoder().encode("deleted later")]);
      unlinkSync(backend.localPath(store.keyOf(sha!)));
      assert.throws(() => store.loadSync(sha!, 'Artifact "weights"'), assertWeftError("NOT_FOUND", /Artifact "weights"/));
    });

    it("fails load with NOT_FOUND for a sha never saved", async () => {
      const sha = hex(new TextEncoder().encode("never saved"));
      await assert.rejects(store.load([sha], () => 'Artifact "ghost"'), assertWeftError("NOT_FOUND", /Artifact "ghost".*missing/));
    });
  });
});

describe("ContentStore with chunked values", () => {
  it("hashes and stores chunks as one value, compressing them without joining them first", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-chunks-"));
    try {
      const store = new ContentStore(new LocalBackend(dir), "F/data");
      const parts = [Buffer.alloc(300_000, 7), Buffer.alloc(200_000, 9)];
      const [sha] = await store.save([parts]);
      assert.equal(sha, sha256(Buffer.concat(parts)));
      assert.deepEqual(Buffer.from(store.loadSync(sha!, "chunked")), Buffer.concat(parts));
      assert.ok(statSync(join(dir, "F", "data", sha!.slice(0, 2), sha!)).size < 10_000, "repetitive chunks are stored deflated");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
