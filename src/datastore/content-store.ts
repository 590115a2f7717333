import { createHash } from "node:crypto";
import { once } from "node:events";
import { createRequire } from "node:module";
import { WeftError } from "../errors/weft-error.ts";
import type { StorageBackend } from "./types.ts";

const RAW = 0;
const DEFLATE = 1;
const SAMPLE = 16 * 1024;
const MAX_ENTROPY_BITS = 7.2;
const MIN_COMPRESS = 256;

/** Serialized bytes, whole or as chunks that follow one another. */
export type Bytes = Uint8Array | readonly Uint8Array[];

export function sha256(bytes: Bytes): string {
  const hash = createHash("sha256");
  for (const chunk of chunksOf(bytes)) hash.update(chunk);
  return hash.digest("hex");
}

export function byteLength(bytes: Bytes): number {
  return chunksOf(bytes).reduce((n, c) => n + c.byteLength, 0);
}

function chunksOf(bytes: Bytes): readonly Uint8Array[] {
  return bytes instanceof Uint8Array ? [bytes] : bytes;
}

/**
 * The largest stored blob (codec byte included) that can be read back: Node's file reads
 * (fs.readFile, readFileSync) refuse files over 2^31 - 1 bytes (ERR_FS_FILE_TOO_LARGE),
 * and lazy artifacts are read whole. A limit for every backend, so a datastore stays
 * readable by the local client and after a copy between backends.
 */
export const MAX_STORED_BYTES = 2 ** 31 - 1;

export interface ContentStoreOptions {
  /** The largest stored blob; MAX_STORED_BYTES unless a test needs a small one. */
  maxStoredBytes?: number;
}

export class ContentStore {
  /** The largest stored blob; a value may serialize to one byte less (the codec byte). */
  readonly maxStoredBytes: number;

  constructor(
    private readonly backend: StorageBackend,
    private readonly prefix: string,
    options: ContentStoreOptions = {},
  ) {
    this.maxStoredBytes = options.maxStoredBytes ?? MAX_STORED_BYTES;
  }

  /** The largest serialized value that is stored and can be read back. */
  get maxValueBytes(): number {
    return this.maxStoredBytes - 1;
  }

  keyOf(sha: string): string {
    return `${this.prefix}/${sha.slice(0, 2)}/${sha}`;
  }

  /**
   * Stores each blob unless present; returns their SHA-256s in order. A blob is present
   * only when an object of its exact stored length is under its key: one cut short (a
   * write on a full disk, from an older Weft) is rewritten, never deduplicated against.
   * Backends whose writes are conditional creates publish whole objects only, so their
   * blobs are never short and need no check.
   */
  async save(blobs: Bytes[]): Promise<string[]> {
    const shas = blobs.map(sha256);
    const keys = shas.map((s) => this.keyOf(s));
    const encoded = await Promise.all(blobs.map(encode));
    const over = encoded.findIndex((data) => byteLength(data) > this.maxStoredBytes);
    if (over >= 0) throw tooLarge(`A value of ${byteLength(blobs[over]!)} bytes`, this.maxValueBytes);
    const sizes = this.backend.createsOnlyIfAbsent ? keys.map(() => null) : await this.backend.sizes(keys);
    const items = encoded.flatMap((data, i) => {
      const size = sizes[i] ?? null;
      if (size === byteLength(data)) return [];
      return [{ key: keys[i]!, data, durable: true, ...(size === null ? {} : { overwrite: true }) }];
    });
    if (items.length) await this.backend.putBytes(items);
    return shas;
  }

  /** The bytes of `sha`, verified; throws ARTIFACT_CORRUPT or NOT_FOUND. */
  loadSync(sha: string, what: string): Uint8Array {
    return this.check(sha, what, this.backend.getBytesSync(this.keyOf(sha)));
  }

  async load(shas: string[], what: (i: number) => string): Promise<Uint8Array[]> {
    const hashed = this.backend.getBytesHashed?.bind(this.backend);
    if (hashed) {
      // The backend hashed the payload (after the codec byte) as it arrived.
      return Promise.all(shas.map(async (sha, i) => {
        const got = await hashed(this.keyOf(sha), 1);
        return this.check(sha, what(i), got?.bytes ?? null, got?.sha256);
      }));
    }
    const stored = await this.backend.getBytes(shas.map((s) => this.keyOf(s)));
    return stored.map((b, i) => this.check(shas[i]!, what(i), b));
  }

