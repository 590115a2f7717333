import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { link, mkdir, open, readdir, readFile, rename, rm, unlink, writeFile, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { folderWriteError } from "../../errors/fs-errors.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { unappendedPart } from "../append.ts";
import { LOCAL_ROOT_VARIABLE } from "./local-root.ts";
import type { AppendItem, PutItem, StorageBackend } from "../types.ts";

/**
 * The local filesystem backend. Each write goes to a temporary file in the target
 * folder (flushed to disk when durable) and is renamed into place, so a crash at any
 * moment leaves either the old object or the new one, never a torn file. Appended
 * objects (logs) are the exception: they grow in place.
 */
export class LocalBackend implements StorageBackend {
  readonly kind = "local";
  constructor(readonly root: string) {}

  localPath(key: string): string {
    return join(this.root, ...key.split("/"));
  }

  async exists(keys: string[]): Promise<boolean[]> {
    return keys.map((k) => isFile(this.localPath(k)));
  }

  async sizes(keys: string[]): Promise<(number | null)[]> {
    return keys.map((k) => {
      const stat = statSync(this.localPath(k), { throwIfNoEntry: false });
      return stat?.isFile() ? stat.size : null;
    });
  }

  async putBytes(items: PutItem[]): Promise<void> {
    try {
      for (const item of items) if (!item.durable) this.putSync(item);
      await Promise.all(items.filter((i) => i.durable).map((i) => this.putDurable(i)));
    } catch (error) {
      throw this.writeError(error);
    }
  }

  /** A root that is a file, read-only or full is the user's to fix (exit 2), not an internal error. */
  private writeError(error: unknown): unknown {
    return folderWriteError(error, { root: this.root, variable: LOCAL_ROOT_VARIABLE });
  }

  /** Small writes that need no flush: synchronous, cheaper than a round-trip to the thread pool. */
  private putSync(item: PutItem): void {
    const path = this.localPath(item.key);
    if (!item.overwrite && isFile(path)) return;
    const tmp = tempName(path);
    let fd: number;
    try {
      fd = openSync(tmp, "w");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(tmp, "w");
    }
    try {
      for (const chunk of chunks(item.data)) {
        for (let offset = 0; offset < chunk.byteLength; ) {
          const wrote = writeSync(fd, chunk, offset);
          if (wrote === 0) throw shortWrite(item, path, offset, chunk.byteLength);
          offset += wrote;
        }
      }
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, path);
  }

  /** Flushed before the rename; asynchronous so that concurrent writers overlap their flushes. */
  private async putDurable(item: PutItem): Promise<void> {
    const path = this.localPath(item.key);
    if (!item.overwrite && isFile(path)) return;
    const tmp = tempName(path);
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(tmp, "w");
    try {
      await writeAll(handle, chunks(item.data), item, path);
      await handle.datasync();
    } catch (err) {
      await handle.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    await rename(tmp, path);
  }

  async appendBytes(items: AppendItem[]): Promise<void> {
    try {
      for (const item of items) this.appendSync(item);
    } catch (error) {
      throw this.writeError(error);
    }
  }

  /**
   * Writes at the writer's offset rather than with O_APPEND: a retried append then
   * rewrites the bytes it already wrote instead of adding them twice. Synchronous, as
   * small unflushed writes (putSync); logs are not flushed.
   */
  private appendSync(item: AppendItem): void {
    const path = this.localPath(item.key);
    const flags = constants.O_WRONLY | constants.O_CREAT;
    let fd: number;
    try {
      fd = openSync(path, flags);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(path, flags);
    }
    try {
      if (item.data.byteLength === 0) return;
      const length = fstatSync(fd).size;
      const rest = unappendedPart(item, length, this.root);
      for (let done = 0; done < rest.byteLength; ) done += writeSync(fd, rest, done, rest.byteLength - done, length + done);
    } finally {
      closeSync(fd);
    }
  }

  async createExclusive(key: string, data: Uint8Array): Promise<boolean> {
    const path = this.localPath(key);
    const tmp = tempName(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, data, { flush: true });
    } catch (error) {
      throw this.writeError(error);
    }
    try {
      // link() fails if the name exists, and publishes the whole file at once.
      await link(tmp, path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    } finally {
      await unlink(tmp);
    }
  }

  async getBytes(keys: string[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(
      keys.map((k) =>
        readFile(this.localPath(k)).catch((err: NodeJS.ErrnoException) => {
          if (isMissing(err)) return null;
          throw err;
        }),
      ),
    );
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | null> {
    let handle: FileHandle;
    try {
      handle = await open(this.localPath(key), "r");
    } catch (err) {
      if (isMissing(err as NodeJS.ErrnoException)) return null;
      throw err;
    }
    try {
      const size = (await handle.stat()).size;
      const want = Math.max(0, Math.min(length, size - offset));
      const out = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(out, got, want - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return out.subarray(0, got);
    } finally {
      await handle.close();
    }
  }

  getBytesSync(key: string): Uint8Array | null {
    try {
      return readFileSync(this.localPath(key));
    } catch (err) {
      if (isMissing(err as NodeJS.ErrnoException)) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.localPath(prefix.replace(/\/$/, ""));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err as NodeJS.ErrnoException)) return [];
      throw err;
    }
    const base = prefix.endsWith("/") || prefix === "" ? prefix : `${prefix}/`;
    return entries.filter((e) => !e.name.endsWith(".tmp")).map((e) => `${base}${e.name}${e.isDirectory() ? "/" : ""}`);
  }
}

/**
 * Writes every byte: writev may write fewer bytes than asked (a filling disk, a signal),
 * and a short file renamed into place would be a truncated blob under its hash. A
 * call that writes nothing at all fails rather than spinning.
 */
async function writeAll(handle: FileHandle, data: readonly Uint8Array[], item: PutItem, path: string): Promise<void> {
  const total = data.reduce((n, c) => n + c.byteLength, 0);
  let pending = data.filter((c) => c.byteLength > 0);
  for (let done = 0; done < total; ) {
    const { bytesWritten } = await handle.writev(pending as Uint8Array[]);
    if (bytesWritten === 0) throw shortWrite(item, path, done, total);
    done += bytesWritten;
    pending = dropBytes(pending, bytesWritten);
  }
}

/** The chunks without their first `count` bytes (views, no copies). */
function dropBytes(data: readonly Uint8Array[], count: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  for (const chunk of data) {
    if (count >= chunk.byteLength) {
      count -= chunk.byteLength;
      continue;
    }
    rest.push(count ? chunk.subarray(count) : chunk);
    count = 0;
  }
  return rest;
}

function shortWrite(item: PutItem, path: string, done: number, total: number): WeftError {
  return new WeftError("DATASTORE", `Writing "${item.key}" to ${path} stopped: the disk wrote ${done} of ${total} bytes.`, {
    hint: "The disk is probably full. Free space under the datastore root (or point WEFT_DATASTORE_SYSROOT_LOCAL elsewhere) and resume the run.",
    transient: true,
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch (err) {
    // A path through a file names no object; the write that follows reports why.
    if ((err as NodeJS.ErrnoException).code === "ENOTDIR") return false;
    throw err;
  }
}

/** A key that names no object: nothing there, a folder, or a path through a file. */
function isMissing(err: NodeJS.ErrnoException): boolean {
  return err.code === "ENOENT" || err.code === "EISDIR" || err.code === "ENOTDIR";
}

function tempName(path: string): string {
  return `${path}.${randomBytes(6).toString("hex")}.tmp`;
}

function chunks(data: PutItem["data"]): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}
