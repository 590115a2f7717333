import { ArtifactReader, type TaskData } from "../../datastore/task-datastore.ts";
import { deepFreeze } from "../../flow/configs.ts";
import { isWeftError, WeftError } from "../../errors/weft-error.ts";
import { setCurrent, type ForeachFrame } from "../../flow/current.ts";
import { TASK_BINDING, type CalledTransition, type FlowSpec, type TaskBinding } from "../../flow/flow-spec.ts";
import { importFlowClass, type FlowClass } from "../../flow/load/import-flow.ts";
import { isSystemTag } from "../../metadata/names.ts";
import type { ErrorInfo } from "../../metadata/types.ts";
import type { RunSpec } from "../run-spec.ts";
import { childPosition, taskIdOf } from "../task-identity.ts";
import { fetchSecrets } from "../../secrets/inject.ts";
import { Redactor } from "../../secrets/redactor.ts";
import { writeFile } from "node:fs/promises";
import type { TaskArgs } from "./args.ts";
import { guardAttempt, textOf } from "./attempt-guard.ts";
import { AttemptRecorder } from "./attempt-recorder.ts";
import { exitCodeFor, TASK_EXIT } from "./exit-codes.ts";
import { ArtifactState } from "./artifact-state.ts";
import { buildInputs, mergeArtifacts, type InputSource } from "./join-inputs.ts";
import { openTaskLogs, type LogCapture } from "./log-capture.ts";
import { codePackagePath } from "./code-package.ts";
import { cloneFromOrigin, clonesFromOrigin } from "./clone-origin.ts";
import { chooseCase } from "./switch-case.ts";
import { writeResult } from "./runner-pipes.ts";
import { openTaskContext, taskForeachStack, readerOf, readParents, type Parent, type TaskContext } from "./task-context.ts";
import { TaskOutputs } from "./task-outputs.ts";

type Transition = CalledTransition;

/** Whether the step's own code is running: what a failure there means for the exit code. */
interface Phase {
  inStep: boolean;
}

/** Runs one task attempt; resolves to the process exit code (see exit-codes.ts). */
export async function runTask(args: TaskArgs): Promise<number> {
  const ctx = await openTaskContext(args);
  // A task of a run an orchestrator resumes takes the origin's result when the origin finished it.
  const cloned = clonesFromOrigin(ctx) ? await cloneFromOrigin(ctx) : undefined;
  if (cloned) {
    await writeOrchestratorOutputs(ctx, cloned);
    return TASK_EXIT.ok;
  }
  const redactor = new Redactor();
  const capture = openTaskLogs(ctx.backend, ctx.ref, args.attempt, redactor);
  const startedAt = new Date().toISOString();
  const recorder = new AttemptRecorder(ctx, startedAt);
  const phase: Phase = { inStep: false };
  const guard = guardAttempt(args.step);
  const outputs: OutputsHolder = {};
  try {
    const data = await Promise.race([execute({ ctx, redactor, recorder, phase, startedAt, capture, outputs }), guard.failure]);
    await guard.settled();
    guard.decide();
    const marker = await ctx.store.finishAttempt(args.attempt, data);
    // After the done marker, with the artifacts: a reader that sees the attempt ok finds both.
    await recorder.succeeded(data);
    await writeOrchestratorOutputs(ctx, data);
    if (args.resultFd !== undefined) await writeResult(args.resultFd, marker);
    return TASK_EXIT.ok;
  } catch (error) {
    guard.decide();
    const code = guard.caused(error) ? TASK_EXIT.stepFailed : exitCodeFor(error, phase.inStep);
    process.stderr.write(`${describeFailure(error)}\n`);
    // The cards and metrics up to the failure stay readable for this attempt.
    await outputs.value?.flushFailed();
    try {
      await recorder.failed(errorInfo(error, redactor), code);
    } catch (recording) {
      process.stderr.write(`weft step: could not record this failure: ${describeFailure(recording)}\n`);
    }
    return code;
  } finally {
    recorder.stopBeating();
    await capture.close();
  }
}