  /** Decodes and verifies; `rawSha` is the payload's hash when the backend already has it. */
  private check(sha: string, what: string, stored: Uint8Array | null, rawSha?: string): Uint8Array {
    if (!stored) {
      throw new WeftError("NOT_FOUND", `${what}: its data ${sha.slice(0, 12)} is missing from the datastore at ${this.backend.root}.`, {
        hint: "The datastore was changed or cleaned outside Weft; re-run the flow that produced it.",
      });
    }
    let bytes: Uint8Array;
    try {
      bytes = decode(stored);
    } catch (cause) {
      throw corrupt(what, sha, this.keyOf(sha), cause);
    }
    const actual = stored[0] === RAW && rawSha !== undefined ? rawSha : sha256(bytes);
    if (actual !== sha) throw corrupt(what, sha, this.keyOf(sha));
    return bytes;
  }
}

/** A value too large to read back; refused before anything that refers to it is written. */
export function tooLarge(what: string, maxValueBytes: number): WeftError {
  return new WeftError("ARTIFACT_UNSERIALIZABLE", `${what} cannot be saved: the datastore stores at most ${maxValueBytes} bytes per artifact (2 GiB - 2), the most that can be read back.`, {
    hint: "Split the value into several artifacts (e.g. shards of rows or one array per column), each under 2 GiB.",
  });
}

function corrupt(what: string, sha: string, key: string, cause?: unknown): WeftError {
  return new WeftError("ARTIFACT_CORRUPT", `${what}: stored data does not match its hash ${sha.slice(0, 12)} (${key}).`, {
    hint: "The file was modified or truncated outside Weft. Re-run or resume the flow to produce it again.",
    cause,
  });
}

/** The stored form: a codec byte, then the bytes raw or deflated, as chunks (no concatenation). */
async function encode(bytes: Bytes): Promise<Uint8Array[]> {
  const chunks = chunksOf(bytes);
  if (byteLength(bytes) >= MIN_COMPRESS && looksCompressible(chunks)) {
    const deflated = await deflateChunks(chunks);
    // Never larger than raw: a stored blob is then at most one byte over the value, which
    // is what the size limit (MAX_STORED_BYTES) counts on.
    if (byteLength(deflated) < byteLength(bytes)) return [Uint8Array.of(DEFLATE), ...deflated];
  }
  return [Uint8Array.of(RAW), ...chunks];
}

/**
 * Byte entropy of the first 16 KiB: random numbers and compressed data sit near 8 bits
 * per byte and would not shrink. Costs microseconds, where trial compression of a sample
 * costs milliseconds per artifact.
 */
function looksCompressible(chunks: readonly Uint8Array[]): boolean {
  const counts = new Uint32Array(256);
  let seen = 0;
  for (const chunk of chunks) {
    const take = Math.min(chunk.byteLength, SAMPLE - seen);
    for (let i = 0; i < take; i++) counts[chunk[i]!]!++;
    seen += take;
    if (seen >= SAMPLE) break;
  }
  let entropy = 0;
  for (const count of counts) if (count) entropy -= (count / seen) * Math.log2(count / seen);
  return entropy < MAX_ENTROPY_BITS;
}

/** Deflates chunk by chunk, so compressing a large value never needs it in one piece. */
async function deflateChunks(chunks: readonly Uint8Array[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const deflate = zlib().createDeflateRaw({ level: 3 });
  deflate.on("data", (d: Buffer) => out.push(d));
  const ended = once(deflate, "end");
  for (const chunk of chunks) if (!deflate.write(chunk)) await once(deflate, "drain");
  deflate.end();
  await ended;
  return out;
}

function decode(stored: Uint8Array): Uint8Array {
  const payload = stored.subarray(1);
  if (stored[0] === RAW) return payload;
  if (stored[0] === DEFLATE) return zlib().inflateRawSync(payload);
  throw new Error(`unknown codec ${stored[0]}`);
}

let zlibModule: typeof import("node:zlib") | undefined;
/** node:zlib, loaded on first use: most task attempts neither compress nor inflate, and loading it costs each ~1 ms. */
function zlib(): typeof import("node:zlib") {
  zlibModule ??= createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib");
  return zlibModule;
}
