import { layout, type TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { checkName, checkRunNames } from "../names.ts";
import { checkChosenRunId, compareIds, isAllocatedId, isValidId, runExistsError } from "../ids.ts";
import { limitPoints, seriesOf, type MetricSeries, type MetricsFile } from "../metrics.ts";
import { HEARTBEAT_TIMEOUT_MS, lostRunState, type AttemptWriteOptions, type CardInfo, type CardMetadata, type MetricsQuery, type TaskMetricSeries, type ArtifactInfo, type ArtifactMetadata, type AttemptRecord, type MetadataEntry, type MetadataProvider, type RunInit, type RunRecord, type RunRef, type RunState, type StartOptions, type TagRemoval, type TaskFact, type TaskRecord } from "../types.ts";
import { attemptOf, endArtifacts, listFile, mergeByKey, startFacts, type EndFile, type ItemSource, type StartFile } from "./attempt-files.ts";
import { LocalTags, tagsHintKey } from "./local-tags.ts";

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));
const newestFirst = (a: RunRecord, b: RunRecord) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : compareIds(b.run, a.run));

interface Heartbeat {
  at: string;
}

/**
 * Metadata as JSON files in a storage backend, beside the artifacts: with the local
 * datastore they are files under WEFT_HOME; with a cloud datastore another machine
 * with the same settings sees the same runs.
 *
 * Keys: `<Flow>/<run>/_meta/{run,state,tags,heartbeat}.json`, `<Flow>/<run>/_meta/tags/<n>.json` (LocalTags) and
 * `<Flow>/<run>/<step>/<task>/_meta/{task.json,heartbeat.json,<n>.{start,end,cards,metrics}.json}`; an attempt's
 * facts and the task's record ride in its start file, its artifacts in its end file (attempt-files.ts), so a
 * runner records a launched attempt in two writes. Older versions' `<n>.{artifacts,metadata}.json` are still read.
 */
export class LocalMetadata implements MetadataProvider {
  readonly kind = "local";
  private readonly tags: LocalTags;
  constructor(
    private readonly store: StorageBackend,
    private readonly heartbeatTimeoutMs = HEARTBEAT_TIMEOUT_MS,
  ) {
    this.tags = new LocalTags(store);
  }

  get location(): string {
    return this.store.root;
  }

  /** The exclusive create of `_meta/run.json` is what makes an id the run's, chosen or allocated. */
  async createRun({ run, ...init }: RunInit): Promise<RunRecord> {
    checkRunNames(init);
    const record = (id: string): RunRecord => ({ ...init, run: id, createdAt: new Date().toISOString() });
    if (run !== undefined) {
      checkChosenRunId(init.flow, run);
      const chosen = record(run);
      if (await this.store.createExclusive(`${init.flow}/${run}/_meta/run.json`, json(chosen))) return chosen;
      throw runExistsError(init.flow, run);
    }
    // Chosen ids are never all digits, so the next number only has to clear the allocated ones.
    const ids = (await this.childNames(`${init.flow}/`)).filter(isAllocatedId).map(Number);
    for (let id = ids.length ? Math.max(...ids) + 1 : 1; ; id++) {
      const allocated = record(String(id));
      if (await this.store.createExclusive(`${init.flow}/${id}/_meta/run.json`, json(allocated))) return allocated;
    }
  }

  async setRunState(flow: string, run: string, state: RunState): Promise<void> {
    await this.put(`${flow}/${run}/_meta/state.json`, state, true);
    // Entering "running" counts as a heartbeat, so a runner lost before its first beat still times out.
    if (state.status === "running") await this.heartbeat({ flow, run });
  }

  async registerTask(task: TaskRecord): Promise<void> {
    checkName("step", task.step);
    await this.put(`${layout.task(task)}/_meta/task.json`, task);
  }

