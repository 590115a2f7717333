import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { importOptional } from "../../cli/optional-import.ts";
import { folderWriteError } from "../../errors/fs-errors.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { readFlowMetadata, type DecoratorUse } from "../class-metadata.ts";
import { CLASS_DECORATOR_SCHEMAS, validateStepDecorator, type ClassDecorators, type StepDecorators } from "../decorators/specs.ts";
import { scheduleProblem } from "../../compute/argo/schedule.ts";
import { triggerOnFinishProblem, triggerProblem } from "../../compute/argo/sensor.ts";
import { assertNoIssues, type LintIssue } from "../graph/lint.ts";
import type { ParsedFlow } from "../graph/parse.ts";
import { paramSpecs, type ParamSpec } from "../params.ts";
import type { FlowAnalysis } from "./analyze.ts";
import { bundleFlow } from "./bundle.ts";
import { readFlowCache, writeFlowCache } from "./flow-cache.ts";
import { importFlowClass, type FlowClass } from "./import-flow.ts";


/** A flow ready to run: its static graph, its code package, and what its decorators say. */
export interface LoadedFlow extends FlowAnalysis {
  name: string;
  flowClass: FlowClass;
  params: ParamSpec[];
  /** Decorators per step as written in the flow. */
  decoratorUses: Record<string, DecoratorUse[]>;
  /** Validated decorators per step (see withDecorators for --with). */
  decorators: Record<string, StepDecorators>;
  /** `@project({ name })` on the class. */
  project?: { name: string };
  /** `@schedule`, `@trigger` and `@triggerOnFinish`, validated: what `weft argo-workflows create` deploys. */
  classDecorators: ClassDecorators;
  codePackage: { sha: string; code: string; map: string; path: string };
}

export interface LoadOptions {
  /** Folder for code packages on this machine. */
  cacheDir: string;
  /**
   * For `weft check`: load the flow even when lint finds problems, and add invalid
   * decorators to `issues` instead of throwing at the first.
   */
  collectIssues?: boolean;
}

/**
 * Lints, bundles and imports a flow; throws FLOW_INVALID listing every problem. An
 * unchanged flow comes from the cache, without loading the parser or esbuild.
 */
export async function loadFlow(file: string, options: LoadOptions): Promise<LoadedFlow> {
  const { analysis, sha, code, map } = (await fromCache(file, options.cacheDir)) ?? (await analyzeAndBundle(file, options.cacheDir, options.collectIssues === true));
  const path = join(options.cacheDir, "code", sha, "flow.mjs");
  const flowClass = await importFlowClass(path, file);
  const metadata = readFlowMetadata(flowClass);
  const name = analysis.parsed.className;
  if (flowClass.name !== name) {
    throw new WeftError("FLOW_INVALID", `${file}: the default export is class ${flowClass.name}, but the source declares ${name}.`);
  }
  for (const step of Object.keys(metadata.stepDecorators)) {
    if (!metadata.steps.includes(step)) {
      const uses = metadata.stepDecorators[step]!.map((d) => `@${d.name}`).join(", ");
      throw new WeftError("FLOW_INVALID", `${file}: ${uses} decorate "${step}", which is not a step.`, { hint: `Add @step to ${step}, or remove the decorators.` });
    }
  }
  const decoratorUses = Object.fromEntries(analysis.graph.steps.map((step) => [step, metadata.stepDecorators[step] ?? []]));
  const instance = new flowClass() as unknown as Record<string, unknown>;
  const params = paramSpecs(metadata.params, instance, name);
  const project = projectDecorator(file, metadata.classDecorators);
  const classes = deploymentDecorators(name, metadata.classDecorators, params.map((p) => p.field));
  const loaded = { ...analysis, name, flowClass, params, decoratorUses, decorators: {}, classDecorators: classes.decorators, ...(project ? { project } : {}), codePackage: { sha, code, map, path } };
  if (!options.collectIssues) {
    if (classes.problems[0]) throw new WeftError("FLOW_INVALID", `${file}: ${classes.problems[0].message}`, { hint: classes.problems[0].hint });
    return { ...loaded, decorators: withDecorators(loaded, []) };
  }
  // `weft check`: keep the valid decorators and add every invalid one to the issues.
  const { decorators, issues } = collectDecorators(loaded, []);
  const line = analysis.parsed.line;
  const classIssues = classes.problems.map((p) => ({ step: undefined, line, message: p.message, hint: p.hint }));
  return { ...loaded, decorators, issues: [...analysis.issues, ...classIssues, ...issues] };
}

