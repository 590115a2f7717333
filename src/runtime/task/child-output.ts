// Output of child processes that would write straight to this process's fd 1 or 2
// (inherited stdio) goes around process.stdout.write, so the task's log capture and
// secret masking never see it. In the task process, node:child_process is patched so
// that such output passes through process.stdout / process.stderr instead.
import type * as ChildProcessModule from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { LogCapture } from "./log-capture.ts";

type Module = typeof ChildProcessModule;
type Target = 1 | 2;
/** Receives the forwarded output of one stream. */
export type OutputWriter = (chunk: Uint8Array | string) => void;

/** Where forwarded output goes, by the fd of this process it would have reached. */
export interface ChildOutputWriters {
  stdout: OutputWriter;
  stderr: OutputWriter;
}

const PATCHED = ["spawn", "spawnSync", "execSync", "execFileSync", "fork"] as const;
const READ_CHUNK = 1024 * 1024;

/** How long the end of a task waits for output still in its child processes' pipes. */
const CHILD_OUTPUT_GRACE_MS = 1000;

let installed: { childProcess: Module; originals: Pick<Module, (typeof PATCHED)[number]>; open: Set<Readable> } | undefined;

/**
 * Routes the output of child processes into `capture` (installChildOutput), and makes
 * its close() wait, briefly, for output still in their pipes.
 */
export function routeChildOutput(capture: LogCapture): void {
  installChildOutput();
  capture.waitBeforeClose(() => childOutputSettled(CHILD_OUTPUT_GRACE_MS));
}

/**
 * Makes child processes' output that would inherit this process's fd 1 or 2 go through
 * `writers` (by default process.stdout.write / process.stderr.write, as patched by
 * LogCapture). Covers spawn and fork (stdio "inherit", 1, 2, process.stdout or
 * process.stderr, and fork's inherited default): those entries become pipes, forwarded
 * as data arrives. Covers spawnSync, execSync and execFileSync: those entries become a
 * temporary file, written out once the call returns, so the caller still gets the
 * result of an inherited stdio (null outputs, no stderr in error messages) and no
 * maxBuffer applies. exec and execFile need nothing: they always pipe.
 *
 * Idempotent; returns a function that restores the originals.
 */
export function installChildOutput(writers: ChildOutputWriters = processWriters()): () => void {
  if (installed) return uninstallChildOutput;
  // The CommonJS exports object: the one that `import { spawn } from "node:child_process"`
  // reflects after syncBuiltinESMExports().
  const childProcess = createRequire(import.meta.url)("node:child_process") as Module;
  const originals = { spawn: childProcess.spawn, spawnSync: childProcess.spawnSync, execSync: childProcess.execSync, execFileSync: childProcess.execFileSync, fork: childProcess.fork };
  const open = new Set<Readable>();
  installed = { childProcess, originals, open };
  const patch = childProcess as unknown as Record<string, unknown>;
  patch.spawn = asyncVariant(originals.spawn as AnyFunction, "pipe", writers, open);
  patch.fork = asyncVariant(originals.fork as AnyFunction, "fork", writers, open);
  patch.spawnSync = syncVariant(originals.spawnSync as AnyFunction, argsOptionsAt(1), writers);
  patch.execFileSync = syncVariant(originals.execFileSync as AnyFunction, argsOptionsAt(1), writers);
  patch.execSync = syncVariant(originals.execSync as AnyFunction, () => 1, writers);
  syncBuiltinESMExports();
  return uninstallChildOutput;
}

function uninstallChildOutput(): void {
  if (!installed) return;
  Object.assign(installed.childProcess, installed.originals);
  installed = undefined;
  syncBuiltinESMExports();
}

/**
 * Resolves once the forwarded output of every child has ended, or after `timeoutMs`: a
 * child's pipe can still hold output after its "exit" event, and the task must not end
 * before that output is saved. A background child that keeps its pipe open hits the limit.
 */