/**
 * The files an orchestrator reads after the task: a foreach's indices (`--splits-file`),
 * a switch's choice (`--case-file`) and the id of the task it starts (`--next-task-file`).
 */
async function writeOrchestratorOutputs(ctx: TaskContext, data: TaskData): Promise<void> {
  const { args } = ctx;
  if (args.splitsFile && data.foreach) await writeFile(args.splitsFile, JSON.stringify(Array.from({ length: data.foreach.numSplits }, (_, i) => i)));
  const chosen = ctx.node.switch ? data.next[0] : undefined;
  if (args.caseFile && ctx.node.switch) await writeFile(args.caseFile, chosen ?? "");
  if (args.nextTaskFile && chosen) await writeFile(args.nextTaskFile, taskIdOf(childPosition(ctx.positions, args.step, ctx.position, chosen), ctx.positions.frames[chosen]));
}

/** Set by execute() once the step's cards and metrics are open, so a failure can still save them. */
interface OutputsHolder {
  value?: TaskOutputs;
}

/** One attempt in progress: what execute() works with. */
interface Attempt {
  outputs: OutputsHolder;
  ctx: TaskContext;
  redactor: Redactor;
  recorder: AttemptRecorder;
  phase: Phase;
  startedAt: string;
  capture: LogCapture;
}

async function execute({ ctx, redactor, recorder, phase, startedAt, capture, outputs: holder }: Attempt): Promise<TaskData> {
  // A runner that records the attempt has its start on record already: no marker of it here.
  const marked = ctx.args.recorder === "task" && ctx.store.startAttempt({ attempt: ctx.args.attempt, startedAt, pid: process.pid });
  const [parents] = await Promise.all([readParents(ctx), marked]);
  const foreachStack = taskForeachStack(ctx, parents);
  const [flowClass, outputs] = await Promise.all([importCode(ctx, capture), TaskOutputs.open(ctx), recorder.started(foreachStack)]);
  holder.value = outputs;
  const lineage: Lineage = {
    parents,
    foreachStack,
    split: await taskOfFrame(ctx, parents, foreachStack.at(-1)),
    joinSplit: ctx.node.joins?.kind === "foreach" ? await taskOfFrame(ctx, parents, parents[0]?.reader.data.foreachStack.at(-1)) : undefined,
  };
  const { step } = ctx.args;
  const decorators = ctx.spec.decorators[step] ?? {};
  setCurrent({
    flowName: ctx.args.flow,
    runId: ctx.args.run,
    stepName: step,
    taskId: ctx.args.task,
    pathspec: ctx.store.pathspec,
    retryCount: ctx.args.attempt,
    origin: ctx.spec.originRun === undefined ? undefined : `${ctx.args.flow}/${ctx.spec.originRun}`,
    namespace: `user:${ctx.spec.user}`,
    username: ctx.spec.user,
    foreachStack,
    // An included file is a parameter, as Metaflow's IncludeFile is; a config is not.
    parameterNames: [...Object.keys(ctx.spec.params), ...Object.keys(ctx.spec.includedFiles ?? {})],
    projectName: ctx.spec.project?.name,
    branchName: ctx.spec.project?.branch,
    projectFlowName: ctx.spec.project?.flowName,
    ...tagsOf(ctx.spec),
    ...outputs.current,
  });
  if (ctx.args.fallback) return fallback(ctx, recorder, flowClass, lineage, redactor, outputs);
  Object.assign(process.env, decorators.environment?.vars ?? {});
  const secrets = ctx.spec.secrets?.[step];
  if (secrets) {
    // Into this process's environment only: the next task is a new process.
    const injected = await fetchSecrets(secrets, ctx.spec.secretSettings ?? {}, process.env);
    for (const { value, label } of injected.values) redactor.add(value, label);
    Object.assign(process.env, injected.vars);
  }

  await prefetch(ctx, lineage);
  const run = prepareInstance(ctx, flowClass, lineage);
  try {
    phase.inStep = true;
    await (run.flow as unknown as Record<string, (...a: unknown[]) => unknown>)[step]!.call(run.flow, ...(ctx.node.isJoin ? [run.inputs] : []));
    phase.inStep = false;
    checkTransition(ctx, run.transition);
  } catch (error) {
    const catcher = decorators.catchError;
    const lastAttempt = ctx.args.attempt >= (decorators.retry?.times ?? 0);
    if (!catcher || !lastAttempt) throw error;
    phase.inStep = false;
    // As Metaflow does: what the step assigned before it threw is kept, with the error
    // added, and the flow takes the static transition.
    if (catcher.printException) process.stderr.write(`@catchError caught in step ${step}: ${describeFailure(error)}\n`);
    if (catcher.var) (run.flow as unknown as Record<string, unknown>)[catcher.var] = errorInfo(error, redactor);
    run.transition = staticTransition(ctx);
    run.caught = true;
  }
  return save(ctx, run, foreachStack, redactor, outputs);
}