  /** getTask reads attempt 0's start file beside `task.json`, so the task rides there; a later attempt that registers it writes `task.json`. */
  async startAttempt(ref: TaskRef, attempt: AttemptRecord, facts: TaskFact[] = [], { task, whole }: StartOptions = {}): Promise<void> {
    if (task) checkName("step", task.step);
    const rides = task !== undefined && attempt.attempt === 0;
    await Promise.all([
      this.writeAttemptFile<StartFile>(ref, attempt.attempt, "start", whole, (before) => {
        const all = mergeByKey(before?.facts, facts, (f) => f.field);
        const registered = rides ? task : before?.task;
        return { ...attempt, ...(all.length ? { facts: all } : {}), ...(registered ? { task: registered } : {}) };
      }),
      task && !rides && this.registerTask(task),
    ]);
  }

  async finishAttempt(ref: TaskRef, attempt: AttemptRecord, artifacts: ArtifactInfo[] = [], { whole }: AttemptWriteOptions = {}): Promise<void> {
    await this.writeAttemptFile<EndFile>(ref, attempt.attempt, "end", whole, (before) => {
      const all = mergeByKey(before?.artifacts, artifacts, (a) => a.name);
      return { ...attempt, ...(all.length ? { artifacts: all } : {}) };
    });
  }

  /** Flows with a run recorded here: a run folder alone may hold a run recorded by the service. */
  async listFlows(): Promise<string[]> {
    const names = await this.childNames("");
    const hasRuns = await Promise.all(
      names.map(async (n) => {
        const records = (await this.childNames(`${n}/`)).filter(isValidId).map((id) => `${n}/${id}/_meta/run.json`);
        return records.length > 0 && (await this.store.exists(records)).some(Boolean);
      }),
    );
    return names.filter((_, i) => hasRuns[i]).sort();
  }

  /** Every folder of the flow with a run record (not `data/` or `code/`, which have none), newest first. */
  async listRuns(flow: string): Promise<RunRecord[]> {
    const ids = (await this.childNames(`${flow}/`)).filter(isValidId);
    const runs = await Promise.all(ids.map((id) => this.getRun(flow, id)));
    return runs.filter((r): r is RunRecord => r !== undefined).sort(newestFirst);
  }

  async getRun(flow: string, run: string): Promise<RunRecord | undefined> {
    const [recordBytes, hint] = await this.store.getBytes([`${flow}/${run}/_meta/run.json`, tagsHintKey(flow, run)]);
    if (!recordBytes) return undefined;
    const record = JSON.parse(Buffer.from(recordBytes).toString("utf8")) as RunRecord;
    return { ...record, tags: (await this.tags.head(flow, run, hint ?? null, record.tags)).tags };
  }

  async getRunState(flow: string, run: string): Promise<RunState | undefined> {
    const [state, beat] = await this.getJson<[RunState, Heartbeat]>([`${flow}/${run}/_meta/state.json`, `${flow}/${run}/_meta/heartbeat.json`]);
    const stale = state?.status === "running" && state.orchestrator === undefined && beat !== undefined && Date.now() - Date.parse(beat.at) > this.heartbeatTimeoutMs;
    return stale ? lostRunState(beat.at, this.heartbeatTimeoutMs) : state;
  }

  async listSteps(flow: string, run: string): Promise<string[]> {
    return (await this.childNames(layout.run(flow, run))).filter((n) => !n.startsWith("_"));
  }

  /**
   * Every task folder of the step, in task-id order. A folder without `task.json` (its
   * runner was killed between launching the task and registering it) is listed as a
   * task as its attempts tell (unfinished, when the start is all there is): never
   * dropped, never an error.
   */
  async listTasks(flow: string, run: string, step: string): Promise<TaskRecord[]> {
    const ids = (await this.childNames(layout.step(flow, run, step))).filter((id) => !id.startsWith("_"));
    const tasks = await Promise.all(ids.map(async (task) => (await this.getTask({ flow, run, step, task })) ?? (await this.unregisteredTask({ flow, run, step, task }))));
    return tasks.filter((t): t is TaskRecord => t !== undefined).sort((a, b) => compareIds(a.task, b.task));
  }

