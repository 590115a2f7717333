import type { PreviewNode } from "./preview-node.ts";
import { typedSummary } from "./typed-summary.ts";

/** How much of a value a preview keeps. */
export interface PreviewLimits {
  /** Items kept per array, object, map or set; the rest are read past and counted. */
  items: number;
  /** Characters kept per string. */
  chars: number;
  /** Nesting kept; deeper containers become `opaque`. */
  depth: number;
}

export const DEFAULT_LIMITS: PreviewLimits = { items: 100, chars: 2000, depth: 12 };

// Node's v8.serialize writes Buffer and typed arrays as host objects: a type index, then the bytes.
const HOST_VIEWS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "DataView", "Buffer", "BigInt64Array", "BigUint64Array", "Float16Array"];
const ERROR_NAMES: Record<string, string> = { E: "EvalError", R: "RangeError", F: "ReferenceError", S: "SyntaxError", T: "TypeError", U: "URIError" };

/** Thrown when the bytes read end inside the value. */
class OutOfBytes extends Error {}

type Container = Extract<PreviewNode, { complete: boolean }>;

/**
 * Reads a prefix of V8's structured-clone format (node:v8 serialize, the `v8`
 * serializer) into a preview: as many items as `limits` keep, counting the rest, until
 * the value or the bytes end. A value cut by the end of the bytes keeps everything read
 * before, its open containers marked incomplete. Never evaluates anything: the format
 * holds data only, and unknown tags end the preview with an `opaque` note.
 */
export function previewV8(bytes: Uint8Array, limits: PreviewLimits = DEFAULT_LIMITS): { value: PreviewNode; complete: boolean } {
  const reader = new V8Reader(bytes, limits);
  try {
    reader.header();
    const value = reader.value(0, (node) => (reader.root = node));
    return { value, complete: reader.pos <= bytes.byteLength };
  } catch (error) {
    if (!(error instanceof OutOfBytes)) throw error;
    for (const open of reader.open) open.complete = false;
    return { value: reader.root ?? { kind: "cut" }, complete: false };
  }
}

class V8Reader {
  pos = 0;
  /** The containers being read, outermost first: marked incomplete if the bytes end. */
  readonly open: Container[] = [];
  root: PreviewNode | undefined;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: PreviewLimits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  header(): void {
    if (this.byte() !== 0xff) throw new Error("not V8 serialization: no version header");
    this.varint();
  }

  /**
   * Reads one value; `depth` 0 is the root. `attach` puts it in its parent: a container
   * at once (so a cut keeps what was read of it), anything else when read.
   */
  value(depth: number, attach?: (node: PreviewNode) => void): PreviewNode {
    let tag = this.byte();
    while (tag === 0) tag = this.byte(); // padding
    const node = this.tagged(String.fromCharCode(tag), depth, attach);
    if (!("complete" in node)) attach?.(node);
    return node;
  }

  private tagged(tag: string, depth: number, attach: ((node: PreviewNode) => void) | undefined): PreviewNode {
    switch (tag) {
      case "_": return { kind: "undefined" };
      case "0": return { kind: "null" };
      case "T": return { kind: "boolean", value: true };
      case "F": return { kind: "boolean", value: false };
      case "I": return number(zigzag(this.varint()));
      case "U": return number(this.varint());
      case "N": return number(this.double());
      case "Z": return { kind: "bigint", value: this.bigint() };
      case '"': case "c": case "S": return this.string(tag);
      case "D": return { kind: "date", value: new Date(this.double()).toISOString() };
      case "R": return this.regexp();
      case "^": this.varint(); return { kind: "ref" };
      case "y": case "x": return { kind: "boolean", value: tag === "y" };
      case "n": return number(this.double());
      case "z": return { kind: "bigint", value: this.bigint() };
      case "s": return this.value(depth + 1);
      case "o": return this.object(depth, attach);
      case "A": case "a": return this.array(tag === "A", depth, attach);
      case ";": return this.map(depth, attach);
      case "'": return this.set(depth, attach);
      case "B": return this.hostBytes("ArrayBuffer", this.varint());
      case "\\": {
        const type = HOST_VIEWS[this.varint()] ?? "TypedArray";
        return this.hostBytes(type, this.varint());
      }
      case "r": return this.error(depth);
      case "-": return { kind: "undefined" }; // a hole in a dense array
      default: {
        const note = `a value this preview cannot show (V8 tag 0x${tag.charCodeAt(0).toString(16)})`;
        this.pos = this.bytes.byteLength; // nothing after an unknown tag can be read reliably
        return { kind: "opaque", note };
      }
    }
  }

