// `fs.writeSync(1, …)` and `fs.write(2, …)` write to the task's fds directly, around
// process.stdout.write, so the log capture would neither save nor mask them. Node has no
// way to interpose on an fd short of native code (dup2 onto a pipe read back by the same
// event loop would deadlock a synchronous write), so in the task process fs.writeSync and
// fs.write are patched: a write to fd 1 or 2 goes through process.stdout / process.stderr,
// which LogCapture hooks. Pipes and files behind fd 1 and 2 are written synchronously by
// Node on Linux, so the order of writes is kept. Writes to any other fd are untouched.
import type * as FsModule from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";

type Fs = typeof FsModule;
type AnyFunction = (...args: unknown[]) => unknown;

let installed = false;

/**
 * Routes `fs.writeSync` and `fs.write` calls on fd 1 and 2 through process.stdout and
 * process.stderr (looked up at each call, so LogCapture's hooks apply). Idempotent; for
 * the task process only, which exits when the attempt ends.
 */
export function routeFdWrites(): void {
  if (installed) return;
  installed = true;
  // The CommonJS exports object, which `import { writeSync } from "node:fs"` reflects after syncBuiltinESMExports().
  const fs = createRequire(import.meta.url)("node:fs") as Fs;
  const writeSync = fs.writeSync as unknown as AnyFunction;
  const write = fs.write as unknown as AnyFunction;
  const patch = fs as unknown as Record<string, unknown>;
  patch.writeSync = function (this: unknown, fd: unknown, ...args: unknown[]) {
    if (fd !== 1 && fd !== 2) return writeSync.call(this, fd, ...args);
    const bytes = bytesOf(args);
    (fd === 1 ? process.stdout : process.stderr).write(bytes);
    return bytes.byteLength;
  };
  patch.write = function (this: unknown, fd: unknown, ...args: unknown[]) {
    const callback = args.at(-1);
    if ((fd !== 1 && fd !== 2) || typeof callback !== "function") return write.call(this, fd, ...args);
    const data = args[0];
    const bytes = bytesOf(args.slice(0, -1));
    (fd === 1 ? process.stdout : process.stderr).write(bytes, () => callback(null, bytes.byteLength, data));
  };
  syncBuiltinESMExports();
}

/** The bytes a write call would write: (buffer, offset?, length?) or (string, position?, encoding?). */
function bytesOf([data, a, b]: unknown[]): Buffer {
  if (typeof data === "string") return Buffer.from(data, typeof b === "string" ? (b as BufferEncoding) : "utf8");
  const view = data as ArrayBufferView;
  const whole = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  if (a !== null && typeof a === "object") {
    const { offset = 0, length = whole.byteLength - offset } = a as { offset?: number; length?: number };
    return whole.subarray(offset, offset + length);
  }
  const offset = typeof a === "number" ? a : 0;
  const length = typeof b === "number" ? b : whole.byteLength - offset;
  return whole.subarray(offset, offset + length);
}
