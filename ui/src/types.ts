// The API's shapes, as the service declares them (type-only imports: nothing of the service is bundled).
export type { RunView, TaskSummary, TaskStatus, AttemptSpan } from "../../src/service/ui/types.ts";
export type { PreviewNode, ArtifactPreview } from "../../src/service/ui/preview/preview-node.ts";
export type { LogChunk, LogMatch } from "../../src/service/ui/logs.ts";
export type { RunOutline, AttemptRecord, ArtifactMetadata, MetadataEntry, TaskRecord, RunStatus, CardMetadata, TaskMetricSeries } from "../../src/metadata/types.ts";
export type { MetricSeries } from "../../src/metadata/metrics.ts";
export type { LiveReports } from "../../src/service/ui/reports.ts";
export type { GraphNode, FlowGraph } from "../../src/flow/graph/graph.ts";

export interface RunsPage {
  runs: import("../../src/service/ui/types.ts").RunView[];
  next: string | null;
}
