import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { WeftError } from "../errors/weft-error.ts";
import type { StorageBackend } from "./types.ts";

const RAW = 0;
const DEFLATE = 1;
const SAMPLE = 64 * 1024;
const MIN_COMPRESS = 256;

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Content-addressed blobs under `<prefix>/<sha[0:2]>/<sha>`: the key is the SHA-256
 * of the uncompressed bytes, so equal values are stored once and every read can be
 * verified. Each blob starts with one codec byte; data whose first 64 KiB do not
 * compress (random numbers, already-compressed files) is stored raw, because
 * deflating it costs time and saves nothing.
 */
export class ContentStore {
  constructor(
    private readonly backend: StorageBackend,
    private readonly prefix: string,
  ) {}

  keyOf(sha: string): string {
    return `${this.prefix}/${sha.slice(0, 2)}/${sha}`;
  }

  /** Stores each blob unless present; returns their SHA-256s in order. */
  async save(blobs: Uint8Array[]): Promise<string[]> {
    const shas = blobs.map(sha256);
    const keys = shas.map((s) => this.keyOf(s));
    const present = await this.backend.exists(keys);
    const items = blobs.flatMap((b, i) => (present[i] ? [] : [{ key: keys[i]!, data: encode(b), durable: true }]));
    if (items.length) await this.backend.putBytes(items);
    return shas;
  }

  /** The bytes of `sha`, verified; throws ARTIFACT_CORRUPT or NOT_FOUND. */
  loadSync(sha: string, what: string): Uint8Array {
    return this.check(sha, what, this.backend.getBytesSync(this.keyOf(sha)));
  }

  async load(shas: string[], what: (i: number) => string): Promise<Uint8Array[]> {
    const stored = await this.backend.getBytes(shas.map((s) => this.keyOf(s)));
    return stored.map((b, i) => this.check(shas[i]!, what(i), b));
  }

  private check(sha: string, what: string, stored: Uint8Array | null): Uint8Array {
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
    if (sha256(bytes) !== sha) throw corrupt(what, sha, this.keyOf(sha));
    return bytes;
  }
}

function corrupt(what: string, sha: string, key: string, cause?: unknown): WeftError {
  return new WeftError("ARTIFACT_CORRUPT", `${what}: stored data does not match its hash ${sha.slice(0, 12)} (${key}).`, {
    hint: "The file was modified or truncated outside Weft. Re-run or resume the flow to produce it again.",
    cause,
  });
}

function encode(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength >= MIN_COMPRESS) {
    const sample = bytes.subarray(0, SAMPLE);
    if (deflateRawSync(sample, { level: 1 }).byteLength < sample.byteLength * 0.8) {
      return withCodec(DEFLATE, deflateRawSync(bytes, { level: 3 }));
    }
  }
  return withCodec(RAW, bytes);
}

function withCodec(codec: number, payload: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(payload.byteLength + 1);
  out[0] = codec;
  out.set(payload, 1);
  return out;
}

function decode(stored: Uint8Array): Uint8Array {
  const payload = stored.subarray(1);
  if (stored[0] === RAW) return payload;
  if (stored[0] === DEFLATE) return inflateRawSync(payload);
  throw new Error(`unknown codec ${stored[0]}`);
}
