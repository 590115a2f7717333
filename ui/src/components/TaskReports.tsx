import { getJson } from "../api.ts";
import { usePolling } from "../live.ts";
import type { CardMetadata, LiveReports, MetricSeries } from "../types.ts";
import { Cards, type CardView } from "./Cards.tsx";
import { TaskMetrics } from "./TaskMetrics.tsx";

/** Points per metric asked of the server for the task page's small charts. */
const MAX_POINTS = 200;

interface Reports {
  cards: CardView[];
  metrics: MetricSeries[];
  /** Read from what the attempt wrote while running, not from what it recorded at its end. */
  live: boolean;
}

/**
 * The attempt's cards and metrics: those it recorded when it finished (the cards and
 * metrics routes), else what it has written so far (`live-reports`), read again every
 * 2 s while it runs. Without an attempt (a task cloned by resume), the latest recorded.
 */
async function loadReports(base: string, attempt: number | undefined, signal: AbortSignal): Promise<Reports> {
  const [cards, metrics] = await Promise.all([getJson<CardMetadata[]>(`${base}/cards`, signal), getJson<MetricSeries[]>(`${base}/metrics?maxPoints=${MAX_POINTS}`, signal)]);
  const shown = attempt ?? Math.max(-1, ...cards.map((c) => c.attempt), ...metrics.map((m) => m.attempt));
  const recordedCards = cards.filter((c) => c.attempt === shown);
  const recordedMetrics = metrics.filter((m) => m.attempt === shown);
  if (recordedCards.length || recordedMetrics.length || attempt === undefined) {
    return { cards: recordedCards.map((c) => ({ id: c.id, type: c.type, attempt: c.attempt, live: false, version: c.sha.slice(0, 16), errors: c.errors ?? [] })), metrics: recordedMetrics, live: false };
  }
  const live = await getJson<LiveReports>(`${base}/live-reports?attempt=${attempt}&maxPoints=${MAX_POINTS}`, signal);
  return { cards: live.cards.map((c) => ({ id: c.id, type: "live", attempt, live: true, version: c.version, errors: [] })), metrics: live.metrics, live: true };
}

/**
 * The Cards and Metrics sections of a task page. Read again while the attempt runs, and
 * after it succeeded until its recorded cards and metrics replace the live ones (the
 * runner records them just after the attempt's end).
 */
export function TaskReports({ base, attempt, running, succeeded }: { base: string; attempt: number | undefined; running: boolean; succeeded: boolean }) {
  const loaded = usePolling(
    (signal) => loadReports(base, attempt, signal),
    `${base}|${attempt}|${running}|${succeeded}`,
    (data) => (running || (succeeded && data?.live && data.cards.length + data.metrics.length > 0) ? 2000 : null),
  );
  const data = loaded.data;
  return (
    <>
      <h2>Cards{data?.live && data.cards.length ? " (live)" : ""}</h2>
      {loaded.error && !data ? <p className="error">Could not read the cards: {loaded.error.message}</p> : data ? <Cards base={base} cards={data.cards} running={running} /> : <p className="loading">Loading…</p>}
      <h2>Metrics{data?.live && data.metrics.length ? " (live)" : ""}</h2>
      {data && <TaskMetrics metrics={data.metrics} />}
    </>
  );
}