/** The options of @project, validated; undefined for a flow without it. */
function projectDecorator(file: string, uses: DecoratorUse[]): { name: string } | undefined {
  const use = uses.find((d) => d.name === "project");
  if (!use) return undefined;
  const parsed = CLASS_DECORATOR_SCHEMAS.project.safeParse(use.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WeftError("FLOW_INVALID", `${file}: @project(${JSON.stringify(use.options)}): ${issue?.path.join(".") || "options"} ${issue?.message ?? "are invalid"}.`, { hint: '@project takes a name of lowercase letters, digits and _: @project({ name: "fraud_model" }).' });
  }
  return parsed.data;
}

/**
 * @schedule, @trigger and @triggerOnFinish, validated when the flow is loaded (so `weft
 * check` reports them, not a deployment): the option shapes, a cron expression and
 * timezone Argo takes, event names, and parameter mappings that name the flow's parameters.
 */
function deploymentDecorators(flow: string, uses: DecoratorUse[], params: string[]): { decorators: ClassDecorators; problems: { message: string; hint: string }[] } {
  const decorators: ClassDecorators = {};
  const problems: { message: string; hint: string }[] = [];
  const semantic = {
    schedule: (o: NonNullable<ClassDecorators["schedule"]>) => scheduleProblem(o),
    trigger: (o: NonNullable<ClassDecorators["trigger"]>) => triggerProblem(o, params),
    triggerOnFinish: (o: NonNullable<ClassDecorators["triggerOnFinish"]>) => triggerOnFinishProblem(o, flow),
  };
  for (const name of ["schedule", "trigger", "triggerOnFinish"] as const) {
    const use = uses.find((d) => d.name === name);
    if (!use) continue;
    const parsed = CLASS_DECORATOR_SCHEMAS[name].safeParse(use.options);
    const issue = parsed.success ? undefined : parsed.error.issues[0];
    const problem = parsed.success ? (semantic[name] as (o: unknown) => string | undefined)(parsed.data) : `${issue?.path.join(".") || "options"} ${issue?.message ?? "are invalid"}`;
    if (problem) problems.push({ message: `@${name}(${JSON.stringify(use.options)}) on ${flow}: ${problem}.`, hint: `Fix the options of @${name} (docs/argo.md).` });
    else (decorators as Record<string, unknown>)[name] = parsed.data;
  }
  return { decorators, problems };
}

/**
 * Validates every decorator use of every step and collects the problems instead of
 * stopping at the first: the decorators that are valid, and one issue (with the
 * decorator's line) for each that is not.
 */
