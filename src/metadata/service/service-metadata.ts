import type { TaskRef } from "../../datastore/layout.ts";
import { checkChosenRunId, runExistsError } from "../ids.ts";
import { checkName, checkRunNames } from "../names.ts";
import { RECORD_LIMITS, truncateMiddle } from "../record-limits.ts";
import type { MetricSeries, MetricsFile } from "../metrics.ts";
import type { ArtifactInfo, ArtifactMetadata, AttemptRecord, CardInfo, CardMetadata, MetadataEntry, MetadataProvider, MetricsQuery, RunInit, RunOutline, RunRecord, RunRef, RunState, StartOptions, TagRemoval, TaskFact, TaskMetricSeries, TaskRecord } from "../types.ts";
// The service's answers, typed by the repositories that make them (types only: nothing of the service is loaded).
import type { RunView } from "../../service/repositories/runs-repository.ts";
import type { TaskView } from "../../service/repositories/tasks-repository.ts";
import { ServiceClient, type ServiceConnection } from "./service-client.ts";

interface RunPage {
  runs: RunView[];
  next: string | null;
}

const e = encodeURIComponent;
const runPath = (flow: string, run: string) => `/flows/${e(flow)}/runs/${e(run)}`;
const stepPath = (flow: string, run: string, step: string) => `${runPath(flow, run)}/steps/${e(step)}`;
const taskPath = (ref: TaskRef) => `${stepPath(ref.flow, ref.run, ref.step)}/tasks/${e(ref.task)}`;

/** The attempt with its failure cut to what the service stores: a failure is recorded whatever its size. */
function bounded(attempt: AttemptRecord): AttemptRecord {
  const failure = attempt.exception;
  if (!failure) return attempt;
  const exception = {
    type: truncateMiddle(failure.type, RECORD_LIMITS.exceptionType),
    message: truncateMiddle(failure.message, RECORD_LIMITS.exceptionMessage),
    ...(failure.stack === undefined ? {} : { stack: truncateMiddle(failure.stack, RECORD_LIMITS.exceptionStack) }),
  };
  return { ...attempt, exception };
}

const pointsQuery = ({ maxPoints }: MetricsQuery) => (maxPoints === undefined ? "" : `?maxPoints=${maxPoints}`);

const toRecord = ({ state: _state, heartbeatAt: _beat, ...record }: RunView): RunRecord => record;
const toTask = ({ heartbeatAt: _beat, ...record }: TaskView): TaskRecord => record;

/**
 * The metadata service's HTTP API as a MetadataProvider (SPEC §7). Reads of something
 * the service does not know answer undefined or empty, as the local provider does.
 */
export class ServiceMetadata implements MetadataProvider {
  readonly kind = "service";
  readonly location: string;
  private readonly client: ServiceClient;

  constructor(connection: ServiceConnection) {
    this.client = new ServiceClient(connection);
    this.location = `the metadata service at ${connection.url}`;
  }

  async createRun(init: RunInit): Promise<RunRecord> {
    const { flow, ...body } = init;
    checkRunNames(init);
    // Refused here too, so the message is the same as the local provider's.
    if (body.run !== undefined) checkChosenRunId(flow, body.run);
    // Not retried once sent: a lost answer must not allocate a second run.
    const path = `/flows/${e(flow)}/runs`;
    const answer = await this.client.send("POST", path, body, false);
    if (answer.status === 409 && body.run !== undefined) throw runExistsError(flow, body.run);
    if (answer.status < 200 || answer.status >= 300) throw this.client.refused("POST", path, answer);
    return toRecord(answer.body as RunView);
  }

  async setRunState(flow: string, run: string, state: RunState): Promise<void> {
    const reason = state.reason === undefined ? {} : { reason: truncateMiddle(state.reason, RECORD_LIMITS.reason) };
    await this.client.call("PUT", `${runPath(flow, run)}/state`, { ...state, ...reason });
  }

  async recordRunOutline(flow: string, run: string, outline: RunOutline): Promise<void> {
    await this.client.call("PUT", `${runPath(flow, run)}/outline`, outline);
  }

  async registerTask(task: TaskRecord): Promise<void> {
    const { flow, run, step, ...body } = task;
    checkName("step", step);
    await this.client.call("POST", `${stepPath(flow, run, step)}/tasks`, body);
  }

  /** The service merges what it is sent, so `whole` changes nothing here. */
  async startAttempt(ref: TaskRef, attempt: AttemptRecord, facts: TaskFact[] = [], { task }: StartOptions = {}): Promise<void> {
    await Promise.all([task && this.registerTask(task), this.client.call("PUT", `${taskPath(ref)}/attempts/${attempt.attempt}/start`, { ...bounded(attempt), metadata: facts })]);
  }

  async finishAttempt(ref: TaskRef, attempt: AttemptRecord, artifacts: ArtifactInfo[] = []): Promise<void> {
    await this.client.call("PUT", `${taskPath(ref)}/attempts/${attempt.attempt}/finish`, { ...bounded(attempt), artifacts });
  }

