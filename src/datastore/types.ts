/** One object to write. */
export interface PutItem {
  key: string;
  /** The bytes, or chunks stored one after another as one object. */
  data: Uint8Array | readonly Uint8Array[];
  /** Replace an existing object. Content-addressed writes leave this off: same key, same bytes. */
  overwrite?: boolean;
  /**
   * The object must survive a machine crash once the call returns: artifact bytes and
   * done markers. Logs and progress records may skip the flush.
   */
  durable?: boolean;
}

/** Bytes to add at the end of an object that is grown by appends (see StorageBackend.appendBytes). */
export interface AppendItem {
  key: string;
  data: Uint8Array;
  /**
   * The object's length before this append, as its one writer counts: 0 for the first
   * append, then the sum of the bytes appended so far. It makes a retry safe: when an
   * earlier try landed some or all of `data`, only the rest is added.
   */
  offset: number;
}

/**
 * Where the datastore keeps bytes: a flat namespace of `/`-separated keys under one
 * root. Batch-first, as Metaflow's DataStoreStorage, so a cloud backend can run a
 * batch in parallel. Every write is atomic: a reader sees the whole object or none.
 */
export interface StorageBackend {
  /** The registry key: "local", "azure". */
  readonly kind: string;
  /** A human-readable root, for messages: a path or a URL. */
  readonly root: string;
  /** For each key, whether an object exists. */
  exists(keys: string[]): Promise<boolean[]>;
  /**
   * For each key, the object's length in bytes, or null when there is no such object.
   * Content-addressed writes compare it with the length they would write, so that a
   * blob cut short under its hash (a full disk) is rewritten instead of trusted.
   */
  sizes(keys: string[]): Promise<(number | null)[]>;
  /** Writes every item; an item without `overwrite` whose key exists is left as it is. */
  putBytes(items: PutItem[]): Promise<void>;
  /**
   * Creates an object only if no object has the key; false when one exists. Used to
   * allocate ids (run numbers) without a coordinator.
   */
  createExclusive(key: string, data: Uint8Array): Promise<boolean>;
  /** For each key, its bytes, or null when there is no such object. */
  getBytes(keys: string[]): Promise<(Uint8Array | null)[]>;
  /**
   * The bytes of one object, synchronously; null when missing. Lazy artifacts are
   * read on property access, which cannot await.
   */
  getBytesSync(key: string): Uint8Array | null;
  /**
   * True when putBytes without `overwrite` is itself a conditional create that never
   * replaces an object: content-addressed writes then skip their existence check.
   */
  readonly createsOnlyIfAbsent?: boolean;
  /**
   * Optional: one object's bytes and the SHA-256 of `bytes[skip:]`, computed while the
   * bytes arrive. A remote backend that downloads in parallel ranges can then verify a
   * large object without hashing it again afterwards.
   */
  getBytesHashed?(key: string, skip: number): Promise<{ bytes: Uint8Array; sha256: string } | null>;
  /**
   * Optional: adds bytes at the end of objects grown by appends (task logs), so that a
   * writer sends each byte once instead of rewriting the whole object. Without it,
   * callers rewrite the whole object with putBytes.
   *
   * - A missing object is created; an item with no bytes only does that.
   * - getBytes reads everything appended so far as one object. Unlike putBytes, an
   *   append is not atomic for readers: a concurrent reader sees a prefix of it.
   * - Appends to one key are issued by one writer, in order: items of one key in a batch
   *   apply in batch order, and the writer's next call starts after this one resolved.
   *   Items of different keys may run in parallel. A key is written either by putBytes or
   *   by appendBytes, never both.
   * - Idempotent by `offset`: if the object already holds bytes beyond `offset` (a
   *   retried call whose first try landed), only the bytes past its end are added. An
   *   object shorter than `offset`, or longer than `offset + data.length`, was changed
   *   by someone else: the call fails with DATASTORE and appends nothing.
   * - Appended bytes need not survive a machine crash (no flush), as logs.
   */
  appendBytes?(items: AppendItem[]): Promise<void>;
  /**
   * Optional: up to `length` bytes of one object from `offset` (fewer at its end; none
   * past it), or null when there is no such object. Lets a reader page through a large
   * log or preview the head of a large artifact without reading it whole; without it,
   * readers fall back to getBytes (readRange in datastore/read-range.ts).
   */
  getRange?(key: string, offset: number, length: number): Promise<Uint8Array | null>;
  /** The keys directly below `prefix` (ending in `/`); sub-prefixes end with `/`. */
  list(prefix: string): Promise<string[]>;
  /** A path on this machine holding the object's bytes, when the backend has one. */
  localPath(key: string): string | undefined;
}
