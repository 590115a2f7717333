import { hostname } from "node:os";
import type { ContentStore } from "../datastore/content-store.ts";
import { layout, type TaskRef } from "../datastore/layout.ts";
import type { TaskData } from "../datastore/task-datastore.ts";
import type { MetricsFile } from "../metadata/metrics.ts";
import type { ArtifactInfo, MetadataProvider, TaskFact } from "../metadata/types.ts";
import type { RunSpec } from "./run-spec.ts";

/** Where an attempt runs and where its logs go: recorded with its start. */
export function attemptFacts(spec: RunSpec, ref: TaskRef, attempt: number, pid: number | undefined): TaskFact[] {
  return [
    { field: "host", value: hostname(), type: "runtime" },
    ...(pid === undefined ? [] : [{ field: "pid", value: String(pid), type: "runtime" }]),
    { field: "code-package", value: spec.codePackage.key, type: "code" },
    { field: "log-location-stdout", value: layout.attemptFile(ref, attempt, "stdout"), type: "log" },
    { field: "log-location-stderr", value: layout.attemptFile(ref, attempt, "stderr"), type: "log" },
  ];
}

/** What and where an attempt's artifacts are, never their bytes: recorded with its end. */
export function artifactMetadata(content: ContentStore, data: TaskData): ArtifactInfo[] {
  return Object.entries(data.artifacts).map(([name, a]) => ({ name, sha: a.sha, type: a.type, size: a.size, location: content.keyOf(a.sha) }));
}

/**
 * Indexes a finished attempt's cards and metrics in the metadata, from its done marker:
 * where each card is, and every metric point (read from the datastore). Nothing to do
 * for a step with neither.
 */
export async function recordReports(metadata: MetadataProvider, content: ContentStore, ref: TaskRef, attempt: number, data: TaskData): Promise<void> {
  const writes: Promise<void>[] = [];
  if (data.cards?.length) {
    writes.push(metadata.recordCards(ref, attempt, data.cards.map((c) => ({ id: c.id, type: c.type, sha: c.sha, size: c.size, location: content.keyOf(c.sha), ...(c.errors ? { errors: c.errors } : {}) }))));
  }
  if (data.metrics) {
    const [bytes] = await content.load([data.metrics.sha], () => `The metrics of ${layout.task(ref)}`);
    writes.push(metadata.recordMetrics(ref, attempt, JSON.parse(Buffer.from(bytes!).toString("utf8")) as MetricsFile));
  }
  await Promise.all(writes);
}
