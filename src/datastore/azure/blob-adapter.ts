// The only module that uses the Azure SDKs (storage, through storage-sdk.ts, and
// identity). Imported lazily, when the Azure datastore is chosen, so local runs never load them.
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { BlobServiceClient, BlockBlobClient, ContainerClient, StoragePipelineOptions } from "@azure/storage-blob";
import type { TokenCredential } from "@azure/identity";
import { WeftError } from "../../errors/weft-error.ts";
import { appendConflict } from "../append.ts";
import type { AppendItem, PutItem, StorageBackend } from "../types.ts";
import { accountEndpoint, isPublicAuthority, type AzureSettings } from "./credentials.ts";
import { translateAzureError } from "./errors.ts";
import { retryTransient } from "./retry.ts";
import { Slots } from "./slots.ts";
import { storageSdk } from "./storage-sdk.ts";
import { readBlobSync } from "./sync-read.ts";
import { cachingCredential, TokenFileCache } from "./token-cache.ts";
import { WORKLOADS, type WorkloadSizing } from "./workload.ts";

// The SDK tries each request once: every request goes through Weft's one retry policy
// (retry.ts), which also retries 408, 429 and 502/504, cut response bodies, and writes of
// metadata records, where the SDK's policy did not. The long try timeout leaves room for
// large blocks on slow links.
const RETRY: StoragePipelineOptions["retryOptions"] = { maxTries: 1, tryTimeoutInMs: 10 * 60 * 1000 };

/** A cut body fails its try, and the one policy fetches the range again; no second retry layer. */
const NO_STREAM_RETRIES = { maxRetryRequests: 0 };

/** The most one Append Block request may carry (service versions before 2022-11-02, and Azurite). */
const APPEND_BLOCK_BYTES = 4 * 1024 * 1024;

/** Request bodies are written in views of this size, so that TLS encrypts as the socket drains. */
const BODY_PIECE_BYTES = 64 * 1024;

/**
 * A container client for the settings; the credential follows the chosen method.
 * @azure/identity (a third of a second to import) is loaded only for token credentials.
 */
export async function containerClient(settings: AzureSettings): Promise<ContainerClient> {
  const { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential } = await storageSdk(settings.codeCacheDir);
  const options: StoragePipelineOptions = { retryOptions: RETRY, userAgentOptions: { userAgentPrefix: "weft" } };
  const { auth } = settings;
  let service: BlobServiceClient;
  if (auth.method === "connection-string") {
    service = BlobServiceClient.fromConnectionString(auth.connectionString, options);
  } else if (auth.method === "account-key") {
    service = new BlobServiceClient(settings.endpoint ?? accountEndpoint(auth.accountName), new StorageSharedKeyCredential(auth.accountName, auth.accountKey), options);
  } else if (auth.method === "sas") {
    service = new BlobServiceClient(`${settings.endpoint ?? accountEndpoint(auth.accountName)}?${auth.sasToken}`, new AnonymousCredential(), options);
  } else {
    if (!settings.endpoint) throw new WeftError("CONFIG", "The Azure datastore does not know which storage account to use.", { hint: "Set AZURE_STORAGE_ACCOUNT_NAME or WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT, or use an abfss://container@account.dfs.core.windows.net/prefix root." });
    const defaultCredential = async (): Promise<TokenCredential> => {
      const { DefaultAzureCredential } = await import("@azure/identity");
      return new DefaultAzureCredential({
        ...(auth.authorityHost ? { authorityHost: auth.authorityHost } : {}),
        disableInstanceDiscovery: !isPublicAuthority(auth.authorityHost),
      });
    };
    // With a token shared by the user's other task processes, @azure/identity is not even loaded.
    const credential = auth.tokenCache ? (cachingCredential(new TokenFileCache(auth.tokenCache), defaultCredential) as TokenCredential) : await defaultCredential();
    service = new BlobServiceClient(settings.endpoint, credential, options);
  }
  dropFormDataPolicy(service);
  return service.getContainerClient(settings.container);
}