  /** A container of `kind`, attached before its items are read so a cut keeps what was read. */
  private container<T extends Container>(node: T, depth: number, attach: ((node: PreviewNode) => void) | undefined, read: (node: T, keep: boolean) => void): T {
    attach?.(node);
    this.open.push(node);
    read(node, depth < this.limits.depth);
    this.open.pop();
    return node;
  }

  private keep(count: number, keep: boolean): boolean {
    return keep && count < this.limits.items;
  }

  private object(depth: number, attach: ((node: PreviewNode) => void) | undefined): PreviewNode {
    return this.container({ kind: "object", entries: [], count: 0, complete: true } as Extract<PreviewNode, { kind: "object" }>, depth, attach, (node, keep) => {
      for (;;) {
        if (this.peek() === 0x7b) { // '{'
          this.pos++;
          this.varint();
          break;
        }
        const key = this.key(depth);
        const kept = this.keep(node.count, keep);
        if (!kept) node.complete = false;
        node.count++;
        this.value(depth + 1, kept ? (value) => node.entries.push([key, value]) : undefined);
      }
    });
  }

  private array(dense: boolean, depth: number, attach: ((node: PreviewNode) => void) | undefined): PreviewNode {
    const length = this.varint();
    return this.container({ kind: "array", length, items: [], complete: true } as Extract<PreviewNode, { kind: "array" }>, depth, attach, (node, keep) => {
      if (dense) {
        for (let i = 0; i < length; i++) {
          const kept = this.keep(i, keep);
          if (!kept) node.complete = false;
          this.value(depth + 1, kept ? (value) => node.items.push(value) : undefined);
        }
      }
      // Then properties (all of a sparse array's elements are properties) up to the end tag.
      const end = dense ? 0x24 : 0x40; // '$' or '@'
      for (;;) {
        if (this.peek() === end) {
          this.pos++;
          this.varint();
          this.varint();
          break;
        }
        const key = this.key(depth);
        const value = this.value(depth + 1);
        const index = Number(key);
        if (!dense && Number.isInteger(index) && index >= node.items.length && this.keep(index, keep)) {
          while (node.items.length < index) node.items.push({ kind: "undefined" }); // holes
          node.items.push(value);
        } else if (!dense) node.complete = false;
      }
    });
  }

  private map(depth: number, attach: ((node: PreviewNode) => void) | undefined): PreviewNode {
    return this.container({ kind: "map", entries: [], count: 0, complete: true } as Extract<PreviewNode, { kind: "map" }>, depth, attach, (node, keep) => {
      while (this.peek() !== 0x3a) { // ':'
        const key = this.value(depth + 1);
        const kept = this.keep(node.count, keep);
        if (!kept) node.complete = false;
        node.count++;
        this.value(depth + 1, kept ? (value) => node.entries.push([key, value]) : undefined);
      }
      this.pos++;
      this.varint();
    });
  }

