import type { ArtifactSerializer } from "./registry.ts";

type TypedArrayClass = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView; readonly BYTES_PER_ELEMENT: number; readonly name: string };

/** Tag byte → class; the order is part of the stored format. */
const CLASSES: TypedArrayClass[] = [
  Buffer as unknown as TypedArrayClass,
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/**
 * Seven header bytes (the tag, then padding): with the datastore's one codec byte the
 * data starts 8 bytes into the blob, so a Float64Array can be a view of the bytes read,
 * not a copy.
 */
const HEADER = 7;

function tagOf(value: unknown): number {
  if (!ArrayBuffer.isView(value)) return -1;
  return CLASSES.findIndex((c) => Object.getPrototypeOf(value) === c.prototype);
}

/**
 * Buffers and typed arrays as their raw bytes: saving returns a view of the value, and
 * loading returns a view of the bytes read, so a 256 MiB array is never copied whole.
 */
export const typedArraySerializer: ArtifactSerializer = {
  name: "typed-array",
  canSerialize: (value) => tagOf(value) >= 0,
  serialize(value) {
    const view = value as ArrayBufferView;
    const header = new Uint8Array(HEADER);
    header[0] = tagOf(value);
    return [header, new Uint8Array(view.buffer, view.byteOffset, view.byteLength)];
  },
  deserialize(bytes) {
    const type = CLASSES[bytes[0]!];
    if (!type) throw new Error(`unknown typed array tag ${bytes[0]}`);
    let body = bytes.subarray(HEADER);
    // A copy only when the bytes read are misaligned for the element size.
    if (body.byteOffset % type.BYTES_PER_ELEMENT !== 0) body = new Uint8Array(body);
    if (type === CLASSES[0]) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return new type(body.buffer, body.byteOffset, body.byteLength / type.BYTES_PER_ELEMENT);
  },
  describe: (value) => (Buffer.isBuffer(value) ? "Buffer" : (value as object).constructor.name),
};