/**
 * The SDK's pipeline tests every request body with `instanceof FormData`, and the first
 * read of that global makes Node load undici: ~23 ms of CPU in every task process. Blob
 * requests never carry form data, so the policy is removed. storage-blob keeps the core
 * pipeline on its Pipeline object, shared by every client made from this one; if a
 * later SDK moves it, nothing is removed and the requests work as before.
 */
function dropFormDataPolicy(service: BlobServiceClient): void {
  const { pipeline } = service as unknown as { pipeline?: { _corePipeline?: { removePolicy(filter: { name: string }): unknown } } };
  pipeline?._corePipeline?.removePolicy({ name: "formDataPolicy" });
}

/** Blob Storage as a StorageBackend: keys live under the sysroot's prefix in one container. */
export class AzureBackend implements StorageBackend {
  readonly kind = "azure";
  readonly root: string;
  private readonly sizing: WorkloadSizing;
  /** Whole-blob downloads in flight, across calls: `parallelBlobs` at most. */
  private readonly downloads: Slots;

  private constructor(
    private readonly settings: AzureSettings,
    private readonly container: ContainerClient,
  ) {
    this.sizing = WORKLOADS[settings.workload];
    this.downloads = new Slots(this.sizing.parallelBlobs);
    this.root = `${container.url}${settings.prefix ? `/${settings.prefix}` : ""}`.replace(/\?.*$/, "");
  }

  static async open(settings: AzureSettings): Promise<AzureBackend> {
    return new AzureBackend(settings, await containerClient(settings));
  }

  localPath(): undefined {
    return undefined;
  }

  private blobName(key: string): string {
    return this.settings.prefix ? `${this.settings.prefix}/${key}` : key;
  }

  exists(keys: string[]): Promise<boolean[]> {
    return this.each(keys, "checking blobs", (key) => retryTransient(() => this.container.getBlobClient(this.blobName(key)).exists()));
  }

  sizes(keys: string[]): Promise<(number | null)[]> {
    return this.each(keys, "checking blobs", async (key) => {
      try {
        return (await retryTransient(() => this.container.getBlobClient(this.blobName(key)).getProperties())).contentLength ?? 0;
      } catch (error) {
        if (isBlobMissing(error)) return null;
        throw error;
      }
    });
  }

  /** A write without overwrite is a conditional create, so callers need not check first. */
  readonly createsOnlyIfAbsent = true;

  async putBytes(items: PutItem[]): Promise<void> {
    await this.each(items, "writing blobs", async (item) => {
      // A large object that exists is not sent again: one HEAD costs less than its bytes.
      if (!item.overwrite && sizeOf(item.data) > this.sizing.singleShotBytes && (await retryTransient(() => this.container.getBlobClient(this.blobName(item.key)).exists()))) return false;
      return this.upload(item.key, item.data, !item.overwrite);
    });
  }

  /**
   * A conditional create tagged with a random token in the blob's metadata. When a try
   * landed but its answer was lost, the retry finds the blob: its token says whether
   * this call created it (true) or another writer did (false), even with equal bytes.
   */
  async createExclusive(key: string, data: Uint8Array): Promise<boolean> {
    const token = randomUUID();
    return this.guard("creating a blob", async () => {
      if (await this.upload(key, data, true, { weftcreate: token })) return true;
      const properties = await retryTransient(() => this.container.getBlobClient(this.blobName(key)).getProperties());
      return properties.metadata?.weftcreate === token;
    });
  }

  getBytes(keys: string[]): Promise<(Uint8Array | null)[]> {
    return this.each(keys, "reading blobs", (key) => this.download(key));
  }

