import { layout, type TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { AttemptRecord, MetadataProvider, RunRecord, RunState, TaskRecord } from "../types.ts";

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));
const isRunId = (name: string) => /^\d+$/.test(name);

/**
 * Metadata as JSON files in a storage backend, beside the artifacts: with the local
 * datastore they are files under WEFT_HOME; with a cloud datastore another machine
 * with the same settings sees the same runs.
 *
 * Keys: `<Flow>/<run>/_meta/{run,state,tags}.json` and
 * `<Flow>/<run>/<step>/<task>/_meta/{task.json,<n>.start.json,<n>.end.json}`.
 */
export class LocalMetadata implements MetadataProvider {
  readonly kind = "local";
  constructor(private readonly store: StorageBackend) {}

  async createRun(init: Omit<RunRecord, "run" | "createdAt">): Promise<RunRecord> {
    const ids = (await this.childNames(`${init.flow}/`)).filter(isRunId).map(Number);
    for (let id = ids.length ? Math.max(...ids) + 1 : 1; ; id++) {
      const record: RunRecord = { ...init, run: String(id), createdAt: new Date().toISOString() };
      if (await this.store.createExclusive(`${init.flow}/${id}/_meta/run.json`, json(record))) return record;
    }
  }

  async setRunState(flow: string, run: string, state: RunState): Promise<void> {
    await this.put(`${flow}/${run}/_meta/state.json`, state, true);
  }

  async registerTask(task: TaskRecord): Promise<void> {
    await this.put(`${layout.task(task)}/_meta/task.json`, task);
  }

  async startAttempt(ref: TaskRef, attempt: AttemptRecord): Promise<void> {
    await this.put(`${layout.task(ref)}/_meta/${attempt.attempt}.start.json`, attempt);
  }

  async finishAttempt(ref: TaskRef, attempt: AttemptRecord): Promise<void> {
    await this.put(`${layout.task(ref)}/_meta/${attempt.attempt}.end.json`, attempt);
  }

  async listFlows(): Promise<string[]> {
    const names = await this.childNames("");
    const hasRuns = await Promise.all(names.map(async (n) => (await this.childNames(`${n}/`)).some(isRunId)));
    return names.filter((_, i) => hasRuns[i]).sort();
  }

  async listRuns(flow: string): Promise<RunRecord[]> {
    const ids = (await this.childNames(`${flow}/`)).filter(isRunId).sort((a, b) => Number(b) - Number(a));
    const runs = await Promise.all(ids.map((id) => this.getRun(flow, id)));
    return runs.filter((r): r is RunRecord => r !== undefined);
  }

  async getRun(flow: string, run: string): Promise<RunRecord | undefined> {
    const [record, tags] = await this.getJson<[RunRecord, string[]]>([`${flow}/${run}/_meta/run.json`, `${flow}/${run}/_meta/tags.json`]);
    return record && (tags ? { ...record, tags } : record);
  }

  async getRunState(flow: string, run: string): Promise<RunState | undefined> {
    const [state] = await this.getJson<[RunState]>([`${flow}/${run}/_meta/state.json`]);
    return state;
  }

  async listSteps(flow: string, run: string): Promise<string[]> {
    return (await this.childNames(layout.run(flow, run))).filter((n) => !n.startsWith("_"));
  }

  async listTasks(flow: string, run: string, step: string): Promise<TaskRecord[]> {
    const ids = await this.childNames(layout.step(flow, run, step));
    const tasks = await this.getJson<TaskRecord[]>(ids.map((task) => `${layout.task({ flow, run, step, task })}/_meta/task.json`));
    return tasks.filter((t): t is TaskRecord => t !== undefined).sort((a, b) => Number(a.task) - Number(b.task));
  }

  async getTask(ref: TaskRef): Promise<TaskRecord | undefined> {
    const [task] = await this.getJson<[TaskRecord]>([`${layout.task(ref)}/_meta/task.json`]);
    return task;
  }

  async listAttempts(ref: TaskRef): Promise<AttemptRecord[]> {
    const files = await this.childNames(`${layout.task(ref)}/_meta/`);
    const numbers = [...new Set(files.map((f) => /^(\d+)\.start\.json$/.exec(f)?.[1]).filter((n): n is string => n !== undefined))].map(Number).sort((a, b) => a - b);
    const keys = numbers.flatMap((n) => [`${layout.task(ref)}/_meta/${n}.start.json`, `${layout.task(ref)}/_meta/${n}.end.json`]);
    const records = await this.getJson<(AttemptRecord | undefined)[]>(keys);
    return numbers.map((_, i) => ({ ...records[2 * i]!, ...(records[2 * i + 1] ?? {}) }));
  }

  async setTags(flow: string, run: string, tags: string[]): Promise<void> {
    await this.put(`${flow}/${run}/_meta/tags.json`, tags);
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
