import { z } from "zod";
import { ID_PATTERN, ID_RULE, isAllocatedId, RESERVED_RUN_IDS } from "../../metadata/ids.ts";
import { MAX_ARTIFACT_NAME_LENGTH, MAX_TAG_LENGTH, MAX_USER_LENGTH, NAME_PATTERN, NAME_RULE, USER_RULE, userNameProblem } from "../../metadata/names.ts";
import { RECORD_LIMITS as L } from "../../metadata/record-limits.ts";
import { MAX_POINTS_PER_METRIC, METRIC_NAME_PATTERN, METRIC_NAME_RULE } from "../../metadata/metrics.ts";

/** Names and ids as the runtime makes them; anything else (`..`, `/`, quotes) is refused before SQL sees it. */
const name = z.string().regex(NAME_PATTERN, `must be ${NAME_RULE}`);
const id = z.string().regex(ID_PATTERN, `must be an id: ${ID_RULE}`);
/** A run id a caller chose (checkChosenRunId): never all digits, so never one the service allocates. */
const chosenRun = id
  .refine((r) => !isAllocatedId(r), "must not be all digits: those ids are the service's to allocate. Choose one with a letter, e.g. argo-train-x7k2p, or leave it out to get the next number")
  .refine((r) => !RESERVED_RUN_IDS.has(r), `must not be ${[...RESERVED_RUN_IDS].join(" or ")}: those name a flow's own folders in the datastore`);
const timestamp = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 time such as 2026-01-31T12:00:00.000Z" })
  // A malformed time has its message above already; a well-formed one must fit PostgreSQL and toISOString.
  .refine((t) => {
    const year = new Date(t).getUTCFullYear();
    return Number.isNaN(year) || (year >= 1 && year <= 9999);
  }, "must be a time between the years 0001 and 9999");
// PostgreSQL text holds neither NUL nor half a surrogate pair: refused here, with the field named, not at the database.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (s: string) => !s.includes("\u0000") && !LONE_SURROGATE.test(s);
const STORABLE = "must not contain NUL characters or unpaired surrogates";
const tag = z.string().min(1, "must not be empty").max(MAX_TAG_LENGTH, `must be at most ${MAX_TAG_LENGTH} characters`).refine(storable, STORABLE);
/** The same rule as WEFT_USER in config (src/metadata/names.ts). */
const user = z.string().refine((u) => userNameProblem(u) === undefined, `must be ${USER_RULE}`);
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).refine(storable, STORABLE);
const count = z.number().int("must be a whole number").nonnegative("must not be negative");

export const FlowParams = z.object({ flow: name });
export const RunParams = FlowParams.extend({ run: id });
export const StepParams = RunParams.extend({ step: name });
export const TaskParams = StepParams.extend({ task: id });
export const AttemptParams = TaskParams.extend({ attempt: z.string().regex(/^\d{1,6}$/, "must be a whole number such as 0").transform(Number) });

export const RunStatus = z.enum(["running", "succeeded", "failed", "killed"], { message: 'must be "running", "succeeded", "failed" or "killed"' });

export const RunState = z.strictObject({
  status: RunStatus,
  finishedAt: timestamp.optional(),
  reason: text(L.reason).optional(),
  runner: z.strictObject({ host: text(255), pid: count }).optional(),
  orchestrator: z.strictObject({ kind: z.literal("argo-workflows"), namespace: text(253), name: text(253) }).optional(),
});

export const CreateRunBody = z.strictObject({
  /** The id the caller chose; without it the service allocates the flow's next number. */
  run: chosenRun.optional(),
  user,
  tags: z.array(tag).max(100),
  systemTags: z.array(tag).max(100),
  originRun: id.optional(),
});

export const TagsBody = z.strictObject({ tags: z.array(tag).max(100) });

const ForeachFrame = z.strictObject({ step: name, task: id, index: count, numSplits: count });
export const RegisterTaskBody = z.strictObject({
  task: id,
  createdAt: timestamp,
  foreachStack: z.array(ForeachFrame).max(100),
  origin: text(1024).optional(),
});

/** Depth of nested objects and arrays, counted without recursion (a 5,000-deep value must not exhaust the stack). */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Free-form JSON (an attempt's `info`), bounded in depth and size before anything else looks at it. */
const boundedJson = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  if (depthOf(v, L.infoDepth) > L.infoDepth) return ctx.addIssue({ code: "custom", message: `must nest objects and arrays at most ${L.infoDepth} levels deep` });
  const json = JSON.stringify(v);
  if (Buffer.byteLength(json) > L.infoBytes) return ctx.addIssue({ code: "custom", message: `must be at most ${L.infoBytes} bytes as JSON` });
  // JSON.stringify escapes NUL and lone surrogates, which jsonb refuses in that form too.
  if (/\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(json)) ctx.addIssue({ code: "custom", message: STORABLE });
});

const ErrorInfo = z.strictObject({ type: text(L.exceptionType), message: text(L.exceptionMessage), stack: text(L.exceptionStack).optional() });
export const AttemptBody = z.strictObject({
  attempt: count,
  startedAt: timestamp,
  finishedAt: timestamp.optional(),
  ok: z.boolean().optional(),
  exception: ErrorInfo.optional(),
  info: boundedJson.optional(),
});

const unique = <T>(key: (item: T) => string, what: string) => (items: T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(key(item))) ctx.addIssue({ code: "custom", path: [i], message: `repeats ${what} "${key(item)}"; send each once` });
    seen.add(key(item));
  });
};