  /** One ranged download; a range past the end is empty (416), a missing blob null. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | null> {
    if (length <= 0) return this.sizes([key]).then(([size]) => (size === null ? null : new Uint8Array(0)));
    return this.guard("reading a blob", async () => {
      try {
        return await retryTransient(async () => collect((await this.container.getBlobClient(this.blobName(key)).download(offset, length, NO_STREAM_RETRIES)).readableStreamBody));
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 416) return new Uint8Array(0);
        if (isBlobMissing(error)) return null;
        throw error;
      }
    });
  }

  getBytesSync(key: string): Uint8Array | null {
    return readBlobSync(this.settings, this.blobName(key));
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix.endsWith("/") || prefix === "" ? prefix : `${prefix}/`;
    const full = this.blobName(base);
    const strip = full.length - base.length;
    return this.guard("listing blobs", async () => {
      // A listing is read again whole when a page fails: it has no side effects.
      return retryTransient(async () => {
        const keys: string[] = [];
        for await (const item of this.container.listBlobsByHierarchy("/", { prefix: full })) keys.push(item.name.slice(strip));
        return keys;
      });
    });
  }

  /** Append Blobs: keys in parallel, the items of one key one after another. */
  async appendBytes(items: AppendItem[]): Promise<void> {
    const byKey = new Map<string, AppendItem[]>();
    for (const item of items) byKey.set(item.key, [...(byKey.get(item.key) ?? []), item]);
    await this.each([...byKey.values()], "appending to blobs", async (ofKey) => {
      for (const item of ofKey) await this.appendOne(item);
    });
  }

  /**
   * Appends in blocks of at most 4 MiB, each on the condition that the blob's length is
   * where the block starts. A block whose first try landed but whose answer was lost
   * fails its retry (the SDK's or the writer's) with 412 instead of landing twice; the
   * blob's length then says how much of the item is already there. Creating the blob
   * costs a request only on the first append, when the blob is missing.
   */
  private async appendOne(item: AppendItem): Promise<void> {
    const client = this.container.getAppendBlobClient(this.blobName(item.key));
    const data = Buffer.from(item.data.buffer, item.data.byteOffset, item.data.byteLength);
    const end = item.offset + data.byteLength;
    if (data.byteLength === 0) {
      await retryTransient(() => client.createIfNotExists());
      return;
    }
    let created = false;
    for (let at = item.offset; at < end; ) {
      const block = data.subarray(at - item.offset, Math.min(at - item.offset + APPEND_BLOCK_BYTES, data.byteLength));
      try {
        // A retry after a lost answer gets 412, handled below like any other.
        await retryTransient(() => client.appendBlock(block, block.byteLength, { conditions: { appendPosition: at } }));
        at += block.byteLength;
      } catch (error) {
        const code = errorCode(error);
        if (code === "BlobNotFound" && at === 0 && !created) {
          await retryTransient(() => client.createIfNotExists());
          created = true;
          continue;
        }
        if (code === "BlobNotFound") throw appendConflict(item, null, this.root);
        if (code !== "AppendPositionConditionNotMet") throw error;
        const length = (await retryTransient(() => client.getProperties())).contentLength ?? 0;
        // Bytes this call appended must still be there, and nothing beyond the item.
        if (length < at || length > end) throw appendConflict(item, length, this.root);
        at = length;
      }
    }
  }

