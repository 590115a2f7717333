import { WeftError } from "../../errors/weft-error.ts";
import type { DecoratorUse } from "../class-metadata.ts";
import { bindDecoratorUse, usesConfigs } from "../config-bind.ts";
import type { ResolvedConfigs } from "../configs.ts";
import { scheduleProblem } from "../../compute/argo/schedule.ts";
import { triggerOnFinishProblem, triggerProblem } from "../../compute/argo/sensor.ts";
import { CLASS_DECORATOR_SCHEMAS, validateStepDecorator, type ClassDecorators, type StepDecorators } from "../decorators/specs.ts";
import type { LintIssue } from "../graph/lint.ts";
import type { ParsedFlow } from "../graph/parse.ts";
import type { LoadedFlow } from "./load-flow.ts";

/**
 * The flow bound to config values: its step decorators validated with the configs put
 * in, `extra` (`--with`) added, and `@project` read the same way. Pure, so a deployment
 * binds a flow exactly as `weft run` does.
 */
export function bindFlow(flow: LoadedFlow, configValues: ResolvedConfigs, extra: DecoratorUse[] = []): LoadedFlow {
  const bound: LoadedFlow = { ...flow, configValues, decorators: withDecorators({ decoratorUses: flow.decoratorUses, configValues }, extra) };
  const project = projectDecorator(flow.file, flow.classDecoratorUses, configValues);
  if (project) bound.project = project;
  else delete bound.project;
  const classes = deploymentDecorators(flow, configValues);
  if (classes.problems[0]) throw new WeftError("FLOW_INVALID", `${flow.file}: ${classes.problems[0].message}`, { hint: classes.problems[0].hint });
  bound.classDecorators = classes.decorators;
  return bound;
}

/**
 * @schedule, @trigger and @triggerOnFinish, validated when the flow is loaded (so `weft
 * check` reports them, not a deployment): the option shapes, a cron expression and
 * timezone Argo takes, event names, and parameter mappings that name the flow's parameters.
 */
export function deploymentDecorators(flow: Pick<LoadedFlow, "name" | "params" | "classDecoratorUses">, configs: ResolvedConfigs): { decorators: ClassDecorators; problems: { message: string; hint: string }[] } {
  const decorators: ClassDecorators = {};
  const problems: { message: string; hint: string }[] = [];
  const params = flow.params.map((p) => p.field);
  const semantic = {
    schedule: (o: NonNullable<ClassDecorators["schedule"]>) => scheduleProblem(o),
    trigger: (o: NonNullable<ClassDecorators["trigger"]>) => triggerProblem(o, params),
    triggerOnFinish: (o: NonNullable<ClassDecorators["triggerOnFinish"]>) => triggerOnFinishProblem(o, flow.name),
  };
  for (const name of ["schedule", "trigger", "triggerOnFinish"] as const) {
    const written = flow.classDecoratorUses.find((d) => d.name === name);
    if (!written) continue;
    const use = bindDecoratorUse(written, configs, `@${name}`);
    const parsed = CLASS_DECORATOR_SCHEMAS[name].safeParse(use.options);
    const issue = parsed.success ? undefined : parsed.error.issues[0];
    const problem = parsed.success ? (semantic[name] as (o: unknown) => string | undefined)(parsed.data) : `${issue?.path.join(".") || "options"} ${issue?.message ?? "are invalid"}`;
    if (problem) problems.push({ message: `@${name}(${JSON.stringify(use.options)}) on ${flow.name}: ${problem}.`, hint: `Fix the options of @${name} (docs/argo.md).` });
    else (decorators as Record<string, unknown>)[name] = parsed.data;
  }
  return { decorators, problems };
}

/** The options of @project, validated; undefined for a flow without it. */
function projectDecorator(file: string, uses: DecoratorUse[], configs: ResolvedConfigs): { name: string } | undefined {
  const written = uses.find((d) => d.name === "project");
  if (!written) return undefined;
  const use = bindDecoratorUse(written, configs, "@project");
  const parsed = CLASS_DECORATOR_SCHEMAS.project.safeParse(use.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WeftError("FLOW_INVALID", `${file}: @project(${JSON.stringify(use.options)}): ${issue?.path.join(".") || "options"} ${issue?.message ?? "are invalid"}.`, { hint: '@project takes a name of lowercase letters, digits and _: @project({ name: "fraud_model" }).' });
  }
  return parsed.data;
}

/**
 * Validates every decorator use of every step, bound to the flow's config values, and
 * collects the problems instead of stopping at the first: the decorators that are
 * valid, and one issue (with the decorator's line) for each that is not.
 */
export function collectDecorators(flow: Pick<LoadedFlow, "decoratorUses" | "configValues"> & { parsed?: ParsedFlow }, extra: DecoratorUse[]): { decorators: Record<string, StepDecorators>; issues: LintIssue[]; errors: WeftError[] } {
  const decorators: Record<string, StepDecorators> = {};
  const issues: LintIssue[] = [];
  const errors: WeftError[] = [];
  const configs = flow.configValues ?? { values: {}, origins: {} };
  for (const [step, written] of Object.entries(flow.decoratorUses)) {
    // Without config values (they failed to resolve, which is reported on its own), the uses that read them are left out.
    const own = flow.configValues ? written : written.filter((u) => !usesConfigs(u));
    const added = extra.filter((e) => !written.some((u) => u.name === e.name));
    const uses = [...own.map((u) => [u, `step "${step}"`, "FLOW_INVALID"] as const), ...added.map((u) => [u, `step "${step}" (from --with ${u.name})`, "USAGE"] as const)];
    const validated: StepDecorators[] = [];
    for (const [use, where, code] of uses) {
      try {
        validated.push(validateStepDecorator(bindDecoratorUse(use, configs, `@${use.name} of ${where}`), where, code));
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
export function withDecorators(flow: Pick<LoadedFlow, "decoratorUses" | "configValues">, extra: DecoratorUse[]): Record<string, StepDecorators> {
  if (!flow.configValues && Object.values(flow.decoratorUses).flat().some(usesConfigs)) throw new Error("withDecorators: the flow's decorators read configs, but it is not bound to config values (bindFlow)");
  const { decorators, errors } = collectDecorators(flow, extra);
  if (errors.length) throw errors[0];
  return decorators;
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
