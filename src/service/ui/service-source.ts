import type { TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { MetricsQuery } from "../../metadata/types.ts";
import type { Repositories } from "../api/routes/context.ts";
import { ApiError } from "../api/api-error.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { RunsFilter, UiSource } from "./types.ts";

/** Opens the datastore a run names (kind and root as its runner configured them). */
export type DatastoreOpener = (kind: string, root: string) => Promise<StorageBackend>;

/**
 * The UI's reads over the metadata service's repositories. Logs and artifact bytes
 * come from the run's datastore, which the runner recorded with the run's outline;
 * the service opens it with its own credentials, once per kind and root.
 */
export class ServiceUiSource implements UiSource {
  readonly kind = "service";
  private readonly datastores = new Map<string, Promise<StorageBackend>>();

  constructor(
    private readonly repositories: Repositories,
    private readonly openDatastore: DatastoreOpener,
  ) {}

  listFlows() {
    return this.repositories.runs.listFlows();
  }

  async listRuns({ cursor, tags, ...filter }: RunsFilter) {
    const at = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && (!at || !/^\d{1,18}$/.test(at.position))) throw badCursor();
    const page = await this.repositories.runs.listAcross({ ...filter, ...(tags ? { tags } : {}), ...(at ? { after: { createdAtMicros: at.position, flow: at.flow, run: at.run } } : {}) });
    return { runs: page.runs, next: page.more && page.last ? encodeCursor({ position: page.last.createdAtMicros, flow: page.last.flow, run: page.last.run }) : null };
  }

  getRun(flow: string, run: string) {
    return this.repositories.runs.get(flow, run);
  }

  getOutline(flow: string, run: string) {
    return this.repositories.runs.getOutline(flow, run);
  }

  listTaskSummaries(flow: string, run: string, step?: string) {
    return this.repositories.tasks.listSummaries(flow, run, step);
  }

  getTask(ref: TaskRef) {
    return this.repositories.tasks.get(ref);
  }

  listAttempts(ref: TaskRef) {
    return this.repositories.attempts.list(ref);
  }

  listArtifacts(ref: TaskRef) {
    return this.repositories.attempts.listArtifacts(ref);
  }

  listMetadata(ref: TaskRef) {
    return this.repositories.attempts.listMetadata(ref);
  }

  listCards(ref: TaskRef) {
    return this.repositories.cards.list(ref);
  }

  listMetrics(ref: TaskRef, query: MetricsQuery) {
    return this.repositories.metrics.listTask(ref, query);
  }

  listRunMetrics(flow: string, run: string, query: MetricsQuery) {
    return this.repositories.metrics.listRun(flow, run, query);
  }

  addTags(flow: string, run: string, tags: string[]) {
    return this.repositories.runs.addTags(flow, run, tags);
  }

  removeTags(flow: string, run: string, tags: string[]) {
    return this.repositories.runs.removeTags(flow, run, tags);
  }

  async datastoreOf(flow: string, run: string): Promise<StorageBackend | undefined> {
    const outline = await this.repositories.runs.getOutline(flow, run);
    if (!outline) return undefined;
    const { kind, root } = outline.datastore;
    const key = `${kind}\n${root}`;
    let opened = this.datastores.get(key);
    if (!opened) {
      opened = this.openDatastore(kind, root);
      this.datastores.set(key, opened);
      // A datastore that failed to open (credentials, a missing folder) is tried again next time.
      opened.catch(() => this.datastores.delete(key));
    }
    return opened;
  }
}

export const badCursor = () => new ApiError(400, "bad_request", "querystring.cursor: must be the `next` value of a previous page.", "querystring.cursor");
