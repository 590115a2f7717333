import { layout, type TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { compareIds } from "../../metadata/ids.ts";
import type { MetadataProvider, MetricsQuery, RunOutline } from "../../metadata/types.ts";
import type { RunSpec } from "../../runtime/run-spec.ts";
import { badCursor } from "./service-source.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { briefException, taskStatus, type RunsFilter, type RunView, type TaskSummary, type UiSource } from "./types.ts";

/** Newest first; then by flow and id, descending, as the service orders them. */
const newestFirst = (a: RunView, b: RunView) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.flow !== b.flow ? (a.flow < b.flow ? 1 : -1) : compareIds(b.run, a.run));

/**
 * The UI's reads over a metadata provider that keeps its records in the datastore
 * (local metadata), for `weft ui` on a laptop: runs are listed from the files, filtered
 * and paged here; the outline is read from the run spec beside them.
 */
export class LocalUiSource implements UiSource {
  readonly kind = "local";

  constructor(
    private readonly meta: MetadataProvider,
    private readonly backend: StorageBackend,
  ) {}

  async listFlows() {
    const flows = await this.meta.listFlows();
    return Promise.all(flows.map(async (name) => ({ name, createdAt: (await this.meta.listRuns(name)).at(-1)?.createdAt ?? new Date(0).toISOString() })));
  }

  async listRuns(filter: RunsFilter) {
    const at = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    if (filter.cursor !== undefined && !at) throw badCursor();
    const flows = filter.flow ? [filter.flow] : await this.meta.listFlows();
    const records = (await Promise.all(flows.map((f) => this.meta.listRuns(f)))).flat();
    const matching = records.filter(
      (r) =>
        (!filter.user || r.user === filter.user) &&
        (!filter.tags || filter.tags.every((t) => r.tags.includes(t) || r.systemTags.includes(t))) &&
        (!filter.since || r.createdAt >= new Date(filter.since).toISOString()) &&
        (!filter.until || r.createdAt < new Date(filter.until).toISOString()),
    );
    const views = await Promise.all(matching.map(async (r): Promise<RunView> => ({ ...r, state: (await this.meta.getRunState(r.flow, r.run)) ?? null })));
    const sorted = views.filter((v) => !filter.status || v.state?.status === filter.status).sort(newestFirst);
    const start = at ? sorted.findIndex((v) => newestFirst(v, { createdAt: at.position, flow: at.flow, run: at.run } as RunView) > 0) : 0;
    const page = start < 0 ? [] : sorted.slice(start, start + filter.limit);
    const last = page.at(-1);
    const more = start >= 0 && start + filter.limit < sorted.length;
    return { runs: page, next: more && last ? encodeCursor({ position: last.createdAt, flow: last.flow, run: last.run }) : null };
  }

  async getRun(flow: string, run: string) {
    const record = await this.meta.getRun(flow, run);
    return record && { ...record, state: (await this.meta.getRunState(flow, run)) ?? null };
  }

  async getOutline(flow: string, run: string): Promise<RunOutline | null | undefined> {
    if (!(await this.meta.getRun(flow, run))) return undefined;
    const [bytes] = await this.backend.getBytes([layout.runSpec(flow, run)]);
    if (!bytes) return null;
    const spec = JSON.parse(Buffer.from(bytes).toString("utf8")) as RunSpec;
    return { graph: spec.graph, params: spec.params, datastore: { kind: this.backend.kind, root: this.backend.root } };
  }

  async listTaskSummaries(flow: string, run: string, step?: string): Promise<TaskSummary[] | undefined> {
    if (!(await this.meta.getRun(flow, run))) return undefined;
    const steps = (step ? [step] : await this.meta.listSteps(flow, run)).sort();
    const perStep = await Promise.all(
      steps.map(async (s) => {
        const tasks = await this.meta.listTasks(flow, run, s);
        return Promise.all(
          tasks.map(async (t): Promise<TaskSummary> => {
            const attempts = await this.meta.listAttempts(t);
            const spans = attempts.map((a) => ({ attempt: a.attempt, startedAt: a.startedAt, ...(a.finishedAt ? { finishedAt: a.finishedAt } : {}), ...(a.ok === undefined ? {} : { ok: a.ok }) }));
            const status = taskStatus(spans);
            const exception = status === "failed" ? briefException(attempts.at(-1)?.exception) : undefined;
            return { step: t.step, task: t.task, createdAt: t.createdAt, foreachStack: t.foreachStack, status, attempts: spans, ...(exception ? { exception } : {}) };
          }),
        );
      }),
    );
    return perStep.flat();
  }

  getTask(ref: TaskRef) {
    return this.meta.getTask(ref);
  }

  listAttempts(ref: TaskRef) {
    return this.meta.listAttempts(ref);
  }

  listArtifacts(ref: TaskRef) {
    return this.meta.listArtifacts(ref);
  }

  listMetadata(ref: TaskRef) {
    return this.meta.listMetadata(ref);
  }

  listCards(ref: TaskRef) {
    return this.meta.listCards(ref);
  }

  listMetrics(ref: TaskRef, query: MetricsQuery) {
    return this.meta.listMetrics(ref, query);
  }

  listRunMetrics(flow: string, run: string, query: MetricsQuery) {
    return this.meta.listRunMetrics(flow, run, query);
  }

  addTags(flow: string, run: string, tags: string[]) {
    return this.meta.addTags(flow, run, tags);
  }

  removeTags(flow: string, run: string, tags: string[]) {
    return this.meta.removeTags(flow, run, tags);
  }

  async datastoreOf(flow: string, run: string): Promise<StorageBackend | undefined> {
    return (await this.meta.getRun(flow, run)) ? this.backend : undefined;
  }
}
