import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkFolder, folderWriteError } from "./fs-errors.ts";
import { WeftError } from "./weft-error.ts";

const errno = (code: string, path: string) => Object.assign(new Error(`${code}: failed, open '${path}'`), { code, path });
const folder = { root: "/data/weft", variable: "WEFT_DATASTORE_SYSROOT_LOCAL" };

describe("local folders Weft writes to", () => {
  it("a read-only folder is a CONFIG error (exit 2) naming the path, the variable and the errno", () => {
    // Tests run as root, where chmod cannot make a folder read-only: the errno is made up here.
    for (const code of ["EROFS", "EACCES", "EPERM"]) {
      const error = folderWriteError(errno(code, "/data/weft/F/1/x.tmp"), folder);
      assert.ok(error instanceof WeftError);
      assert.equal(error.exitCode, 2);
      assert.equal(error.message, `Cannot write to /data/weft [WEFT_DATASTORE_SYSROOT_LOCAL]: /data/weft/F/1/x.tmp is read-only or not writable by this user (${code}).`);
      assert.match(error.hint ?? "", /Set WEFT_DATASTORE_SYSROOT_LOCAL to a folder you can write to/);
    }
  });

  it("a full device is a CONFIG error saying so", () => {
    for (const code of ["ENOSPC", "EDQUOT"]) {
      const error = folderWriteError(errno(code, "/data/weft/F/1/x.tmp"), folder) as WeftError;
      assert.equal(error.code, "CONFIG");
      assert.match(error.message, new RegExp(`the device holding /data/weft/F/1/x\\.tmp is full \\(${code}\\)`));
      assert.match(error.hint ?? "", /Free space there/);
    }
  });

  it("leaves other errors alone: they are bugs, with their stacks", () => {
    const other = errno("EIO", "/data/weft/x");
    assert.equal(folderWriteError(other, folder), other);
    const plain = new TypeError("x");
    assert.equal(folderWriteError(plain, folder), plain);
  });

  it("checkFolder refuses a file, and a path inside a file, naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-fs-errors-"));
    const file = join(dir, "afile");
    writeFileSync(file, "");
    assert.throws(() => checkFolder({ root: file, variable: "WEFT_HOME" }), (e: unknown) => e instanceof WeftError && e.code === "CONFIG" && e.message === `${file} [WEFT_HOME] is a file, not a folder.`);
    assert.throws(() => checkFolder({ root: join(file, "a", "b"), variable: "WEFT_HOME" }), (e: unknown) => e instanceof WeftError && e.message === `${join(file, "a", "b")} [WEFT_HOME] is inside ${file}, which is a file, not a folder.`);
    assert.doesNotThrow(() => checkFolder({ root: join(dir, "new", "folder"), variable: "WEFT_HOME" }));
  });
});
