// The two commands an orchestrator runs around a run's tasks, through the same light
// entrypoint as the tasks (`weft step`), since a task image has no CLI: creating the run
// from a stored deployment before any task, and recording its end after the last,
// however the workflow ended (docs/task-contract.md, "Runs an orchestrator creates").
import { parseArgs } from "node:util";
import { openBackend } from "../../datastore/registry.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { parseParamValue, resolveParamValues } from "../../flow/params.ts";
import { openMetadata } from "../../metadata/registry.ts";
import type { MetadataProvider, OrchestratorRef, RunState } from "../../metadata/types.ts";
import { recordRun } from "../create-run.ts";
import { readDeployment } from "../run-blueprint.ts";
import { layout } from "../../datastore/layout.ts";

/** `weft step --create-run …`, parsed. */
export interface CreateRunArgs {
  flow: string;
  run: string;
  /** The SHA-256 of the deployment (runtime/run-blueprint.ts) in the datastore. */
  deployment: string;
  datastore: string;
  datastoreRoot: string;
  metadata: string;
  /** Parameter values as a user types them (`0.5`, `abc`, `["a"]`, `true`), by field. */
  params: Record<string, string>;
  tags: string[];
  orchestrator?: OrchestratorRef;
  originRun?: string;
  /** A resumed run: the origin and the steps that run again (`--resume`, JSON; empty for none). */
  resume?: ResumeRequest;
}

/** `--resume`: what `weft resume --on-argo` passes to the run it starts. */
export interface ResumeRequest {
  origin: string;
  rerun: string[];
  keep?: string[];
}

/** `weft step --finish-run …`, parsed. */
export interface FinishRunArgs {
  flow: string;
  run: string;
  datastore: string;
  datastoreRoot: string;
  metadata: string;
  /** Argo's `{{workflow.status}}`: Succeeded, Failed or Error. */
  workflowStatus: string;
  /** Argo's `{{workflow.failures}}`: a JSON list of the failed nodes, if any. */
  failures?: string;
  /** When the run succeeded: POST `{ name: event, payload: { flow, run } }` to this webhook (Argo Events). */
  publish?: { url: string; event: string };
}

const STORE_OPTIONS = {
  flow: { type: "string" },
  run: { type: "string" },
  datastore: { type: "string", default: "local" },
  "datastore-root": { type: "string" },
  metadata: { type: "string", default: "local" },
} as const;

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || !value) throw new Error(`weft step: --${name} is required (see docs/task-contract.md)`);
  return value;
}

/** Parses `weft step --create-run …`; throws on anything malformed. */
export function parseCreateRunArgv(argv: string[]): CreateRunArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...STORE_OPTIONS,
      "create-run": { type: "boolean" },
      deployment: { type: "string" },
      param: { type: "string", multiple: true, default: [] },
      tag: { type: "string", multiple: true, default: [] },
      orchestrator: { type: "string" },
      "origin-run": { type: "string" },
      resume: { type: "string" },
    },
  });
  const params: Record<string, string> = {};
  for (const pair of values.param ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`weft step: --param takes FIELD=VALUE, got "${pair}"`);
    params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  let orchestrator: OrchestratorRef | undefined;
  if (values.orchestrator !== undefined) {
    const match = /^argo-workflows:([^/]+)\/(.+)$/.exec(values.orchestrator);
    if (!match) throw new Error(`weft step: --orchestrator takes argo-workflows:NAMESPACE/NAME, got "${values.orchestrator}"`);
    orchestrator = { kind: "argo-workflows", namespace: match[1]!, name: match[2]! };
  }
  return {
    flow: required(values, "flow"),
    run: required(values, "run"),
    deployment: required(values, "deployment"),
    datastore: values.datastore!,
    datastoreRoot: required(values, "datastore-root"),
    metadata: values.metadata!,
    params,
    tags: values.tag ?? [],
    ...(orchestrator ? { orchestrator } : {}),
    ...(values["origin-run"] ? { originRun: values["origin-run"] } : {}),
    ...(values.resume ? { resume: parseResume(values.resume) } : {}),
  };
}

/** `--resume {"origin":"argo-x","rerun":["b","end"]}`; throws on anything else. */
function parseResume(text: string): ResumeRequest {
  let value: Partial<ResumeRequest>;
  try {
    value = JSON.parse(text) as Partial<ResumeRequest>;
  } catch {
    throw new Error(`weft step: --resume takes JSON like {"origin":"argo-x","rerun":["b","end"]}, got ${text}`);
  }
  const names = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
  if (typeof value.origin !== "string" || !names(value.rerun) || (value.keep !== undefined && !names(value.keep))) {
    throw new Error(`weft step: --resume needs "origin" (a run id) and "rerun" (step names), and "keep" if any as task keys, got ${text}`);
  }
  return { origin: value.origin, rerun: value.rerun!, ...(value.keep?.length ? { keep: value.keep } : {}) };
}

/** Parses `weft step --finish-run …`; throws on anything malformed. */
export function parseFinishRunArgv(argv: string[]): FinishRunArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { ...STORE_OPTIONS, "finish-run": { type: "boolean" }, "workflow-status": { type: "string" }, failures: { type: "string" }, "publish-event": { type: "string" }, event: { type: "string" } },
  });
  if ((values["publish-event"] === undefined) !== (values.event === undefined)) throw new Error("weft step: --publish-event URL and --event NAME go together");
  return {
    flow: required(values, "flow"),
    run: required(values, "run"),
    datastore: values.datastore!,
    datastoreRoot: required(values, "datastore-root"),
    metadata: values.metadata!,
    workflowStatus: required(values, "workflow-status"),
    ...(values.failures ? { failures: values.failures } : {}),
    ...(values["publish-event"] ? { publish: { url: values["publish-event"], event: values.event! } } : {}),
  };
}