  /**
   * Uploads one object; `ifAbsent` makes it a conditional create. Resolves to whether it
   * wrote: false when the object exists, which after a lost answer may be this call's own
   * first try (harmless for content-addressed keys; createExclusive tells them apart).
   */
  private async upload(key: string, data: PutItem["data"], ifAbsent: boolean, metadata?: Record<string, string>): Promise<boolean> {
    const client = this.container.getBlockBlobClient(this.blobName(key));
    // Buffer views, not copies: the SDK's block scheduler calls Buffer methods on them.
    const chunks = (data instanceof Uint8Array ? [data] : data).map((c) => (Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
    const size = chunks.reduce((n, c) => n + c.byteLength, 0);
    const conditions = { ...(ifAbsent ? { conditions: { ifNoneMatch: "*" } } : {}), ...(metadata ? { metadata } : {}) };
    try {
      if (size <= this.sizing.singleShotBytes) {
        await retryTransient(() => client.upload(streamOf(chunks), size, conditions));
      } else {
        await this.uploadBlocks(client, chunks, conditions);
      }
      return true;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (ifAbsent && (status === 409 || status === 412)) return false;
      throw error;
    }
  }

  /**
   * Stages blocks cut from views of the value, `blockConcurrency` at a time, then commits
   * the list: memory beyond the value is one block at a chunk boundary, and the
   * condition applies at the commit.
   */
  private async uploadBlocks(client: BlockBlobClient, chunks: Buffer[], conditions: { conditions?: { ifNoneMatch: string }; metadata?: Record<string, string> }): Promise<void> {
    const blocks = cutBlocks(chunks, this.sizing.blockBytes);
    const ids = blocks.map((_, i) => Buffer.from(`weft-block-${String(i).padStart(8, "0")}`).toString("base64"));
    let next = 0;
    const stage = async () => {
      while (next < blocks.length) {
        const at = next++;
        // Staging a block again replaces it: a retry is always safe.
        await retryTransient(() => client.stageBlock(ids[at]!, streamOf([blocks[at]!]), blocks[at]!.byteLength));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.sizing.blockConcurrency, blocks.length) }, stage));
    await retryTransient(() => client.commitBlockList(ids, conditions));
  }

  async getBytesHashed(key: string, skip: number): Promise<{ bytes: Uint8Array; sha256: string } | null> {
    return this.guard("reading a blob", async () => {
      const hash = createHash("sha256");
      const bytes = await this.download(key, (piece, offset) => hash.update(offset >= skip ? piece : piece.subarray(skip - offset)));
      return bytes && { bytes, sha256: hash.digest("hex") };
    });
  }

  /**
   * One blob: a single request when small; else the first block, then the rest in
   * parallel ranges into one buffer. `onInOrder` sees the bytes in order, each range as
   * soon as all before it have arrived, so hashing overlaps the transfer.
   */
  private download(key: string, onInOrder?: (piece: Buffer, offset: number) => void): Promise<Uint8Array | null> {
    return this.downloads.run(() => this.downloadNow(key, onInOrder));
  }

  private async downloadNow(key: string, onInOrder?: (piece: Buffer, offset: number) => void): Promise<Uint8Array | null> {
    const client = this.container.getBlobClient(this.blobName(key));
    try {
      let total = 0;
      let head: Buffer = Buffer.alloc(0);
      // A range cut mid-stream (a reset, a proxy timeout) is fetched again whole.
      await retryTransient(async () => {
        const first = await client.download(0, this.sizing.singleShotBytes, NO_STREAM_RETRIES);
        total = Number(/\/(\d+)$/.exec(first.contentRange ?? "")?.[1] ?? first.contentLength ?? 0);
        head = await collect(first.readableStreamBody, first.contentLength);
      });
      onInOrder?.(head, 0);
      if (head.byteLength >= total) return head;
      const out = Buffer.allocUnsafe(total);
      out.set(head, 0);
      const ranges: [number, number][] = [];
      for (let at = head.byteLength; at < total; at += this.sizing.blockBytes) ranges.push([at, Math.min(this.sizing.blockBytes, total - at)]);
      const done = new Array<boolean>(ranges.length).fill(false);
      let hashedUpTo = 0;
      let next = 0;
      const fetchRanges = async () => {
        while (next < ranges.length) {
          const at = next++;
          const [offset, count] = ranges[at]!;
          await retryTransient(async () => {
            const part = await client.download(offset, count, NO_STREAM_RETRIES);
            let into = offset;
            // Straight into place: no per-range buffer, so memory stays at the blob's size.
            for await (const piece of part.readableStreamBody!) {
              out.set(piece as Buffer, into);
              into += (piece as Buffer).byteLength;
            }
          });
          done[at] = true;
          for (; hashedUpTo < ranges.length && done[hashedUpTo]; hashedUpTo++) onInOrder?.(out.subarray(ranges[hashedUpTo]![0], ranges[hashedUpTo]![0] + ranges[hashedUpTo]![1]), ranges[hashedUpTo]![0]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.sizing.blockConcurrency, ranges.length) }, fetchRanges));
      return out;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      const code = (error as { details?: { errorCode?: string } }).details?.errorCode;
      if (status === 404 && code !== "ContainerNotFound") return null;
      if (status === 416) return new Uint8Array(0);
      throw error;
    }
  }

  /** Runs `work` for every item, `parallelBlobs` at a time, keeping the order of results. */
  private async each<T, R>(items: T[], operation: string, work: (item: T) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const at = next++;
        results[at] = await work(items[at]!);
      }
    };
    await this.guard(operation, () => Promise.all(Array.from({ length: Math.min(this.sizing.parallelBlobs, items.length) }, worker)));
    return results;
  }

  private async guard<R>(operation: string, work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (error) {
      throw translateAzureError(error, this.settings, operation);
    }
  }
}

