import type { TaskSummary } from "../../cards/render/render-card.ts";
import type { MetricsRecord, TaskData } from "../../datastore/task-datastore.ts";
import { layout } from "../../datastore/layout.ts";
import { inertCards, type CardCollection } from "../../flow/card-api.ts";
import type { MetricOptions } from "../../flow/current.ts";
import type { CardSession } from "./card-session.ts";
import { MetricsLog } from "./metrics-log.ts";
import type { TaskContext } from "./task-context.ts";

/** How often the metrics logged so far are written while the task runs, at most. */
const LIVE_METRICS_MS = 2_000;

/**
 * What a step reports besides artifacts: its cards and its metrics. The card code is
 * imported only for a step with @card; metrics cost nothing until one is logged.
 */
export class TaskOutputs {
  private readonly metrics = new MetricsLog();
  private liveTimer: NodeJS.Timeout | undefined;
  private liveWrite: Promise<void> | undefined;

  private constructor(
    private readonly ctx: TaskContext,
    private readonly cards: CardSession | undefined,
  ) {
    this.metrics.onChange = () => this.scheduleLiveMetrics();
  }

  static async open(ctx: TaskContext): Promise<TaskOutputs> {
    const declarations = ctx.spec.decorators[ctx.args.step]?.card ?? [];
    if (declarations.length === 0) return new TaskOutputs(ctx, undefined);
    const { CardSession } = await import("./card-session.ts");
    const warn = (line: string) => process.stderr.write(`${line}\n`);
    return new TaskOutputs(ctx, new CardSession({ backend: ctx.backend, content: ctx.content, ref: ctx.ref, attempt: ctx.args.attempt, declarations, warn }));
  }

  /** The `current` fields these serve. */
  get current(): { card: CardCollection; logMetric: (name: string, value: number, options?: MetricOptions) => void } {
    return { card: this.cards?.collection() ?? inertCards(this.ctx.args.step), logMetric: (name, value, options) => this.metrics.log(name, value, options) };
  }

  /**
   * Renders and stores the cards and the metrics, before the done marker: a task that
   * reads as done has both. `task` gives the default card its details.
   */
  async finish(summary: TaskSummary): Promise<Pick<TaskData, "cards" | "metrics">> {
    clearTimeout(this.liveTimer);
    await this.liveWrite;
    const [cards, metrics] = await Promise.all([this.cards?.finish(summary), this.saveMetrics()]);
    return { ...(cards ? { cards } : {}), ...(metrics ? { metrics } : {}) };
  }

  /** After a failed step: the cards and metrics as they were, where a reader of the failed attempt finds them. Never throws. */
  async flushFailed(): Promise<void> {
    clearTimeout(this.liveTimer);
    await this.liveWrite;
    await Promise.all([this.cards?.flushLive(), this.metrics.size ? this.writeLiveMetrics() : undefined]);
  }

  private async saveMetrics(): Promise<MetricsRecord | undefined> {
    if (this.metrics.size === 0) return undefined;
    const bytes = this.metrics.bytes();
    const [sha] = await this.ctx.content.save([bytes]);
    return { sha: sha!, size: bytes.byteLength, names: this.metrics.names() };
  }

  private scheduleLiveMetrics(): void {
    this.liveTimer ??= setTimeout(() => {
      this.liveTimer = undefined;
      this.liveWrite = this.writeLiveMetrics();
    }, LIVE_METRICS_MS).unref();
  }

  private async writeLiveMetrics(): Promise<void> {
    try {
      await this.ctx.backend.putBytes([{ key: layout.liveMetrics(this.ctx.ref, this.ctx.args.attempt), data: this.metrics.bytes(), overwrite: true }]);
    } catch (error) {
      process.stderr.write(`weft: the metrics logged so far could not be saved (they are saved again when the task ends): ${(error as Error).message}\n`);
    }
  }
}
