import { unappendedPart } from "../../src/datastore/append.ts";
import type { AppendItem, PutItem, StorageBackend } from "../../src/datastore/types.ts";

const copy = (data: PutItem["data"]): Uint8Array => (data instanceof Uint8Array ? new Uint8Array(data) : new Uint8Array(Buffer.concat(data)));

/**
 * A StorageBackend in memory, with no local files (localPath is undefined), as a cloud
 * backend looks to the task runtime. Counts the bytes it is handed, so tests can tell a
 * rewrite from an append. Passes the shared contract (memory-backend.test.ts).
 */
export class MemoryBackend implements StorageBackend {
  readonly kind = "memory";
  readonly root = "memory://test";
  readonly objects = new Map<string, Uint8Array>();
  /** Bytes passed to putBytes, createExclusive and appendBytes, by key. */
  readonly bytesIn = new Map<string, number>();
  /** How many times each method was called. */
  readonly calls = { putBytes: 0, appendBytes: 0, getBytes: 0 };

  constructor(options: { append?: boolean } = {}) {
    // A backend without the optional method, as callers that fall back see it.
    if (options.append === false) (this as { appendBytes?: unknown }).appendBytes = undefined;
  }

  private count(key: string, n: number): void {
    this.bytesIn.set(key, (this.bytesIn.get(key) ?? 0) + n);
  }

  localPath(): undefined {
    return undefined;
  }

  async exists(keys: string[]): Promise<boolean[]> {
    return keys.map((k) => this.objects.has(k));
  }

  async sizes(keys: string[]): Promise<(number | null)[]> {
    return keys.map((k) => this.objects.get(k)?.byteLength ?? null);
  }

  async putBytes(items: PutItem[]): Promise<void> {
    this.calls.putBytes++;
    for (const item of items) {
      const data = copy(item.data);
      this.count(item.key, data.byteLength);
      if (item.overwrite || !this.objects.has(item.key)) this.objects.set(item.key, data);
    }
  }

  async createExclusive(key: string, data: Uint8Array): Promise<boolean> {
    this.count(key, data.byteLength);
    if (this.objects.has(key)) return false;
    this.objects.set(key, new Uint8Array(data));
    return true;
  }

  async appendBytes(items: AppendItem[]): Promise<void> {
    this.calls.appendBytes++;
    for (const item of items) {
      this.count(item.key, item.data.byteLength);
      const have = this.objects.get(item.key);
      if (item.data.byteLength === 0) {
        if (!have) this.objects.set(item.key, new Uint8Array(0));
        continue;
      }
      const rest = unappendedPart(item, have?.byteLength ?? 0, this.root);
      this.objects.set(item.key, new Uint8Array(Buffer.concat([have ?? new Uint8Array(0), rest])));
    }
  }

  async getBytes(keys: string[]): Promise<(Uint8Array | null)[]> {
    this.calls.getBytes++;
    return keys.map((k) => this.getBytesSync(k));
  }

  getBytesSync(key: string): Uint8Array | null {
    const data = this.objects.get(key);
    return data ? new Uint8Array(data) : null;
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix.endsWith("/") || prefix === "" ? prefix : `${prefix}/`;
    const found = new Set<string>();
    for (const key of this.objects.keys()) {
      if (!key.startsWith(base)) continue;
      const rest = key.slice(base.length);
      const slash = rest.indexOf("/");
      found.add(slash < 0 ? key : `${base}${rest.slice(0, slash + 1)}`);
    }
    return [...found];
  }
}