  /** The task as registered (`task.json`, else in attempt 0's start); undefined when it never was (listTasks still lists it, unfinished). */
  async getTask(ref: TaskRef): Promise<TaskRecord | undefined> {
    const [task, start] = await this.getJson<[TaskRecord, StartFile]>([`${layout.task(ref)}/_meta/task.json`, this.attemptKey(ref, 0, "start")]);
    return task ?? start?.task;
  }

  /** A task folder with attempts but no task record, as a record: created when its first attempt started. */
  private async unregisteredTask(ref: TaskRef): Promise<TaskRecord | undefined> {
    const attempts = await this.listAttempts(ref);
    // A folder with logs alone (no attempt on record here) may be another provider's task: not listed.
    if (attempts.length === 0) return undefined;
    // Its foreach path was never recorded; the id alone does not say which foreaches it is in.
    return { ...ref, createdAt: attempts[0]?.startedAt ?? new Date(0).toISOString(), foreachStack: [] };
  }

  /** Attempts with a start record, oldest first; one whose end is missing has not finished. */
  async listAttempts(ref: TaskRef): Promise<AttemptRecord[]> {
    const files = await this.childNames(`${layout.task(ref)}/_meta/`);
    const numbers = [...new Set(files.map((f) => /^(\d+)\.start\.json$/.exec(f)?.[1]).filter((n): n is string => n !== undefined))].map(Number).sort((a, b) => a - b);
    const keys = numbers.flatMap((n) => [this.attemptKey(ref, n, "start"), this.attemptKey(ref, n, "end")]);
    const records = await this.getJson<(StartFile | EndFile | undefined)[]>(keys);
    return numbers.map((_, i) => ({ ...attemptOf(records[2 * i]!), ...(records[2 * i + 1] ? attemptOf(records[2 * i + 1]!) : {}) }));
  }

  async addTags(flow: string, run: string, tags: string[]): Promise<string[] | undefined> {
    return this.tags.update(flow, run, (current) => {
      const next = [...new Set([...current, ...tags])];
      return next.length === current.length ? undefined : next;
    });
  }

  async removeTags(flow: string, run: string, tags: string[]): Promise<TagRemoval | undefined> {
    let missing: string[] = [];
    const left = await this.tags.update(flow, run, (current) => {
      // Decided again on every try: what is missing depends on the version the change applies to.
      missing = [...new Set(tags.filter((t) => !current.includes(t)))];
      return missing.length || !tags.length ? undefined : current.filter((t) => !tags.includes(t));
    });
    return left && { tags: left, missing };
  }

  async listArtifacts(ref: TaskRef): Promise<ArtifactMetadata[]> {
    return this.readByAttempt<ArtifactMetadata>(ref, [listFile("artifacts"), endArtifacts], (a) => a.name);
  }

  async listMetadata(ref: TaskRef): Promise<MetadataEntry[]> {
    return this.readByAttempt<MetadataEntry>(ref, [listFile("metadata"), startFacts], (e) => e.field);
  }

  async recordCards(ref: TaskRef, attempt: number, cards: CardInfo[]): Promise<void> {
    await this.put(`${layout.task(ref)}/_meta/${attempt}.cards.json`, cards.map((c) => ({ attempt, ...c })));
  }

  async listCards(ref: TaskRef): Promise<CardMetadata[]> {
    return this.readByAttempt<CardMetadata>(ref, [listFile("cards")], (c) => c.id);
  }

  async recordMetrics(ref: TaskRef, attempt: number, metrics: MetricsFile): Promise<void> {
    await this.put(`${layout.task(ref)}/_meta/${attempt}.metrics.json`, metrics);
  }

