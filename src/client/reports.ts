import { ContentStore } from "../datastore/content-store.ts";
import { layout, pathspecOf, type TaskRef } from "../datastore/layout.ts";
import { WeftError } from "../errors/weft-error.ts";
import { limitPoints, seriesOf, type MetricSeries, type MetricsFile } from "../metadata/metrics.ts";
import type { MetricsQuery } from "../metadata/types.ts";
import type { ClientContext } from "./context.ts";

/** A card of a task, as the client lists it. */
export interface CardEntry {
  id: string;
  type: string;
  attempt: number;
  /** Written while the attempt ran (or when it failed), not the finished card. */
  live: boolean;
  size: number;
}

interface Located extends CardEntry {
  read: () => Promise<Uint8Array>;
}

/**
 * The cards of a task's latest attempt that has any: the finished cards as the metadata
 * indexes them, else those the attempt wrote while it ran (a running or failed task).
 */
export async function locateCards(ctx: ClientContext, ref: TaskRef, attempts: number[]): Promise<Located[]> {
  const indexed = await ctx.metadata.listCards(ref);
  const done = indexed.filter((c) => c.attempt === Math.max(...indexed.map((i) => i.attempt)));
  if (done.length) {
    const content = new ContentStore(ctx.backend, layout.contentPrefix(ref.flow));
    return done.map((c) => ({ id: c.id, type: c.type, attempt: c.attempt, live: false, size: c.size, read: async () => (await content.load([c.sha], () => `Card "${c.id}" of ${pathspecOf(ref)}`))[0]! }));
  }
  const keys = await ctx.backend.list(`${layout.task(ref)}/`);
  for (const attempt of [...attempts].sort((a, b) => b - a)) {
    const live = keys.map((k) => new RegExp(`/${attempt}\\.card\\.([A-Za-z0-9_]+)\\.html$`).exec(k)?.[1]).filter((id): id is string => id !== undefined);
    if (live.length === 0) continue;
    return live.sort().map((id) => ({ id, type: "live", attempt, live: true, size: 0, read: () => readKey(ctx, layout.liveCard(ref, attempt, id), `Card "${id}" of ${pathspecOf(ref)}`) }));
  }
  return [];
}

/** One card's HTML: the one named `id`, or the task's only card. */
export async function readCard(ctx: ClientContext, ref: TaskRef, attempts: number[], id: string | undefined): Promise<{ entry: CardEntry; html: string }> {
  const cards = await locateCards(ctx, ref, attempts);
  if (cards.length === 0) throw new WeftError("NOT_FOUND", `Task ${pathspecOf(ref)} has no card.`, { hint: "Add @card() to its step; a running task has one once it refreshes it, a finished one always." });
  const chosen = id === undefined ? (cards.length === 1 ? cards[0] : undefined) : cards.find((c) => c.id === id);
  if (!chosen) {
    const ids = cards.map((c) => c.id).join(", ");
    throw new WeftError(id === undefined ? "USAGE" : "NOT_FOUND", id === undefined ? `Task ${pathspecOf(ref)} has ${cards.length} cards: ${ids}.` : `Task ${pathspecOf(ref)} has no card "${id}".`, { hint: `Choose one with --id: ${ids}.` });
  }
  const { read, ...entry } = chosen;
  return { entry, html: Buffer.from(await read()).toString("utf8") };
}

/**
 * The metrics of a task's latest attempt that logged any: as the metadata holds them
 * for a finished attempt, else as the attempt has written them so far.
 */
export async function taskMetrics(ctx: ClientContext, ref: TaskRef, attempts: number[], query: MetricsQuery): Promise<MetricSeries[]> {
  const recorded = await ctx.metadata.listMetrics(ref, query);
  if (recorded.length) {
    const latest = Math.max(...recorded.map((s) => s.attempt));
    return recorded.filter((s) => s.attempt === latest);
  }
  for (const attempt of [...attempts].sort((a, b) => b - a)) {
    const [bytes] = await ctx.backend.getBytes([layout.liveMetrics(ref, attempt)]);
    if (bytes) return seriesOf(JSON.parse(Buffer.from(bytes).toString("utf8")) as MetricsFile, attempt).map((s) => limitPoints(s, query.maxPoints));
  }
  return [];
}

async function readKey(ctx: ClientContext, key: string, what: string): Promise<Uint8Array> {
  const [bytes] = await ctx.backend.getBytes([key]);
  if (!bytes) throw new WeftError("NOT_FOUND", `${what} is gone from the datastore (${key}).`);
  return bytes;
}