/**
 * @catchError's fallback attempt, after an attempt that was killed or timed out with
 * none left (Metaflow's fallback step): the step does not run. The lost attempt's
 * exception, as recorded when it was lost (by this attempt, when nobody else saw it
 * end), goes in the catch variable with the inherited artifacts (nothing the killed
 * body set survived), and the task takes the static transition.
 */
async function fallback(ctx: TaskContext, recorder: AttemptRecorder, flowClass: FlowClass, lineage: Lineage, redactor: Redactor, outputs: TaskOutputs): Promise<TaskData> {
  const { step, attempt } = ctx.args;
  const catcher = ctx.spec.decorators[step]?.catchError;
  if (!catcher) throw new WeftError("USAGE", `weft step --fallback: step "${step}" has no @catchError.`, { hint: "Only a step with @catchError has a fallback attempt." });
  const lost = (await recorder.recordLostAttempts(ctx.args.lost ?? {})) ?? { type: "Killed", message: `Attempt ${attempt - 1} of task ${ctx.store.pathspec} ended without a result.` };
  if (catcher.printException) process.stderr.write(`@catchError caught in step ${step}: ${lost.type}: ${lost.message}\n`);
  const run = prepareInstance(ctx, flowClass, lineage);
  if (catcher.var) (run.flow as unknown as Record<string, unknown>)[catcher.var] = lost;
  run.transition = staticTransition(ctx);
  run.caught = true;
  return save(ctx, run, lineage.foreachStack, redactor, outputs);
}

/**
 * Imports the run's flow class. For code that can start processes (the run spec says),
 * their output is routed through the log capture; other code skips loading the patch
 * and node:child_process (~4 ms a task).
 */
async function importCode(ctx: TaskContext, capture: LogCapture): Promise<FlowClass> {
  const path = await codePackagePath(ctx.backend, ctx.spec.codePackage, ctx.args);
  if (ctx.spec.codePackage.startsProcesses !== false) (await import("./child-output.ts")).routeChildOutput(capture);
  return importFlowClass(path, ctx.spec.graph.file);
}

interface PreparedRun {
  flow: FlowSpec;
  state: ArtifactState;
  inputs: unknown;
  transition: Transition | undefined;
  /** @catchError caught a failure: the transition is the static one. */
  caught?: boolean;
}

/** The transition the source declares: what @catchError takes after a failure (a switch still picks its case). */
function staticTransition(ctx: TaskContext): Transition {
  const { node } = ctx;
  return { targets: node.next, ...(node.foreach ? { foreach: node.foreach } : {}), ...(node.switch ? { switch: node.switch } : {}) };
}

interface Lineage {
  parents: Parent[];
  foreachStack: ForeachFrame[];
  /** The task that split the innermost foreach this task is in. */
  split: Parent | undefined;
  /** For a foreach join: the task that split the foreach it closes. */
  joinSplit: Parent | undefined;
}