  async listMetrics(ref: TaskRef, query: MetricsQuery = {}): Promise<MetricSeries[]> {
    const files = (await this.childNames(`${layout.task(ref)}/_meta/`)).map((f) => /^(\d+)\.metrics\.json$/.exec(f)?.[1]).filter((n): n is string => n !== undefined);
    const attempts = files.map(Number).sort((a, b) => a - b);
    const contents = await this.getJson<(MetricsFile | undefined)[]>(attempts.map((n) => `${layout.task(ref)}/_meta/${n}.metrics.json`));
    return attempts.flatMap((attempt, i) => seriesOf(contents[i] ?? {}, attempt).map((s) => limitPoints(s, query.maxPoints)));
  }

  async listRunMetrics(flow: string, run: string, query: MetricsQuery = {}): Promise<TaskMetricSeries[]> {
    const steps = await this.listSteps(flow, run);
    const perStep = await Promise.all(
      steps.map(async (step) => {
        const tasks = await this.listTasks(flow, run, step);
        const perTask = await Promise.all(tasks.map(async (t) => (await this.listMetrics(t, query)).map((s) => ({ ...s, stepName: step, task: t.task }))));
        return perTask.flat();
      }),
    );
    return perStep.flat();
  }

  async heartbeat(target: RunRef | TaskRef): Promise<void> {
    const beat: Heartbeat = { at: new Date().toISOString() };
    const keys = [`${target.flow}/${target.run}/_meta/heartbeat.json`];
    if ("task" in target) keys.push(`${layout.task(target)}/_meta/heartbeat.json`);
    await this.store.putBytes(keys.map((key) => ({ key, data: json(beat), overwrite: true })));
  }

  private attemptKey(ref: TaskRef, attempt: number, kind: "start" | "end"): string {
    return `${layout.task(ref)}/_meta/${attempt}.${kind}.json`;
  }

  /**
   * Writes an attempt's start or end file from what it held before, which is read first
   * unless the caller records the whole of it (`whole`). Only that attempt's recorder
   * writes it, so the read and the write need no lock.
   */
  private async writeAttemptFile<T>(ref: TaskRef, attempt: number, kind: "start" | "end", whole: boolean | undefined, build: (before: T | undefined) => T): Promise<void> {
    const key = this.attemptKey(ref, attempt, kind);
    const [before] = whole ? [undefined] : await this.getJson<[T]>([key]);
    await this.put(key, build(before));
  }

  /** Every attempt's items from the files of each source; for one attempt and key, a later source wins. */
  private async readByAttempt<T extends { attempt: number }>(ref: TaskRef, sources: ItemSource<T>[], keyOf: (item: T) => string): Promise<T[]> {
    const names = await this.childNames(`${layout.task(ref)}/_meta/`);
    const files = sources.flatMap((source) => {
      const pattern = new RegExp(`^(\\d+)\\.${source.kind}\\.json$`);
      return names.flatMap((name) => {
        const attempt = pattern.exec(name)?.[1];
        return attempt === undefined ? [] : [{ name, attempt: Number(attempt), source }];
      });
    });
    const contents = await this.getJson<unknown[]>(files.map((f) => `${layout.task(ref)}/_meta/${f.name}`));
    const items = new Map<string, T>();
    files.forEach((f, i) => {
      for (const item of f.source.items(contents[i], f.attempt)) items.set(`${item.attempt}/${keyOf(item)}`, item);
    });
    return [...items.values()].sort((a, b) => a.attempt - b.attempt || (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  }

  private async put(key: string, value: unknown, durable = false): Promise<void> {
    await this.store.putBytes([{ key, data: json(value), overwrite: true, durable }]);
  }

  private async getJson<T extends unknown[]>(keys: string[]): Promise<{ [K in keyof T]: T[K] | undefined }> {
    const bytes = await this.store.getBytes(keys);
    return bytes.map((b) => (b ? JSON.parse(Buffer.from(b).toString("utf8")) : undefined)) as { [K in keyof T]: T[K] | undefined };
  }

  /** Names directly below a prefix, without trailing slashes. */
  private async childNames(prefix: string): Promise<string[]> {
    return (await this.store.list(prefix)).map((k) => k.slice(prefix.length).replace(/\/$/, ""));
  }
}
