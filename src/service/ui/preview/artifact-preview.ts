import { createInflateRaw } from "node:zlib";
import { ContentStore } from "../../../datastore/content-store.ts";
import { layout } from "../../../datastore/layout.ts";
import { readRange } from "../../../datastore/read-range.ts";
import type { StorageBackend } from "../../../datastore/types.ts";
import type { ArtifactMetadata } from "../../../metadata/types.ts";
import type { ArtifactPreview, PreviewNode } from "./preview-node.ts";
import { imageKind, typedSummary } from "./typed-summary.ts";
import { previewV8 } from "./v8-prefix.ts";

/** Bytes of a value a preview reads by default, and at most. */
export const DEFAULT_PREVIEW_BYTES = 1024 * 1024;
export const MAX_PREVIEW_BYTES = 16 * 1024 * 1024;
/** PNG and JPEG values up to this size are shown as images, read whole. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

const CHUNK = 256 * 1024;
// The stored form (content-store.ts): a codec byte, then the bytes raw or deflated.
const RAW = 0;
const DEFLATE = 1;
// typed-array.ts: a tag byte (the class, in this order) and 6 bytes of padding.
const TYPED_CLASSES = ["Buffer", "Uint8Array", "Int8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"];
const TYPED_HEADER = 7;

/**
 * A preview of one artifact computed from at most `cap` bytes of its value, streamed
 * from the datastore: a ranged read of a raw blob, or a deflated blob inflated only
 * until `cap` bytes came out. Undefined when the blob is missing.
 */
export async function previewArtifact(backend: StorageBackend, flow: string, artifact: ArtifactMetadata, cap = DEFAULT_PREVIEW_BYTES): Promise<ArtifactPreview | undefined> {
  const key = new ContentStore(backend, layout.contentPrefix(flow)).keyOf(artifact.sha);
  const want = Math.min(cap, artifact.size);
  const head = await readValueHead(backend, key, want);
  if (!head) return undefined;
  const base = { name: artifact.name, attempt: artifact.attempt, type: artifact.type, size: artifact.size, sha: artifact.sha };
  if (head[0] === 0xff) {
    const { value, complete } = previewV8(head);
    return { ...base, serializer: "v8", bytesRead: head.byteLength, whole: complete && head.byteLength >= artifact.size, value };
  }
  const typed = TYPED_CLASSES[head[0]!];
  if (typed && head.byteLength >= TYPED_HEADER) {
    const body = head.subarray(TYPED_HEADER);
    const bodyLength = artifact.size - TYPED_HEADER;
    const image = imageKind(body);
    let value: PreviewNode = typedSummary(typed, body, bodyLength);
    if (image && bodyLength <= MAX_IMAGE_BYTES) {
      const whole = body.byteLength >= bodyLength ? body : (await readValueHead(backend, key, artifact.size))?.subarray(TYPED_HEADER);
      if (whole) value = { kind: "image", mime: `image/${image}`, base64: Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength).toString("base64"), bytes: bodyLength };
    }
    return { ...base, serializer: "typed-array", bytesRead: head.byteLength, whole: head.byteLength >= artifact.size, value };
  }
  return { ...base, serializer: "unknown", bytesRead: head.byteLength, whole: false, value: { kind: "opaque", note: `saved by a serializer this service does not know (${artifact.type}); load it with the client: Task.artifact("${artifact.name}").data()` } };
}

/** The first `want` bytes of the value stored under `key` (after the codec byte, inflated), or null when missing. */
async function readValueHead(backend: StorageBackend, key: string, want: number): Promise<Uint8Array | null> {
  const first = await readRange(backend, key, 0, want + 1);
  if (!first || first.byteLength === 0) return first && new Uint8Array(0);
  if (first[0] === RAW) return first.subarray(1);
  if (first[0] !== DEFLATE) throw new Error(`unknown codec ${first[0]} in ${key}`);
  return inflateHead(backend, key, first.subarray(1), want);
}

/** Inflates the compressed bytes, reading more as needed, until `want` bytes came out or the blob ends. */
async function inflateHead(backend: StorageBackend, key: string, start: Uint8Array, want: number): Promise<Uint8Array> {
  const inflate = createInflateRaw();
  const out: Buffer[] = [];
  let produced = 0;
  inflate.on("data", (d: Buffer) => {
    out.push(d);
    produced += d.byteLength;
  });
  const failed = new Promise<never>((_, reject) => inflate.on("error", reject));
  failed.catch(() => {}); // raced below; an error after the last race has nothing left to fail
  let offset = 1 + start.byteLength;
  let chunk: Uint8Array = start;
  while (produced < want && chunk.byteLength > 0) {
    await Promise.race([new Promise<void>((resolve) => inflate.write(chunk, () => resolve())), failed]);
    await Promise.race([new Promise<void>((resolve) => inflate.flush(() => resolve())), failed]);
    if (produced >= want) break;
    chunk = (await readRange(backend, key, offset, CHUNK)) ?? new Uint8Array(0);
    offset += chunk.byteLength;
  }
  inflate.destroy();
  return Buffer.concat(out).subarray(0, want);
}
