import type { ArtifactReader, ArtifactRecord } from "../datastore/task-datastore.ts";

/** One saved artifact of a task; its value is read only when asked for. */
export class Artifact<T = unknown> {
  readonly sha: string;
  readonly size: number;
  readonly type: string;
  readonly serializer: string;

  /** @internal */
  constructor(
    readonly name: string,
    readonly pathspec: string,
    record: ArtifactRecord,
    private readonly reader: ArtifactReader,
  ) {
    this.sha = record.sha;
    this.size = record.size;
    this.type = record.type;
    this.serializer = record.serializer;
  }

  /** Loads and verifies the value against its hash. */
  async value(): Promise<T> {
    return (await this.reader.load(this.name)) as T;
  }
}
