import { z } from "zod";
import { NAME_PATTERN, NAME_RULE } from "../../metadata/names.ts";
import { MetricsQuery, Run, RunsQuery, TaskMetrics, TaskParams } from "./schemas.ts";

const whole = (min: number, max: number) =>
  z.string().regex(/^-?\d{1,15}$/, "must be a whole number").transform(Number).pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const AcrossRunsQuery = RunsQuery.extend({ flow: z.string().regex(NAME_PATTERN, `must be ${NAME_RULE}`).optional() });
export const RunsAcrossPage = z.object({ runs: z.array(Run), next: z.string().nullable() });
export const TaskSummariesQuery = z.strictObject({ step: z.string().regex(NAME_PATTERN, `must be ${NAME_RULE}`).optional() });

const Frame = z.object({ step: z.string(), task: z.string(), index: z.number(), numSplits: z.number() });
export const TaskSummary = z.object({
  step: z.string(),
  task: z.string(),
  createdAt: z.string(),
  foreachStack: z.array(Frame),
  status: z.enum(["pending", "running", "succeeded", "failed"]),
  attempts: z.array(z.object({ attempt: z.number(), startedAt: z.string(), finishedAt: z.string().optional(), ok: z.boolean().optional() })),
  input: z.string().optional(),
  exception: z.object({ type: z.string(), message: z.string() }).optional(),
});

export const LogParams = TaskParams.extend({ stream: z.enum(["stdout", "stderr"], { message: 'must be "stdout" or "stderr"' }) });
const attempt = { attempt: whole(0, 999_999).optional() };
export const LogQuery = z.strictObject({ ...attempt, offset: whole(-(2 ** 50), 2 ** 50).optional(), length: whole(1, 1024 * 1024).optional() });
export const LogTailQuery = z.strictObject({ ...attempt, offset: whole(-(2 ** 50), 2 ** 50).optional() });
export const LogSearchQuery = z.strictObject({ ...attempt, q: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters"), limit: whole(1, 1000).optional() });
export const LogDownloadQuery = z.strictObject(attempt);
export const LogChunk = z.object({ attempt: z.number(), stream: z.string(), offset: z.number(), end: z.number(), size: z.number(), text: z.string() });
export const LogMatches = z.object({ attempt: z.number(), matches: z.array(z.object({ offset: z.number(), line: z.string() })), complete: z.boolean() });

export const ArtifactParams = TaskParams.extend({ name: z.string().min(1).max(255) });
export const PreviewQuery = z.strictObject({ ...attempt, bytes: whole(1, 16 * 1024 * 1024).optional() });
export const ArtifactPreview = z.object({
  name: z.string(),
  attempt: z.number(),
  type: z.string(),
  size: z.number(),
  sha: z.string(),
  serializer: z.string(),
  bytesRead: z.number(),
  whole: z.boolean(),
  value: z.unknown().describe("A PreviewNode (src/service/ui/preview/preview-node.ts): { kind, … } with containers cut to their first items"),
});

export const CardParams = TaskParams.extend({ id: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a card id: an identifier of at most 64 characters") });
export const CardQuery = z.strictObject({
  ...attempt,
  v: z.string().max(64).optional().describe("Not read: the UI puts the card's version here so that a changed card has a new URL"),
});
export const LiveReportsQuery = MetricsQuery.extend(attempt);
export const LiveReports = z.object({ attempt: z.number(), cards: z.array(z.object({ id: z.string(), size: z.number(), version: z.string() })), metrics: TaskMetrics });