function prepareInstance(ctx: TaskContext, flowClass: FlowClass, { parents, foreachStack, split: splitReader, joinSplit }: Lineage): PreparedRun {
  const flow = new flowClass();
  const state = new ArtifactState(flow as unknown as Record<string, unknown>);
  const initial = state.takeInitialFields();
  const params = ctx.spec.params;
  const first = parents[0]?.reader;
  for (const [name, value] of Object.entries(params)) state.defineParam(name, value, first?.data.artifacts[name]);
  const configs = ctx.spec.configs?.values ?? {};
  for (const [name, value] of Object.entries(configs)) state.defineConfig(name, deepFreeze(value), first?.data.artifacts[name]);
  const included = ctx.spec.includedFiles ?? {};
  if (Object.keys(included).length) {
    const records = Object.fromEntries(Object.entries(included).map(([name, file]) => [name, file.record]));
    const reader = new ArtifactReader(ctx.content, `the files included in run ${ctx.args.flow}/${ctx.args.run}`, { artifacts: records, next: [], foreachStack: [] });
    for (const [name, record] of Object.entries(records)) state.defineIncludedFile(name, record, reader);
  }
  const inputsOfRun = new Set([...Object.keys(params), ...Object.keys(configs), ...Object.keys(included)]);
  // Other fields with an initializer are constants, saved by start; `_` fields are the task's own scratch.
  const constants = [...initial].filter(([name, value]) => !inputsOfRun.has(name) && !name.startsWith("_") && value !== undefined);
  for (const [name, value] of constants) {
    const record = first?.data.artifacts[name];
    state.defineConstant(name, record ? () => first!.loadSync(name) : () => value, record);
  }
  const readOnly = new Set([...inputsOfRun, ...constants.map(([name]) => name)]);
  if (ctx.args.step === "start") {
    for (const [name, value] of initial) if (name.startsWith("_") && value !== undefined) (flow as unknown as Record<string, unknown>)[name] = value;
  } else if (!ctx.node.isJoin) {
    const parent = parents[0]!;
    for (const [name, record] of Object.entries(parent.reader.data.artifacts)) state.inherit(name, record, parent.reader);
  }
  const frame = foreachStack[foreachStack.length - 1];
  const itemOf = (reader: Parent["reader"] | undefined, index: number | undefined) => () => {
    if (!reader || index === undefined) throw new WeftError("USAGE", `this.input is only set inside a foreach; step "${ctx.args.step}" is not in one.`);
    const items = reader.loadSync(reader.data.foreach!.field) as unknown[];
    return items[index];
  };
  // Inputs of a foreach join each came from one item of the split being closed.
  const closed = ctx.node.joins?.kind === "foreach" ? joinSplit : undefined;
  const sources: InputSource[] = parents.map((p) => {
    const index = closed ? p.reader.data.foreachStack.at(-1)?.index : undefined;
    return { ...p, index, input: itemOf(closed?.reader, index) };
  });
  const inputs = ctx.node.isJoin ? buildInputs(sources, ctx.node.joins?.kind === "static") : undefined;
  const run: PreparedRun = { flow, state, inputs, transition: undefined };
  const binding: TaskBinding = {
    next: (transition) => {
      if (run.transition) throw new WeftError("TRANSITION_MISMATCH", `Step "${ctx.args.step}" called this.next() twice.`, { hint: "Call it once, as the last statement." });
      run.transition = transition;
    },
    get input() {
      return itemOf(splitReader?.reader, frame?.index)();
    },
    get index() {
      if (!frame) throw new WeftError("USAGE", `this.index is only set inside a foreach; step "${ctx.args.step}" is not in one.`);
      return frame.index;
    },
    mergeArtifacts: (inputsArg, options) => {
      if (!ctx.node.isJoin) throw new WeftError("USAGE", `mergeArtifacts is for join steps; "${ctx.args.step}" is not a join.`);
      mergeArtifacts(inputsArg, options, state, readOnly);
    },
  };
  Object.defineProperty(flow, TASK_BINDING, { value: binding, enumerable: false });
  return run;
}

