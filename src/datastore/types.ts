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
  /** The keys directly below `prefix` (ending in `/`); sub-prefixes end with `/`. */
  list(prefix: string): Promise<string[]>;
  /** A path on this machine holding the object's bytes, when the backend has one. */
  localPath(key: string): string | undefined;
}
