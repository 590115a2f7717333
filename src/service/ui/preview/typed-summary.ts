import type { PreviewNode, TypedStats } from "./preview-node.ts";

const ELEMENT: Record<string, { size: number; read: (v: DataView, at: number) => number | bigint }> = {
  Int8Array: { size: 1, read: (v, at) => v.getInt8(at) },
  Uint8Array: { size: 1, read: (v, at) => v.getUint8(at) },
  Buffer: { size: 1, read: (v, at) => v.getUint8(at) },
  Uint8ClampedArray: { size: 1, read: (v, at) => v.getUint8(at) },
  Int16Array: { size: 2, read: (v, at) => v.getInt16(at, true) },
  Uint16Array: { size: 2, read: (v, at) => v.getUint16(at, true) },
  Int32Array: { size: 4, read: (v, at) => v.getInt32(at, true) },
  Uint32Array: { size: 4, read: (v, at) => v.getUint32(at, true) },
  Float32Array: { size: 4, read: (v, at) => v.getFloat32(at, true) },
  Float64Array: { size: 8, read: (v, at) => v.getFloat64(at, true) },
  BigInt64Array: { size: 8, read: (v, at) => v.getBigInt64(at, true) },
  BigUint64Array: { size: 8, read: (v, at) => v.getBigUint64(at, true) },
};

const HEAD = 20;
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

/** PNG or JPEG, by the signature at the start of the bytes. */
export function imageKind(bytes: Uint8Array): "png" | "jpeg" | undefined {
  const starts = (sig: number[]) => bytes.byteLength >= sig.length && sig.every((b, i) => bytes[i] === b);
  return starts(PNG) ? "png" : starts(JPEG) ? "jpeg" : undefined;
}

/**
 * A typed array (or Buffer, ArrayBuffer, DataView) summarised from `available`, the
 * first bytes of its `byteLength`: its first values, and min, max and mean over every
 * value in those bytes.
 */
export function typedSummary(type: string, available: Uint8Array, byteLength: number): PreviewNode {
  const element = ELEMENT[type] ?? ELEMENT.Uint8Array!;
  const length = Math.floor(byteLength / element.size);
  const view = new DataView(available.buffer, available.byteOffset, available.byteLength);
  const readable = Math.floor(available.byteLength / element.size);
  const head: (number | string)[] = [];
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < readable; i++) {
    const raw = element.read(view, i * element.size);
    const value = typeof raw === "bigint" ? Number(raw) : raw;
    if (i < HEAD) head.push(typeof raw === "bigint" ? raw.toString() : Number.isFinite(raw) ? raw : String(raw));
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
  }
  const stats: TypedStats | undefined = readable > 0 && Number.isFinite(sum) ? { min, max, mean: sum / readable, of: readable } : undefined;
  const image = element.size === 1 ? imageKind(available) : undefined;
  return { kind: "typed", type, length, head, ...(stats ? { stats } : {}), ...(image ? { image } : {}) };
}
