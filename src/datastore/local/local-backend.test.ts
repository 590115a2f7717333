import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "node:fs/promises";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { storageBackendContract } from "../backend-contract.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { LocalBackend } from "./local-backend.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

storageBackendContract("LocalBackend", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-local-contract-"));
  return { backend: new LocalBackend(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

describe("LocalBackend", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "weft-local-backend-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("has kind local and its folder as root", () => {
    const backend = new LocalBackend(dir);
    assert.equal(backend.kind, "local");
    assert.equal(backend.root, dir);
  });

  it("localPath maps each key segment to a folder under the root", () => {
    assert.equal(new LocalBackend(dir).localPath("Flow/12/start/1/0.done"), join(dir, "Flow", "12", "start", "1", "0.done"));
  });

  it("leaves no *.tmp file behind after writes, overwrites and exclusive creates", async () => {
    const backend = new LocalBackend(dir);
    await backend.putBytes([{ key: "a/one", data: bytes("1") }, { key: "a/b/two", data: bytes("2") }]);
    await backend.putBytes([{ key: "a/one", data: bytes("1 again"), overwrite: true }]);
    await backend.putBytes([{ key: "a/one", data: bytes("ignored") }]);
    await backend.createExclusive("a/c/three", bytes("3"));
    assert.deepEqual(filesBelow(dir), [join("a", "b", "two"), join("a", "c", "three"), join("a", "one")].sort());
  });

  it("writes into a deep folder that does not exist yet, under a root that does not exist yet", async () => {
    const root = join(dir, "not", "yet");
    const backend = new LocalBackend(root);
    await backend.putBytes([{ key: "x/y/z/w/obj.bin", data: bytes("deep") }]);
    assert.equal(readFileSync(join(root, "x", "y", "z", "w", "obj.bin"), "utf8"), "deep");
    assert.equal(await backend.createExclusive("p/q/r/id", bytes("exclusive")), true);
    assert.equal(readFileSync(join(root, "p", "q", "r", "id"), "utf8"), "exclusive");
  });

  it("list hides a temporary file of a write in progress", async () => {
    const backend = new LocalBackend(dir);
    await backend.putBytes([{ key: "t/done", data: bytes("ok") }]);
    writeFileSync(join(dir, "t", "partial.0a1b2c3d4e5f.tmp"), "half");
    assert.deepEqual(await backend.list("t/"), ["t/done"]);
  });

  it("list accepts a prefix without its trailing slash", async () => {
    const backend = new LocalBackend(dir);
    await backend.putBytes([{ key: "s/obj", data: bytes("ok") }, { key: "s/sub/obj", data: bytes("ok") }]);
    assert.deepEqual((await backend.list("s")).sort(), ["s/obj", "s/sub/"]);
  });

  it("a new backend on the same folder reads what another wrote", async () => {
    await new LocalBackend(dir).putBytes([{ key: "shared/obj", data: bytes("persisted") }]);
    const reader = new LocalBackend(dir);
    assert.equal(Buffer.from(reader.getBytesSync("shared/obj")!).toString(), "persisted");
    assert.ok(existsSync(reader.localPath("shared/obj")));
  });
});

describe("LocalBackend on a full disk", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "weft-local-short-"));
  });
  afterEach(() => {
    mock.restoreAll();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Makes every FileHandle.writev write at most `limit` bytes per call, as a filling disk does. */
  async function shortWrites(limit: number): Promise<void> {
    const probe = await open(join(dir, "probe"), "w");
    const proto = Object.getPrototypeOf(probe) as { writev(buffers: Uint8Array[], position?: number): Promise<{ bytesWritten: number }> };
    await probe.close();
    const writev = proto.writev;
    mock.method(proto, "writev", function (this: unknown, buffers: Uint8Array[], position?: number) {
      const kept: Uint8Array[] = [];
      let room = limit;
      for (const b of buffers) {
        if (room === 0) break;
        kept.push(b.subarray(0, Math.min(room, b.byteLength)));
        room -= kept.at(-1)!.byteLength;
      }
      return writev.call(this, kept, position);
    });
  }

  it("a durable write that the disk takes in short writes still stores every byte", async () => {
    await shortWrites(1000);
    const data = [bytes("x".repeat(2500)), bytes("y".repeat(1700))];
    await new LocalBackend(dir).putBytes([{ key: "data/ab/blob", data, durable: true }]);
    assert.equal(readFileSync(join(dir, "data", "ab", "blob"), "utf8"), "x".repeat(2500) + "y".repeat(1700));
  });

  it("a durable write that makes no progress fails and publishes nothing", async () => {
    await shortWrites(0);
    await assert.rejects(new LocalBackend(dir).putBytes([{ key: "data/ab/blob", data: bytes("never stored"), durable: true }]), /wrote 0 of 12 bytes/);
    assert.equal(existsSync(join(dir, "data", "ab", "blob")), false);
    assert.deepEqual(filesBelow(dir), ["probe"]);
  });
});

describe("LocalBackend on a bad root", () => {
  it("a LocalBackend whose root is inside a file fails its writes with CONFIG, not ENOTDIR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-fs-errors-"));
    writeFileSync(join(dir, "afile"), "");
    const backend = new LocalBackend(join(dir, "afile", "datastore"));
    const data = new TextEncoder().encode("x");
    for (const write of [
      () => backend.putBytes([{ key: "F/1/a", data, overwrite: true }]),
      () => backend.putBytes([{ key: "F/1/b", data, overwrite: true, durable: true }]),
      () => backend.appendBytes([{ key: "F/1/log", data, offset: 0 }]),
      () => backend.createExclusive("F/1/spec", data),
    ]) {
      await assert.rejects(write(), (e: unknown) => e instanceof WeftError && e.code === "CONFIG" && /is inside .*afile, which is a file, not a folder/.test(e.message));
    }
  });
});