/**
 * On a datastore without local files, fetches in parallel the inherited artifacts that
 * the step's source mentions, so the step's synchronous reads hit the cache instead of
 * waiting one by one. What the source does not mention still loads on first read.
 */
async function prefetch(ctx: TaskContext, { parents, split }: Lineage): Promise<void> {
  if (ctx.backend.localPath("") !== undefined) return;
  const mentioned = new Set(ctx.node.mentions);
  // Parameters and configs come from the run spec, not from storage.
  const fromSpec = (name: string) => name in ctx.spec.params || name in (ctx.spec.configs?.values ?? {});
  const loads = parents.flatMap((p) => Object.keys(p.reader.data.artifacts).filter((name) => mentioned.has(name) && !fromSpec(name)).map((name) => p.reader.load(name)));
  // `this.input` is an item of the array the foreach split over.
  const items = split?.reader.data.foreach?.field;
  if (items && mentioned.has("input")) loads.push(split.reader.load(items));
  await Promise.all(loads);
}

/** The task that split a foreach frame, whose array `this.input` indexes. */
async function taskOfFrame(ctx: TaskContext, parents: Parent[], frame: ForeachFrame | undefined): Promise<Parent | undefined> {
  if (!frame) return undefined;
  const parent = parents.find((p) => p.step === frame.step && p.task === frame.task);
  return parent ?? { step: frame.step, task: frame.task, reader: await readerOf(ctx, frame.step, frame.task) };
}

/** The transition the step made must be the one its source declares. */
function checkTransition(ctx: TaskContext, transition: Transition | undefined): void {
  const { step } = ctx.args;
  const node = ctx.node;
  if (step === "end") {
    if (transition) throw new WeftError("TRANSITION_MISMATCH", `Step "end" called this.next(); the flow stops at end.`);
    return;
  }
  if (!transition) {
    throw new WeftError("TRANSITION_MISMATCH", `Step "${step}" finished without calling this.next().`, { hint: `Every path through the step must end with this.next(${node.next.map((n) => `this.${n}`).join(", ")}).` });
  }
  const describe = (t: Transition) =>
    t.switch ? `a switch on "${t.switch.condition}" (${Object.entries(t.switch.cases).map(([key, step]) => `${key}: ${step}`).join(", ")})` : `${t.targets.join(", ")}${t.foreach ? ` (foreach "${t.foreach}")` : ""}`;
  const expected = describe(staticTransition(ctx));
  const actual = describe(transition);
  if (expected !== actual) {
    throw new WeftError("TRANSITION_MISMATCH", `Step "${step}" transitioned to ${actual}, but its source declares ${expected}.`, {
      hint: "The graph is read from the source before the run; a transition computed at run time must match it. Branch inside the target step instead.",
    });
  }
}

