import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { importOptional } from "../../cli/optional-import.ts";
import { folderWriteError } from "../../errors/fs-errors.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { readFlowMetadata, type DecoratorUse } from "../class-metadata.ts";
import { configSpecs, resolveConfigs, type ConfigSource, type ConfigSpec, type ResolvedConfigs } from "../configs.ts";
import type { ClassDecorators, StepDecorators } from "../decorators/specs.ts";
import { assertNoIssues, type LintIssue } from "../graph/lint.ts";
import { includeFileSpecs, type IncludeFileSpec } from "../include-file-specs.ts";
import { paramSpecs, type ParamSpec } from "../params.ts";
import type { FlowAnalysis } from "./analyze.ts";
import { bindFlow, collectDecorators, deploymentDecorators } from "./bind-flow.ts";
import { bundleFlow } from "./bundle.ts";
import { readFlowCache, writeFlowCache } from "./flow-cache.ts";
import { importFlowClass, type FlowClass } from "./import-flow.ts";

/** A flow ready to run: its static graph, its code package, and what its decorators say. */
export interface LoadedFlow extends FlowAnalysis {
  name: string;
  flowClass: FlowClass;
  params: ParamSpec[];
  /** `@config` fields. */
  configs: ConfigSpec[];
  /** `@includeFile` fields. */
  includeFiles: IncludeFileSpec[];
  /** Decorators per step as written in the flow, before configs are put in. */
  decoratorUses: Record<string, DecoratorUse[]>;
  /** Class decorators as written (`@project`, `@schedule`, …), before configs are put in. */
  classDecoratorUses: DecoratorUse[];
  /**
   * The config values `decorators` and `project` were bound to (bind-flow.ts);
   * undefined when the load was asked to leave binding to its caller (`configs: "later"`).
   */
  configValues: ResolvedConfigs | undefined;
  /** Validated decorators per step, configs put in (see withDecorators for --with). */
  decorators: Record<string, StepDecorators>;
  /** `@project({ name })` on the class. */
  project?: { name: string };
  /** `@schedule`, `@trigger` and `@triggerOnFinish`, validated (configs put in): what `weft argo-workflows create` deploys. */
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
  /**
   * The configs given for this run (`--config`, `--config-value`), resolved with the
   * flow's defaults before its decorators are bound; none by default. `"later"`: bind
   * nothing, the caller calls bindFlow (`weft resume`, which takes its origin's values).
   */
  configs?: ConfigSource[] | "later";
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
  const flowDir = dirname(analysis.file);
  const loaded: LoadedFlow = {
    ...analysis,
    name,
    flowClass,
    params,
    configs: configSpecs(metadata.configs, flowDir, instance),
    includeFiles: includeFileSpecs(metadata.includeFiles, flowDir, name),
    decoratorUses,
    classDecoratorUses: metadata.classDecorators,
    configValues: undefined,
    decorators: {},
    classDecorators: {},
    codePackage: { sha, code, map, path },
  };
  if (options.configs === "later") return loaded;
  const readText = (p: string) => readFileSync(p, "utf8");
  if (!options.collectIssues) return bindFlow(loaded, resolveConfigs(loaded.configs, options.configs ?? [], readText));
  // `weft check`: keep the valid decorators and add every invalid one to the issues.
  const configIssues: LintIssue[] = [];
  // Decorators that read configs are checked only once the configs resolve.
  let configValues: ResolvedConfigs | undefined;
  try {
    configValues = resolveConfigs(loaded.configs, [], readText);
  } catch (error) {
    if (!(error instanceof WeftError)) throw error;
    const field = loaded.configs.find((c) => error.message.startsWith(`Config "${c.field}"`))?.field;
    const line = analysis.parsed.configs.find((c) => c.field === field)?.line ?? analysis.parsed.line;
    configIssues.push({ step: undefined, line, message: error.message, hint: error.hint ?? "Fix the config." });
  }
  const { decorators, issues } = collectDecorators({ ...loaded, configValues }, []);
  const classes = deploymentDecorators(loaded, configValues ?? { values: {}, origins: {} });
  const classIssues = classes.problems.map((p) => ({ step: undefined, line: analysis.parsed.line, message: p.message, hint: p.hint }));
  return { ...loaded, configValues, decorators, classDecorators: classes.decorators, issues: [...analysis.issues, ...configIssues, ...classIssues, ...issues] };
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