  private set(depth: number, attach: ((node: PreviewNode) => void) | undefined): PreviewNode {
    return this.container({ kind: "set", items: [], count: 0, complete: true } as Extract<PreviewNode, { kind: "set" }>, depth, attach, (node, keep) => {
      while (this.peek() !== 0x2c) { // ','
        const kept = this.keep(node.count, keep);
        if (!kept) node.complete = false;
        node.count++;
        this.value(depth + 1, kept ? (item) => node.items.push(item) : undefined);
      }
      this.pos++;
      this.varint();
    });
  }

  private error(depth: number): PreviewNode {
    let name = "Error";
    let message = "";
    let stack: string | undefined;
    for (;;) {
      const sub = String.fromCharCode(this.byte());
      if (sub === ".") break;
      if (ERROR_NAMES[sub]) name = ERROR_NAMES[sub]!;
      else if (sub === "m") message = text(this.value(depth + 1));
      else if (sub === "s") stack = text(this.value(depth + 1));
      else if (sub === "c") this.value(depth + 1); // cause: read past
      else return { kind: "opaque", note: `an error this preview cannot show (subtag ${sub})` };
    }
    return { kind: "error", name, message, ...(stack === undefined ? {} : { stack }) };
  }

  /** Typed array bytes: summarised from what is in the prefix, read past in full. */
  private hostBytes(type: string, byteLength: number): PreviewNode {
    const available = this.bytes.subarray(this.pos, Math.min(this.pos + byteLength, this.bytes.byteLength));
    // Past the end of the bytes read, the next read ends the preview; this summary is kept.
    this.pos += byteLength;
    return typedSummary(type, available, byteLength);
  }

  private key(depth: number): string {
    const key = this.value(depth + 1);
    if (key.kind === "string") return key.value;
    if (key.kind === "number") return String(key.value);
    return "?";
  }

  private regexp(): PreviewNode {
    const source = this.value(1);
    const flags = this.varint();
    const letters = ["g", "i", "m", "y", "u", "s", "l", "d", "v"].filter((_, i) => flags & (1 << i)).join("");
    return { kind: "regexp", value: `/${text(source)}/${letters}` };
  }

  private string(tag: string): PreviewNode {
    const byteLength = this.varint();
    const end = this.pos + byteLength;
    const keepBytes = Math.min(byteLength, this.limits.chars * (tag === "c" ? 2 : tag === "S" ? 4 : 1));
    const slice = this.need(keepBytes);
    const decoded = tag === '"' ? latin1(slice) : tag === "c" ? utf16(slice) : new TextDecoder().decode(slice);
    const length = tag === '"' ? byteLength : tag === "c" ? byteLength / 2 : decoded.length + (byteLength - keepBytes);
    this.pos = end;
    return { kind: "string", value: decoded.slice(0, this.limits.chars), length };
  }

  private bigint(): string {
    const bitfield = this.varint();
    const digits = this.need(Math.floor(bitfield / 2));
    let value = 0n;
    for (let i = digits.byteLength - 1; i >= 0; i--) value = (value << 8n) | BigInt(digits[i]!);
    return `${bitfield & 1 ? "-" : ""}${value}`;
  }

  private need(n: number): Uint8Array {
    if (this.pos + n > this.bytes.byteLength) throw new OutOfBytes();
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private byte(): number {
    if (this.pos >= this.bytes.byteLength) throw new OutOfBytes();
    return this.bytes[this.pos++]!;
  }

  private peek(): number {
    if (this.pos >= this.bytes.byteLength) throw new OutOfBytes();
    return this.bytes[this.pos]!;
  }

  private varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
    }
  }

  private double(): number {
    if (this.pos + 8 > this.bytes.byteLength) throw new OutOfBytes();
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }
}

const zigzag = (n: number) => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);
const number = (value: number): PreviewNode => ({ kind: "number", value: Number.isFinite(value) && !Object.is(value, -0) ? value : Object.is(value, -0) ? "-0" : String(value) });
const text = (node: PreviewNode) => (node.kind === "string" ? node.value : "");
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
const utf16 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength - (b.byteLength % 2)).toString("utf16le");