async function save(ctx: TaskContext, run: PreparedRun, foreachStack: ForeachFrame[], redactor: Redactor, outputs: TaskOutputs): Promise<TaskData> {
  const transition = run.transition ?? { targets: [] };
  // A switch records the one step it chose: the scheduler follows it, and the chosen step finds its parent by it.
  const { switch: choice } = transition;
  if (choice) transition.targets = [chooseCase(ctx.args.step, choice, (run.flow as unknown as Record<string, unknown>)[choice.condition], run.caught === true)];
  let foreach: TaskData["foreach"];
  if (transition.foreach) {
    const items = (run.flow as unknown as Record<string, unknown>)[transition.foreach];
    if (!Array.isArray(items)) {
      throw new WeftError("FLOW_FAILED", `The foreach of step "${ctx.args.step}" needs this.${transition.foreach} to be an array, but it is ${items === undefined ? "not set" : typeof items}.`, {
        hint: `Assign this.${transition.foreach} = [...] before this.next().`,
      });
    }
    if (items.length === 0) throw new WeftError("FLOW_FAILED", `The foreach of step "${ctx.args.step}" is over an empty array this.${transition.foreach}.`, { hint: "Give it at least one item, or skip the foreach with a branch in a later step." });
    if (items.length > ctx.spec.maxNumSplits) {
      throw new WeftError("FLOW_FAILED", `The foreach of step "${ctx.args.step}" has ${items.length} items, more than --max-num-splits ${ctx.spec.maxNumSplits}.`, { hint: `Raise the limit with --max-num-splits ${items.length}.` });
    }
    foreach = { field: transition.foreach, numSplits: items.length };
  }
  const { values, carried } = run.state.collect();
  const saved = await ctx.store.saveArtifacts(values, (name, bytes) => {
    const secret = redactor.active ? redactor.findIn(bytes) : undefined;
    if (secret) {
      throw new WeftError("ARTIFACT_UNSERIALIZABLE", `Artifact "${name}" holds the value of secret ${secret}; secrets are never saved.`, {
        hint: `Read the secret from process.env where it is needed, or keep it in a field starting with _ (not saved).`,
      });
    }
  });
  const artifacts = { ...carried, ...saved };
  const reported = await outputs.finish({
    step: ctx.args.step,
    params: ctx.spec.params,
    artifacts: Object.entries(artifacts).map(([name, record]) => ({ name, type: record.type, size: record.size, value: () => (run.flow as unknown as Record<string, unknown>)[name] })),
    graph: graphSummary(ctx),
  });
  return { artifacts, next: transition.targets, foreachStack, ...(foreach ? { foreach } : {}), ...reported };
}

/** The flow's steps and transitions, as the default card draws them. */
function graphSummary(ctx: TaskContext): { steps: string[]; next: Record<string, string[]>; foreach: Record<string, string | undefined> } {
  const { steps, nodes } = ctx.spec.graph;
  return { steps, next: Object.fromEntries(steps.map((s) => [s, nodes[s]?.next ?? []])), foreach: Object.fromEntries(steps.map((s) => [s, nodes[s]?.foreach])) };
}

/** User and system tags apart; a run spec written before they were kept apart holds both in `tags`. */
function tagsOf(spec: RunSpec): { tags: string[]; systemTags: string[] } {
  if (spec.systemTags) return { tags: spec.tags, systemTags: spec.systemTags };
  return { tags: spec.tags.filter((t) => !isSystemTag(t)), systemTags: spec.tags.filter(isSystemTag) };
}

/** The error as recorded in metadata or a @catchError artifact, with secret values masked. */
function errorInfo(error: unknown, redactor: Redactor): ErrorInfo {
  // NUL and half a surrogate pair cannot be stored by PostgreSQL (the metadata service): replaced.
  const clean = (text: string) => redactor.redact(text).replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  if (error instanceof Error) {
    const type = isWeftError(error) ? `WeftError(${error.code})` : (error.constructor?.name ?? error.name);
    return { type, message: clean(error.message), ...(error.stack ? { stack: clean(error.stack) } : {}) };
  }
  return { type: error === null ? "null" : typeof error, message: clean(textOf(error)) };
}

function describeFailure(error: unknown): string {
  if (isWeftError(error)) return `error: ${error.describe()}`;
  if (error instanceof Error) return userStack(error);
  return `a non-Error value was thrown: ${textOf(error)}`;
}

/** The error's stack without the frames of Weft's own task runtime below the step. */
function userStack(error: Error): string {
  const lines = (error.stack ?? `${error.name}: ${error.message}`).split("\n");
  const ownFrame = (line: string) => /^\s+at /.test(line) && line.includes(import.meta.url.replace(/[^/]*$/, ""));
  const cut = lines.findIndex(ownFrame);
  return (cut < 0 ? lines : lines.slice(0, cut)).join("\n");
}