export function collectDecorators(flow: Pick<LoadedFlow, "decoratorUses"> & { parsed?: ParsedFlow }, extra: DecoratorUse[]): { decorators: Record<string, StepDecorators>; issues: LintIssue[]; errors: WeftError[] } {
  const decorators: Record<string, StepDecorators> = {};
  const issues: LintIssue[] = [];
  const errors: WeftError[] = [];
  for (const [step, own] of Object.entries(flow.decoratorUses)) {
    const added = extra.filter((e) => !own.some((u) => u.name === e.name));
    const uses = [...own.map((u) => [u, `step "${step}"`, "FLOW_INVALID"] as const), ...added.map((u) => [u, `step "${step}" (from --with ${u.name})`, "USAGE"] as const)];
    const validated: StepDecorators[] = [];
    for (const [use, where, code] of uses) {
      try {
        validated.push(validateStepDecorator(use, where, code));
      } catch (error) {
        if (!(error instanceof WeftError)) throw error;
        errors.push(error);
        const parsedStep = flow.parsed?.steps.find((s) => s.name === step);
        const line = parsedStep?.decoratorLines?.[use.name] ?? parsedStep?.line ?? flow.parsed?.line ?? 0;
        issues.push({ step, line, message: error.message, hint: error.hint ?? `Fix the options of @${use.name}.` });
      }
    }
    decorators[step] = mergeDecorators(validated, (message) => {
      const parsedStep = flow.parsed?.steps.find((s) => s.name === step);
      const error = new WeftError("FLOW_INVALID", `Step "${step}" ${message}`, { hint: "Give each @card of a step its own id: @card({ id: \"report\" })." });
      errors.push(error);
      issues.push({ step, line: parsedStep?.decoratorLines?.card ?? parsedStep?.line ?? 0, message: error.message, hint: error.hint! });
    });
  }
  return { decorators, issues, errors };
}

/**
 * Validated decorators per step, with `extra` (from `--with`) added to every step
 * that does not already have a decorator of that name: the flow's own options win.
 */
export function withDecorators(flow: Pick<LoadedFlow, "decoratorUses">, extra: DecoratorUse[]): Record<string, StepDecorators> {
  const { decorators, errors } = collectDecorators(flow, extra);
  if (errors.length) throw errors[0];
  return decorators;
}

interface Prepared {
  analysis: FlowAnalysis;
  sha: string;
  code: string;
  map: string;
}

async function fromCache(file: string, cacheDir: string): Promise<Prepared | undefined> {
  const hit = await readFlowCache(cacheDir, file);
  if (!hit) return undefined;
  const dir = join(cacheDir, "code", hit.codeSha);
  const [code, map] = await Promise.all([readFile(join(dir, "flow.mjs"), "utf8"), readFile(join(dir, "flow.mjs.map"), "utf8")]);
  return { analysis: hit.analysis, sha: hit.codeSha, code, map };
}

async function analyzeAndBundle(file: string, cacheDir: string, collectIssues: boolean): Promise<Prepared> {
  const { analyzeFlow } = await importOptional(() => import("./analyze.ts"));
  const analysis = await analyzeFlow(file);
  if (!collectIssues) assertNoIssues(analysis.parsed, analysis.issues);
  const bundle = await bundleFlow(file);
  // The source map is part of the package: stack traces depend on it.
  const sha = createHash("sha256").update(bundle.code).update("\0").update(bundle.map).digest("hex");
  try {
    await writeCodePackage(cacheDir, sha, bundle.code, bundle.map);
    // The cache holds only flows that lint clean: a hit skips the lint.
    if (analysis.issues.length === 0) await writeFlowCache(cacheDir, file, analysis, sha, bundle.inputs);
  } catch (error) {
    throw folderWriteError(error, { root: cacheDir, variable: "WEFT_HOME" });
  }
  return { analysis, sha, code: bundle.code, map: bundle.map };
}

/** Writes a code package into the local cache; the path is the same in the runner and its tasks. */
export async function writeCodePackage(cacheDir: string, sha: string, code: string, map: string): Promise<string> {
  const dir = join(cacheDir, "code", sha);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "flow.mjs.map"), map);
  await writeFile(join(dir, "flow.mjs"), code);
  return join(dir, "flow.mjs");
}

/** One step's validated decorators as one object: the cards of every @card together, each other decorator once. */
function mergeDecorators(validated: StepDecorators[], problem: (message: string) => void): StepDecorators {
  const merged: StepDecorators = Object.assign({}, ...validated);
  const cards = validated.flatMap((d) => d.card ?? []);
  if (cards.length === 0) return merged;
  const ids = cards.map((c) => c.id ?? c.type);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length) problem(`has two cards named "${repeated[0]}" (a card without an id is named by its type).`);
  return { ...merged, card: cards };
}