const ArtifactInfo = z.strictObject({
  name: text(MAX_ARTIFACT_NAME_LENGTH).min(1, "must not be empty"),
  sha: z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in 64 lowercase hex digits"),
  type: text(255),
  size: count,
  location: text(1024),
});
const Fact = z.strictObject({ field: text(255).min(1, "must not be empty"), value: text(4096), type: text(255) });

/** An attempt's start, with facts about it (task metadata) recorded in the same statement. */
export const StartBody = AttemptBody.extend({ metadata: z.array(Fact).max(1_000).superRefine(unique((f) => f.field, "field")).default([]) });
/** An attempt's end, with the artifacts it saved recorded in the same statement. */
export const FinishBody = AttemptBody.extend({ artifacts: z.array(ArtifactInfo).max(10_000).superRefine(unique((a) => a.name, "name")).default([]) });

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in 64 lowercase hex digits");
const CardInfo = z.strictObject({
  id: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a card id: an identifier of at most 64 characters"),
  type: text(64).min(1, "must not be empty"),
  sha: sha256,
  size: count,
  location: text(1024),
  errors: z.array(text(L.exceptionMessage)).max(1_000).optional(),
});
/** An attempt's cards, replacing what it recorded before. */
export const CardsBody = z.strictObject({ cards: z.array(CardInfo).max(100).superRefine(unique((c) => c.id, "card id")) });

const metricName = z.string().regex(METRIC_NAME_PATTERN, `must be ${METRIC_NAME_RULE}`);
/** A point on the wire: [step, value, time in ms]; compact, since a series may hold a million. */
const PointTuple = z.tuple([count, z.number().refine(Number.isFinite, "must be a finite number"), count]);
/** An attempt's metrics, every point, replacing what it recorded before. */
export const MetricsBody = z.strictObject({
  metrics: z
    .record(metricName, z.array(PointTuple).max(MAX_POINTS_PER_METRIC, `must have at most ${MAX_POINTS_PER_METRIC} points`))
    .refine((m) => Object.keys(m).length <= 1_000, "must name at most 1000 metrics"),
});
export const MetricsQuery = z.strictObject({
  maxPoints: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().max(1_000_000, "must be at most 1000000")).optional(),
});

export const RunsQuery = z.strictObject({
  user: text(MAX_USER_LENGTH).optional(),
  tag: z.union([tag, z.array(tag)]).optional().transform((t) => (t === undefined ? undefined : [t].flat())),
  status: RunStatus.optional(),
  since: timestamp.optional(),
  until: timestamp.optional(),
  limit: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().min(1, "must be at least 1").max(1000, "must be at most 1000")).optional(),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "must be the `next` value of a previous page").optional(),
});

// Responses: documented in /openapi.json and checked on the way out.
export const ErrorBody = z.object({ error: z.string(), message: z.string(), field: z.string().optional() });
export const TagsChange = z.object({ tags: z.array(z.string()) });
export const TagsRemoval = TagsChange.extend({ missing: z.array(z.string()) });
export const Flow = z.object({ name: z.string(), createdAt: z.string() });
export const Run = CreateRunBody.extend({
  flow: z.string(),
  run: z.string(),
  createdAt: z.string(),
  state: RunState.extend({ reason: z.string().optional() }).nullable(),
  heartbeatAt: z.string().optional(),
});
export const RunPage = z.object({ runs: z.array(Run), next: z.string().nullable() });
export const Step = z.object({ flow: z.string(), run: z.string(), step: z.string() });
export const Task = RegisterTaskBody.extend({ flow: z.string(), run: z.string(), step: z.string(), heartbeatAt: z.string().optional() });
export const Attempt = AttemptBody;
export const Artifacts = z.array(ArtifactInfo.extend({ attempt: count }));
export const Metadata = z.array(Fact.extend({ attempt: count }));
export const Cards = z.array(CardInfo.extend({ attempt: count }));
const Point = z.object({ step: z.number(), value: z.number(), time: z.number() });
const Series = z.object({ name: z.string(), attempt: count, count, last: Point, points: z.array(Point) });
export const TaskMetrics = z.array(Series);
export const RunMetrics = z.array(Series.extend({ stepName: z.string(), task: z.string() }));

const GraphNode = z.object({
  name,
  line: count,
  isJoin: z.boolean(),
  split: z.enum(["static", "foreach"]).optional(),
  foreach: text(255).optional(),
  next: z.array(name).max(1000),
  prev: z.array(name).max(1000),
  /** The branch of the split each step before the join is on, when several share one (a switch chose between them). */
  joins: z.object({ split: name, kind: z.enum(["static", "foreach"]), inputBranch: z.record(name, name).optional() }).optional(),
  mentions: z.array(text(255)).max(10_000),
  /** A switch: the artifact whose value picks the case, and each case's step by key (a case back to an earlier step closes a loop). */
  switch: z.object({ condition: text(255), cases: z.record(text(255), name) }).optional(),
});
/** The run's outline: the flow's graph, parameter values, and the datastore (kind, root) holding its bytes. */
export const RunOutline = z.object({
  graph: z.object({ flowName: text(255), file: text(4096), steps: z.array(name).max(1000), nodes: z.record(name, GraphNode) }),
  params: z.record(z.string(), z.unknown()),
  datastore: z.object({ kind: name, root: text(4096) }),
});