/** A 404 for the blob itself; a missing container is an error worth reporting. */
function isBlobMissing(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404 && errorCode(error) !== "ContainerNotFound";
}

function errorCode(error: unknown): string | undefined {
  return (error as { details?: { errorCode?: string } }).details?.errorCode;
}

function sizeOf(data: PutItem["data"]): number {
  return data instanceof Uint8Array ? data.byteLength : data.reduce((n, c) => n + c.byteLength, 0);
}

/** Splits chunks into blocks of `size` bytes: views where a block lies in one chunk, a copy where it spans two. */
function cutBlocks(chunks: Buffer[], size: number): Buffer[] {
  const blocks: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(size - pendingBytes, chunk.byteLength - offset);
      pending.push(chunk.subarray(offset, offset + take));
      pendingBytes += take;
      offset += take;
      if (pendingBytes === size) {
        blocks.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes) blocks.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
  return blocks;
}

/**
 * A response body in one buffer. With its length known, the pieces are copied into
 * place as they arrive, instead of being kept and then concatenated (twice the memory
 * of each blob in flight). A body that ends early comes back short, as the caller expects.
 */
async function collect(stream: NodeJS.ReadableStream | undefined, length?: number): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  if (length === undefined) {
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }
  const out = Buffer.allocUnsafe(length);
  let filled = 0;
  for await (const part of stream) {
    const piece = part as Buffer;
    if (filled + piece.byteLength > length) throw new Error(`the response body is longer than its Content-Length ${length}`);
    out.set(piece, filled);
    filled += piece.byteLength;
  }
  return out.subarray(0, filled);
}

/**
 * A request body from views of the value, as a factory: each try (retry.ts) gets a
 * fresh stream. Written piece by piece with backpressure, the body is encrypted as the
 * socket drains, instead of whole up front (a buffer body is, holding an encrypted copy
 * of every request in flight); and chunks are never concatenated.
 */
function streamOf(chunks: readonly Buffer[]): () => NodeJS.ReadableStream {
  function* pieces() {
    for (const chunk of chunks) for (let at = 0; at < chunk.byteLength; at += BODY_PIECE_BYTES) yield chunk.subarray(at, at + BODY_PIECE_BYTES);
  }
  return () => Readable.from(pieces());
}

const workerBackends = new Map<string, Promise<AzureBackend>>();

/**
 * Reads one blob; used by the worker thread behind getBytesSync. One backend per
 * settings for the worker's life, so a token credential signs in once, not per read.
 */
export async function readBlob(settings: AzureSettings, blobName: string): Promise<Uint8Array | null> {
  const key = JSON.stringify(settings);
  let backend = workerBackends.get(key);
  if (!backend) workerBackends.set(key, (backend = AzureBackend.open({ ...settings, prefix: "" })));
  return (await (await backend).getBytes([blobName]))[0] ?? null;
}
