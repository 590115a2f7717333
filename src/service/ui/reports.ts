import { createHash } from "node:crypto";
import { cardCsp } from "../../cards/render/page.ts";
import { ContentStore } from "../../datastore/content-store.ts";
import { layout, pathspecOf, type TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { limitPoints, seriesOf, type MetricSeries, type MetricsFile } from "../../metadata/metrics.ts";
import type { CardMetadata } from "../../metadata/types.ts";

/**
 * Cards and metrics as the UI shows them. A finished attempt's cards are in the content
 * store where the metadata says; a running (or failed) attempt's are the files it last
 * wrote beside its logs (`<attempt>.card.<id>.html`, `<attempt>.metrics.json`), which is
 * what the UI polls while the task runs (docs/cards.md).
 */

/** The largest card the UI serves (a 10,000-row table is ~2 MB); `weft card get` gives any card whole. */
export const MAX_CARD_BYTES = 32 * 1024 * 1024;

/**
 * The policy a card is served with: the card's own (no network, no script but Weft's
 * deferred-rows script by hash, inline styles), plus `sandbox allow-scripts`, so even a
 * card opened directly rather than in the UI's iframe runs in an opaque origin, away from
 * the UI's origin and its token; and only the UI itself may frame it.
 */
export const CARD_RESPONSE_CSP = `${cardCsp(true)}; sandbox allow-scripts; frame-ancestors 'self'`;

/** One card of an attempt, ready to be read. */
export interface CardSource {
  attempt: number;
  id: string;
  /** Written while the attempt ran (or when it failed), not the finished card. */
  live: boolean;
  size: number;
  read(): Promise<Uint8Array>;
}

/**
 * Card `id` of `attempt`: the finished card the attempt recorded, else the one it last
 * wrote while running. Without `attempt`, the latest attempt that recorded that card,
 * else `latestAttempt`'s live one. Undefined when there is none.
 */
export async function findCard(store: StorageBackend, ref: TaskRef, recorded: CardMetadata[], id: string, attempt: number | undefined, latestAttempt: number | undefined): Promise<CardSource | undefined> {
  const finished = recorded.filter((c) => c.id === id && (attempt === undefined || c.attempt === attempt)).at(-1);
  if (finished) {
    const content = new ContentStore(store, layout.contentPrefix(ref.flow));
    return { attempt: finished.attempt, id, live: false, size: finished.size, read: async () => (await content.load([finished.sha], () => `Card "${id}" of ${pathspecOf(ref)}`))[0]! };
  }
  const liveAttempt = attempt ?? latestAttempt;
  if (liveAttempt === undefined) return undefined;
  const key = layout.liveCard(ref, liveAttempt, id);
  const [size] = await store.sizes([key]);
  if (size === null || size === undefined) return undefined;
  return {
    attempt: liveAttempt,
    id,
    live: true,
    size,
    read: async () => (await store.getBytes([key]))[0] ?? new Uint8Array(),
  };
}

/** What an attempt has written so far while running: its cards and its metrics. */
export interface LiveReports {
  attempt: number;
  /** `version` changes when the card does: a viewer reloads it then, and only then. */
  cards: { id: string; size: number; version: string }[];
  metrics: MetricSeries[];
}

/** Live cards up to this size are hashed to tell a change; a larger one (rare) is known by its size alone. */
const HASHED_CARD_BYTES = 4 * 1024 * 1024;

/** The live cards and metrics of `attempt`: a listing of the task's folder and a few small reads. */
export async function liveReports(store: StorageBackend, ref: TaskRef, attempt: number, maxPoints: number | undefined): Promise<LiveReports> {
  const pattern = new RegExp(`/${attempt}\\.card\\.([A-Za-z0-9_]+)\\.html$`);
  const [keys, [metricsBytes]] = await Promise.all([store.list(`${layout.task(ref)}/`), store.getBytes([layout.liveMetrics(ref, attempt)])]);
  const cardKeys = keys.filter((k) => pattern.test(k)).sort();
  const sizes = cardKeys.length ? await store.sizes(cardKeys) : [];
  const small = cardKeys.filter((_, i) => (sizes[i] ?? 0) <= HASHED_CARD_BYTES);
  const bytes = new Map(small.length ? (await store.getBytes(small)).map((b, i) => [small[i]!, b]) : []);
  const cards = cardKeys.map((k, i) => {
    const size = sizes[i] ?? 0;
    const read = bytes.get(k);
    return { id: pattern.exec(k)![1]!, size, version: read ? createHash("sha256").update(read).digest("hex").slice(0, 16) : `size-${size}` };
  });
  // Written whole (an atomic rename locally, one block blob on Azure), so never seen mid-write.
  const file = metricsBytes ? (JSON.parse(Buffer.from(metricsBytes).toString("utf8")) as MetricsFile) : {};
  return { attempt, cards, metrics: seriesOf(file, attempt).map((s) => limitPoints(s, maxPoints)) };
}