  async listFlows(): Promise<string[]> {
    return (await this.client.call<{ name: string }[]>("GET", "/flows")).map((f) => f.name);
  }

  async listRuns(flow: string): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    for (let cursor: string | null = ""; cursor !== null; ) {
      const page: RunPage | undefined = await this.read<RunPage>(`/flows/${e(flow)}/runs?limit=1000${cursor ? `&cursor=${e(cursor)}` : ""}`);
      if (!page) return [];
      runs.push(...page.runs.map(toRecord));
      cursor = page.next;
    }
    return runs;
  }

  async getRun(flow: string, run: string): Promise<RunRecord | undefined> {
    const view = await this.read<RunView>(runPath(flow, run));
    return view && toRecord(view);
  }

  async getRunState(flow: string, run: string): Promise<RunState | undefined> {
    return (await this.read<RunView>(runPath(flow, run)))?.state ?? undefined;
  }

  async listSteps(flow: string, run: string): Promise<string[]> {
    return ((await this.read<{ step: string }[]>(`${runPath(flow, run)}/steps`)) ?? []).map((s) => s.step);
  }

  async listTasks(flow: string, run: string, step: string): Promise<TaskRecord[]> {
    return ((await this.read<TaskView[]>(`${stepPath(flow, run, step)}/tasks`)) ?? []).map(toTask);
  }

  async getTask(ref: TaskRef): Promise<TaskRecord | undefined> {
    const view = await this.read<TaskView>(taskPath(ref));
    return view && toTask(view);
  }

  async listAttempts(ref: TaskRef): Promise<AttemptRecord[]> {
    return (await this.read<AttemptRecord[]>(`${taskPath(ref)}/attempts`)) ?? [];
  }

  async addTags(flow: string, run: string, tags: string[]): Promise<string[] | undefined> {
    return (await this.post<{ tags: string[] }>(`${runPath(flow, run)}/tags/add`, { tags }, true))?.tags;
  }

  async removeTags(flow: string, run: string, tags: string[]): Promise<TagRemoval | undefined> {
    // Not retried once sent: a repeat of a removal that landed would report the tags missing.
    return this.post<TagRemoval>(`${runPath(flow, run)}/tags/remove`, { tags }, false);
  }

  async listArtifacts(ref: TaskRef): Promise<ArtifactMetadata[]> {
    return (await this.read<ArtifactMetadata[]>(`${taskPath(ref)}/artifacts`)) ?? [];
  }

  async listMetadata(ref: TaskRef): Promise<MetadataEntry[]> {
    return (await this.read<MetadataEntry[]>(`${taskPath(ref)}/metadata`)) ?? [];
  }

  async recordCards(ref: TaskRef, attempt: number, cards: CardInfo[]): Promise<void> {
    await this.client.call("PUT", `${taskPath(ref)}/attempts/${attempt}/cards`, { cards });
  }

  async listCards(ref: TaskRef): Promise<CardMetadata[]> {
    return (await this.read<CardMetadata[]>(`${taskPath(ref)}/cards`)) ?? [];
  }

  async recordMetrics(ref: TaskRef, attempt: number, metrics: MetricsFile): Promise<void> {
    // Points travel as [step, value, time]: a third of the bytes of objects.
    const compact = Object.fromEntries(Object.entries(metrics).map(([name, points]) => [name, points.map((p) => [p.step, p.value, p.time])]));
    await this.client.call("PUT", `${taskPath(ref)}/attempts/${attempt}/metrics`, { metrics: compact });
  }

  async listMetrics(ref: TaskRef, query: MetricsQuery = {}): Promise<MetricSeries[]> {
    return (await this.read<MetricSeries[]>(`${taskPath(ref)}/metrics${pointsQuery(query)}`)) ?? [];
  }

  async listRunMetrics(flow: string, run: string, query: MetricsQuery = {}): Promise<TaskMetricSeries[]> {
    return (await this.read<TaskMetricSeries[]>(`${runPath(flow, run)}/metrics${pointsQuery(query)}`)) ?? [];
  }

  async heartbeat(target: RunRef | TaskRef): Promise<void> {
    await this.client.call("POST", `${"task" in target ? taskPath(target) : runPath(target.flow, target.run)}/heartbeat`);
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.client.close();
  }

  /** A GET whose 404 means "not there": undefined rather than an error. */
  private async read<T>(path: string): Promise<T | undefined> {
    const answer = await this.client.send("GET", path);
    if (answer.status === 404) return undefined;
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    throw this.client.refused("GET", path, answer);
  }

  /** A POST whose 404 means the run does not exist: undefined rather than an error. */
  private async post<T>(path: string, body: unknown, idempotent: boolean): Promise<T | undefined> {
    const answer = await this.client.send("POST", path, body, idempotent);
    if (answer.status === 404) return undefined;
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    throw this.client.refused("POST", path, answer);
  }
}