async function openStores(args: { datastore: string; datastoreRoot: string; metadata: string }): Promise<{ backend: StorageBackend; metadata: MetadataProvider }> {
  const backend = await openBackend({ kind: args.datastore, root: args.datastoreRoot });
  return { backend, metadata: await openMetadata({ kind: args.metadata, backend }) };
}

/**
 * Records the run of a deployment with the given parameter values, validated and
 * completed with their defaults as `weft run` does. Idempotent: when the run already
 * has a run spec of this deployment's code (an orchestrator retried this step after it
 * had succeeded), nothing is written. Prints the run id.
 */
export async function createDeployedRun(args: CreateRunArgs): Promise<void> {
  const { backend, metadata } = await openStores(args);
  const blueprint = await readDeployment(backend, args.flow, args.deployment);
  const [existing] = await backend.getBytes([layout.runSpec(args.flow, args.run)]);
  if (existing) {
    const spec = JSON.parse(Buffer.from(existing).toString("utf8")) as { codePackage?: { sha?: string } };
    if (spec.codePackage?.sha === blueprint.codePackage.sha) return void process.stdout.write(`${args.run}\n`);
  }
  const given: Record<string, unknown> = {};
  for (const [field, text] of Object.entries(args.params)) {
    const spec = blueprint.params.find((p) => p.field === field);
    if (!spec) {
      throw new WeftError("PARAMETER", `Flow ${args.flow} has no parameter "${field}".`, { hint: `Its parameters: ${blueprint.params.map((p) => p.field).join(", ") || "none"}.` });
    }
    // An empty value is Argo's for a parameter given no value: the default applies.
    if (text !== "" || spec.type === "string") given[field] = parseParamValue(spec, text);
  }
  await recordRun({
    backend,
    metadata,
    blueprint,
    params: resolveParamValues(blueprint.params, given),
    tags: args.tags,
    runId: args.run,
    datastoreRoot: args.datastoreRoot,
    ...(args.resume ? { originRun: args.resume.origin, resume: { rerun: args.resume.rerun, ...(args.resume.keep ? { keep: args.resume.keep } : {}) } } : args.originRun ? { originRun: args.originRun } : {}),
    ...(args.orchestrator ? { orchestrator: args.orchestrator, systemTags: [`argo-workflow:${args.orchestrator.name}`] } : {}),
  });
  process.stdout.write(`${args.run}\n`);
}

/**
 * Records the end of a run as its orchestrator saw it, unless the run already recorded
 * one (the `end` task records success; a task whose last attempt failed records the
 * failure). What is left is what no task could record: a pod killed by the OOM killer
 * or a deadline, a workflow stopped or deleted, a node lost.
 */
export async function finishDeployedRun(args: FinishRunArgs): Promise<void> {
  const { metadata } = await openStores(args);
  const state = await metadata.getRunState(args.flow, args.run);
  if (!state) throw new WeftError("NOT_FOUND", `Run ${args.flow}/${args.run} was never created, so there is no end to record.`, { hint: "The workflow failed before its first step recorded the run; see the workflow's own status (`weft argo-workflows status`)." });
  if (state.status === "running") {
    const finishedAt = new Date().toISOString();
    const end: RunState =
      args.workflowStatus === "Succeeded"
        ? { status: "succeeded", finishedAt }
        : { status: "failed", finishedAt, reason: `The Argo workflow ended ${args.workflowStatus}${failureSummary(args.failures)}.` };
    await metadata.setRunState(args.flow, args.run, end);
  }
  if (args.publish && args.workflowStatus === "Succeeded") await publishEvent(args.publish, { flow: args.flow, run: args.run });
}

/** Sends one event to an Argo Events webhook; a refusal or an unreachable webhook is transient (exit 3, retried). */
async function publishEvent(publish: { url: string; event: string }, payload: Record<string, string>): Promise<void> {
  let response: Response;
  try {
    response = await fetch(publish.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: publish.event, payload }) });
  } catch (error) {
    throw new WeftError("CONFIG", `Could not publish event ${publish.event} to ${publish.url}: ${(error as Error).message}.`, { hint: "Check WEFT_ARGO_EVENTS_WEBHOOK_URL as the pods reach it (docs/argo.md).", transient: true, cause: error });
  }
  if (!response.ok) throw new WeftError("CONFIG", `The Argo Events webhook ${publish.url} answered ${response.status} to event ${publish.event}.`, { hint: "Check the weft-events EventSource (docs/argo.md).", transient: true });
}

/** The first failed node of `{{workflow.failures}}`, as `: step fit (…): OOMKilled`. */
export function failureSummary(failures: string | undefined): string {
  if (!failures) return "";
  try {
    const nodes = JSON.parse(failures) as { displayName?: string; templateName?: string; message?: string }[];
    const first = nodes.find((n) => n.message) ?? nodes[0];
    if (!first) return "";
    return `: ${first.displayName ?? first.templateName ?? "a node"}${first.message ? `: ${first.message}` : ""}${nodes.length > 1 ? ` (and ${nodes.length - 1} more)` : ""}`;
  } catch {
    return `: ${failures.slice(0, 500)}`;
  }
}
