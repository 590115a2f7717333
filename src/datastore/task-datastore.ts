import type { ForeachFrame } from "../flow/current.ts";
import { serializerFor, serializerNamed, type ArtifactSerializer } from "./serializers/registry.ts";
import { WeftError } from "../errors/weft-error.ts";
import { byteLength, tooLarge, type ContentStore } from "./content-store.ts";
import { layout, pathspecOf, type TaskRef } from "./layout.ts";
import type { StorageBackend } from "./types.ts";

/** Where one artifact's bytes are and what they hold. */
export interface ArtifactRecord {
  sha: string;
  serializer: string;
  type: string;
  /** Serialized size in bytes. */
  size: number;
}

/** A card a task rendered (@card), stored in the content store like an artifact. */
export interface CardRecord {
  /** The @card id, else its type. */
  id: string;
  type: string;
  sha: string;
  size: number;
  /** What could not be rendered (shown on the card as error boxes). */
  errors?: string[];
}

/** The metrics a task logged (current.logMetric), stored as one JSON blob (MetricsFile). */
export interface MetricsRecord {
  sha: string;
  size: number;
  names: string[];
}

/** What a finished attempt produced; its done marker holds it. */
export interface TaskData {
  artifacts: Record<string, ArtifactRecord>;
  /** The steps this task transitioned to. */
  next: string[];
  /** Set when the task split into a foreach. */
  foreach?: { field: string; numSplits: number };
  /** The foreach path of this task, outermost first. */
  foreachStack: ForeachFrame[];
  /** Set when the step has @card: the cards, written before the done marker. */
  cards?: CardRecord[];
  /** Set when the step logged metrics. */
  metrics?: MetricsRecord;
}

/** The done marker of an attempt. */
export interface DoneMarker extends TaskData {
  finishedAt: string;
}

export interface AttemptInfo {
  attempt: number;
  startedAt: string;
  pid: number;
}

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

/**
 * The files of one task in the datastore. An attempt is done only when its done
 * marker exists, and the marker is written after the artifact index, which is written
 * after every artifact blob: a reader that sees the marker sees everything.
 */
export class TaskDatastore {
  constructor(
    readonly backend: StorageBackend,
    readonly content: ContentStore,
    readonly ref: TaskRef,
  ) {}

  get pathspec(): string {
    return pathspecOf(this.ref);
  }

  async startAttempt(info: AttemptInfo): Promise<void> {
    await this.backend.putBytes([{ key: layout.attemptFile(this.ref, info.attempt, "attempt.json"), data: json(info), overwrite: true }]);
  }

  /**
   * Serializes and stores values; returns their records. Unchanged values cost a hash,
   * not a write. `inspect` sees each serialized value before anything is stored and may
   * throw to refuse it (a task with secrets refuses artifacts that contain one).
   */
  async saveArtifacts(values: Map<string, unknown>, inspect?: (name: string, bytes: readonly Uint8Array[]) => void): Promise<Record<string, ArtifactRecord>> {
    return saveValues(this.content, values, inspect);
  }

  /**
   * Writes the done marker, which holds the artifact index: one atomic, durable write
   * after every blob it names is on disk. From then on the attempt reads as finished.
   * Returns the marker as stored.
   */
  async finishAttempt(attempt: number, data: TaskData): Promise<Uint8Array> {
    const marker = json({ ...data, finishedAt: new Date().toISOString() } satisfies DoneMarker);
    await this.backend.putBytes([{ key: layout.attemptFile(this.ref, attempt, "done.json"), data: marker, overwrite: true, durable: true }]);
    return marker;
  }

  /** The highest attempt with a done marker, or undefined if none finished. */
  async doneAttempt(): Promise<number | undefined> {
    const keys = await this.backend.list(layout.task(this.ref));
    const done = keys.map((k) => /\/(\d+)\.done\.json$/.exec(k)?.[1]).filter((a): a is string => a !== undefined).map(Number);
    return done.length ? Math.max(...done) : undefined;
  }

  /**
   * Every attempt that left a file here, in order: its start marker (written by an
   * attempt that records itself), its output or its done marker. An attempt whose
   * runner recorded its start and which has written nothing yet is not among them.
   */
  async attempts(): Promise<number[]> {
    const keys = await this.backend.list(layout.task(this.ref));
    const started = keys.map((k) => /\/(\d+)\.(?:attempt\.json|done\.json|stdout|stderr)$/.exec(k)?.[1]).filter((a): a is string => a !== undefined).map(Number);
    return [...new Set(started)].sort((a, b) => a - b);
  }

  async readData(attempt: number): Promise<TaskData> {
    const [bytes] = await this.backend.getBytes([layout.attemptFile(this.ref, attempt, "done.json")]);
    return this.parseMarker(attempt, bytes ?? null);
  }

