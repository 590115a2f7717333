import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { holdDirectoryLock } from "./directory-lock.ts";

describe("holdDirectoryLock", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "weft-lock-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a second holder while the first lives, naming its pid, and frees the lock on release", () => {
    const release = holdDirectoryLock(dir);
    writeFileSync(join(dir, "weft-service.pid"), String(process.ppid));
    assert.throws(() => holdDirectoryLock(dir), new RegExp(`pid ${process.ppid}`));
    release();
    assert.equal(existsSync(join(dir, "weft-service.pid")), false);
  });

  it("takes over the lock of a process that is gone, or of its own pid left by a crash", () => {
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    for (const holder of [dead, process.pid]) {
      writeFileSync(join(dir, "weft-service.pid"), String(holder));
      holdDirectoryLock(dir)();
    }
    assert.deepEqual(readdirSync(dir), []);
  });
});