export async function childOutputSettled(timeoutMs: number): Promise<void> {
  const open = installed?.open;
  if (!open?.size) return;
  let timer: NodeJS.Timeout | undefined;
  const ended = [...open].map((stream) => new Promise<void>((resolve) => stream.once("close", resolve)));
  await Promise.race([Promise.all(ended), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

function processWriters(): ChildOutputWriters {
  // Looked up on each call: LogCapture replaces the write methods when it installs.
  return { stdout: (chunk) => process.stdout.write(chunk), stderr: (chunk) => process.stderr.write(chunk) };
}

type AnyFunction = (...args: unknown[]) => unknown;
type StdioEntry = unknown;

/** Where the options object is for functions called as (file, args?, options?). */
function argsOptionsAt(fileArgs: number): (args: unknown[]) => number {
  return (args) => (args[fileArgs] === undefined || args[fileArgs] === null || Array.isArray(args[fileArgs]) ? fileArgs + 1 : fileArgs);
}

/**
 * The stdio entries a call would use, padded to three; undefined when they are not of a
 * form Node accepts (the original call then reports the error).
 */
function stdioOf(stdio: unknown, kind: "pipe" | "fork", silent: unknown): StdioEntry[] | undefined {
  const expand = (s: unknown): StdioEntry[] | undefined => (s === "inherit" ? [0, 1, 2] : s === "pipe" || s === "ignore" || s === "overlapped" ? [s, s, s] : undefined);
  let list: StdioEntry[] | undefined;
  if (stdio === undefined || stdio === null) list = kind === "fork" ? [...expand(silent ? "pipe" : "inherit")!, "ipc"] : ["pipe", "pipe", "pipe"];
  else if (typeof stdio === "string") list = kind === "fork" ? (expand(stdio) && [...expand(stdio)!, "ipc"]) : expand(stdio);
  else if (Array.isArray(stdio)) list = [...stdio];
  while (list && list.length < 3) list.push(undefined);
  return list;
}

/** The fd of this process (1 or 2) that a child's stdio entry at `index` would write to. */
function targetOf(entry: StdioEntry, index: number): Target | undefined {
  if (index === 0) return undefined;
  if (entry === "inherit") return index === 1 || index === 2 ? index : undefined;
  const fd = typeof entry === "number" ? entry : entry !== null && typeof entry === "object" && typeof (entry as { fd?: unknown }).fd === "number" ? (entry as { fd: number }).fd : undefined;
  return fd === 1 || fd === 2 ? fd : undefined;
}

/** The call's arguments with the stdio entries that write to fd 1 or 2 replaced by `replace(target)`. */
function redirect(args: unknown[], optionsAt: number, kind: "pipe" | "fork", replace: (target: Target) => StdioEntry): { args: unknown[]; targets: Map<number, Target> } | undefined {
  const options = args[optionsAt];
  if (options !== undefined && options !== null && typeof options !== "object") return undefined;
  const given = (options ?? {}) as { stdio?: unknown; silent?: unknown };
  const stdio = stdioOf(given.stdio, kind, given.silent);
  if (!stdio) return undefined;
  const targets = new Map<number, Target>();
  stdio.forEach((entry, index) => {
    const target = targetOf(entry, index);
    if (target) targets.set(index, target);
  });
  if (!targets.size) return undefined;
  const rewritten = stdio.map((entry, index) => (targets.has(index) ? replace(targets.get(index)!) : entry));
  const out = [...args];
  while (out.length < optionsAt) out.push(undefined);
  out[optionsAt] = { ...given, stdio: rewritten };
  return { args: out, targets };
}

function asyncVariant(original: AnyFunction, kind: "pipe" | "fork", writers: ChildOutputWriters, open: Set<Readable>): AnyFunction {
  const optionsAt = argsOptionsAt(1);
  return function patched(this: unknown, ...args: unknown[]) {
    const redirected = redirect(args, optionsAt(args), kind, () => "pipe");
    if (!redirected) return original.apply(this, args);
    const child = original.apply(this, redirected.args) as ChildProcessModule.ChildProcess;
    for (const [index, target] of redirected.targets) {
      const stream = child.stdio[index] as Readable | null | undefined;
      if (!stream) continue;
      open.add(stream);
      stream.on("close", () => open.delete(stream));
      stream.on("data", (chunk: Buffer) => (target === 1 ? writers.stdout : writers.stderr)(chunk));
      // As with inherited stdio, the caller sees no stream here.
      (child.stdio as unknown[])[index] = null;
      if (index === 1) child.stdout = null;
      if (index === 2) child.stderr = null;
    }
    return child;
  };
}

function syncVariant(original: AnyFunction, optionsAt: (args: unknown[]) => number, writers: ChildOutputWriters): AnyFunction {
  return function patched(this: unknown, ...args: unknown[]) {
    const files = new Map<Target, number>();
    let redirected: ReturnType<typeof redirect>;
    try {
      redirected = redirect(args, optionsAt(args), "pipe", (target) => {
        let fd = files.get(target);
        if (fd === undefined) files.set(target, (fd = tempFd()));
        return fd;
      });
    } catch {
      // No temp file (a full or read-only $TMPDIR): the call still runs, its output uncaptured.
      for (const fd of files.values()) closeSync(fd);
      redirected = undefined;
    }
    if (!redirected) return original.apply(this, args);
    try {
      return original.apply(this, redirected.args);
    } finally {
      for (const [target, fd] of files) {
        try {
          forwardFile(fd, target === 1 ? writers.stdout : writers.stderr);
        } finally {
          closeSync(fd);
        }
      }
    }
  };
}

/** An open, already unlinked temp file: nothing is left behind, even after a crash. */
function tempFd(): number {
  const path = join(tmpdir(), `weft-child-output-${process.pid}-${randomBytes(6).toString("hex")}`);
  const fd = openSync(path, "w+", 0o600);
  unlinkSync(path);
  return fd;
}

/** Writes a file's bytes in chunks cut after a newline where possible, so a masked secret is not split. */
function forwardFile(fd: number, write: OutputWriter): void {
  const size = fstatSync(fd).size;
  let carry = Buffer.alloc(0);
  for (let position = 0; position < size; ) {
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - position));
    const read = readSync(fd, buffer, 0, buffer.byteLength, position);
    if (read === 0) break;
    position += read;
    const data = carry.byteLength ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
    const cut = position < size ? data.lastIndexOf(10) + 1 : data.byteLength;
    const whole = cut > 0 ? cut : data.byteLength;
    write(data.subarray(0, whole));
    carry = Buffer.from(data.subarray(whole));
  }
  if (carry.byteLength) write(carry);
}