  private parseMarker(attempt: number, bytes: Uint8Array | null): TaskData {
    if (!bytes) throw new WeftError("NOT_FOUND", `Task ${this.pathspec} attempt ${attempt} has not finished: it has no done marker.`);
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as DoneMarker;
  }

  /** The artifacts a done marker of this task names, loaded on demand: for a marker read already. */
  readerFor(data: TaskData): ArtifactReader {
    return new ArtifactReader(this.content, this.pathspec, data);
  }

  /**
   * The artifacts of a finished task (its highest attempt with a done marker), loaded on
   * demand. Most tasks finish on their first attempt, so that marker is read alongside
   * the listing instead of after it: one round trip less on a remote datastore, one
   * wasted read when a later attempt finished. With `firstAttempt` (the caller knows no
   * later attempt of the task exists) the marker is read alone, and the listing follows
   * only when there is none.
   */
  async readDone(firstAttempt = false): Promise<ArtifactReader> {
    if (firstAttempt) {
      const [first] = await this.backend.getBytes([layout.attemptFile(this.ref, 0, "done.json")]);
      if (first) return this.readerFor(this.parseMarker(0, first));
    }
    const [attempt, [first]] = await Promise.all([this.doneAttempt(), this.backend.getBytes([layout.attemptFile(this.ref, 0, "done.json")])]);
    if (attempt === undefined) {
      throw new WeftError("NOT_FOUND", `Task ${this.pathspec} has not finished successfully.`, { hint: "Resume the run to re-run it." });
    }
    // A marker written between the read and the listing is read again.
    return this.readerFor(attempt === 0 && first ? this.parseMarker(0, first) : await this.readData(attempt));
  }
}

/**
 * Serializes values and stores them in the content store; returns their records. What
 * a task saves as artifacts, and what a run stores before its tasks (`@includeFile`).
 */
export async function saveValues(content: ContentStore, values: Map<string, unknown>, inspect?: (name: string, bytes: readonly Uint8Array[]) => void): Promise<Record<string, ArtifactRecord>> {
  const names = [...values.keys()];
  const serialized = names.map((name) => {
    const value = values.get(name);
    const serializer = serializerFor(value);
    const bytes = serializer.serialize(value, name);
    // Refused here, before any blob or the done marker is written: a value over the
    // limit would be saved and the task done, but it could never be read.
    const size = byteLength(bytes);
    if (size > content.maxValueBytes) throw tooLarge(`Artifact "${name}" (${serializer.describe(value)}, ${size} bytes serialized)`, content.maxValueBytes);
    inspect?.(name, bytes instanceof Uint8Array ? [bytes] : bytes);
    return { serializer: serializer.name, type: serializer.describe(value), bytes };
  });
  const shas = await content.save(serialized.map((s) => s.bytes));
  return Object.fromEntries(names.map((name, i) => [name, { sha: shas[i]!, serializer: serialized[i]!.serializer, type: serialized[i]!.type, size: byteLength(serialized[i]!.bytes) }]));
}

/** Reads artifacts of one finished task, each on first use. */
export class ArtifactReader {
  private readonly cache = new Map<string, unknown>();
  constructor(
    private readonly content: ContentStore,
    readonly pathspec: string,
    readonly data: TaskData,
  ) {}

  has(name: string): boolean {
    return Object.hasOwn(this.data.artifacts, name);
  }

  loadSync(name: string): unknown {
    if (this.cache.has(name)) return this.cache.get(name);
    const { record, serializer } = this.resolve(name);
    return this.remember(name, serializer.deserialize(this.content.loadSync(record.sha, this.describe(name))));
  }

  /** Like loadSync, reading through the backend's asynchronous path (for the client). */
  async load(name: string): Promise<unknown> {
    if (this.cache.has(name)) return this.cache.get(name);
    const { record, serializer } = this.resolve(name);
    const [bytes] = await this.content.load([record.sha], () => this.describe(name));
    return this.remember(name, serializer.deserialize(bytes!));
  }

  private describe(name: string): string {
    return `Artifact "${name}" of ${this.pathspec}`;
  }

  private remember(name: string, value: unknown): unknown {
    this.cache.set(name, value);
    return value;
  }

  private resolve(name: string): { record: ArtifactRecord; serializer: ArtifactSerializer } {
    const record = this.data.artifacts[name];
    if (!record) {
      throw new WeftError("NOT_FOUND", `Task ${this.pathspec} has no artifact "${name}".`, {
        hint: `It has: ${Object.keys(this.data.artifacts).join(", ") || "(none)"}.`,
      });
    }
    const serializer = serializerNamed(record.serializer);
    if (!serializer) {
      throw new WeftError("DATASTORE", `Artifact "${name}" of ${this.pathspec} was saved by serializer "${record.serializer}", which is not registered here.`, {
        hint: "Import the library that registers it (registerSerializer) before reading this artifact.",
      });
    }
    return { record, serializer };
  }
}
