import { resolve } from "node:path";
import { Command, Option } from "commander";
import { resolveConfig, type WeftConfig } from "../../config/resolve.ts";
import { parseWithOption } from "../../flow/decorators/specs.ts";
import type { LoadedFlow } from "../../flow/load/load-flow.ts";
import { withDecorators } from "../../flow/load/bind-flow.ts";
import { parseParamValue } from "../../flow/params.ts";
import { parseConfigOption, type ConfigSource } from "../../flow/configs.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { validateTag } from "../../client/tags.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { MetadataProvider } from "../../metadata/types.ts";
import { planResume } from "../../runtime/runner/resume-plan.ts";
import { createRunOnly, loadFlowForRun, startRun, type RunOptions } from "../../runtime/runner/start-run.ts";


/** The flow named on the command line, loaded before options are parsed so its parameters become flags. */
export interface Preloaded {
  flow?: LoadedFlow;
  error?: unknown;
}

const integer = (flag: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new WeftError("USAGE", `Invalid ${flag} "${value}": expected a whole number of at least 1.`);
  return Number(value);
};
const collect = (value: string, previous: string[]) => [...previous, value];

/** Options shared by `run` and `resume`. */
function executionOptions(command: Command): Command {
  return command
    .option("--max-workers <n>", "tasks run at once", integer("--max-workers"), 16)
    .option("--max-num-splits <n>", "most items one foreach may have", integer("--max-num-splits"), 100)
    .option("--with <decorator>", "add a decorator to every step, e.g. retry:times=3 (repeatable)", collect, [])
    .option("--tag <tag>", "tag the run (repeatable)", collect, [])
    .option("--datastore <kind>", "local or azure [WEFT_DEFAULT_DATASTORE]")
    .option("--datastore-root <root>", "datastore root [WEFT_DATASTORE_SYSROOT_LOCAL or _AZURE]")
    .option("--metadata <kind>", "local or service [WEFT_DEFAULT_METADATA]")
    .option("--branch <name>", "for a flow with @project: run in branch test.<name> instead of user.<you>")
    .option("--production", "for a flow with @project: run in the production branch (prod, or prod.<name> with --branch)")
    .option("--config <name=file>", "read @config NAME from a JSON file (repeatable)", collect, [])
    .option("--config-value <name=text>", "give @config NAME as JSON text (repeatable)", collect, []);
}

export function runCommand(preloaded: Preloaded): Command {
  const command = executionOptions(new Command("run").description("run a flow on this machine").argument("<flow>", "flow file (.ts)"))
    .option("--run-id <id>", "use this run id instead of the next number (letters, digits, _, - and ., not all digits)")
    .option("--create-only", "create the run (id, code package, run spec) and print its id, but run no task: its tasks are then run with `weft step` (docs/task-contract.md)");
  // A flow that failed to load has no parameter flags; let its error, not "unknown option", be reported.
  if (preloaded.error) command.allowUnknownOption().allowExcessArguments();
  const flow = preloaded.flow;
  if (flow) {
    command.addHelpText("before", `Flow ${flow.name} (${flow.file})\n`);
    for (const spec of flow.params) {
      const help = `${spec.help ?? ""} (${spec.type}${spec.required ? ", required" : spec.defaultValue !== undefined ? `, default ${JSON.stringify(spec.defaultValue)}` : ""})`.trim();
      if (spec.type === "boolean") {
        command.addOption(new Option(`--${spec.flag}`, help));
        command.addOption(new Option(`--no-${spec.flag}`, `set ${spec.field} to false`));
      } else {
        command.addOption(new Option(`--${spec.flag} <value>`, help));
      }
    }
    for (const spec of flow.includeFiles) {
      const help = `${spec.help ?? ""} (file, read once when the run starts${spec.required ? ", required" : `, default ${spec.defaultFile}`})`.trim();
      command.addOption(new Option(`--${spec.flag} <file>`, help));
    }
    if (flow.configs.length) {
      const configs = flow.configs.map((c) => `${c.field}${c.help ? ` (${c.help})` : ""}${c.required ? ", required" : c.defaultFile ? `, default ${c.defaultFile}` : ""}`);
      command.addHelpText("after", `\nConfigs of ${flow.name} (--config NAME=FILE, --config-value NAME=TEXT):\n${configs.map((c) => `  ${c}`).join("\n")}\n`);
    }
  }
  return command.action(async (_file: string, opts: Record<string, unknown>) => {
    if (preloaded.error) throw preloaded.error;
    const loaded = preloaded.flow!;
    const config = configWithFlags(opts);
    const params: Record<string, unknown> = {};
    for (const spec of loaded.params) {
      const key = new Option(`--${spec.flag}`).attributeName();
      if (opts[key] !== undefined) params[spec.field] = parseParamValue(spec, opts[key] as string | boolean);
    }
    const files: Record<string, string> = {};
    for (const spec of loaded.includeFiles) {
      const value = opts[new Option(`--${spec.flag}`).attributeName()];
      if (value !== undefined) files[spec.field] = resolve(value as string);
    }
    await execute(config, loaded, opts, { params, files });
  });
}

export function resumeCommand(): Command {
  return executionOptions(
    new Command("resume")
      .description("start a new run that reuses the finished tasks of an earlier one and runs the rest")
      .argument("<flow>", "flow file (.ts)")
      .argument("[step]", "run this step and all after it again (default: the steps that did not finish)")
      .option("--origin-run-id <id>", "the run to resume (default: your latest run of the flow)")
      .option("--on-argo", "run it as a new workflow of the flow's Argo deployment instead of on this machine (docs/argo.md)")
      .option("--namespace <ns>", "with --on-argo: Kubernetes namespace [WEFT_KUBERNETES_NAMESPACE, else the kubeconfig context's]"),
  ).action(async (file: string, step: string | undefined, opts: Record<string, unknown>) => {
    if ((opts.config as string[]).length || (opts.configValue as string[]).length) {
      throw new WeftError("USAGE", "weft resume takes no --config or --config-value: a resumed run uses the config values of the run it resumes.", {
        hint: `Start a new run with other configs: weft run ${file} --config NAME=FILE.`,
      });
    }
    const config = configWithFlags(opts);
    const loaded = await loadFlowForRun(file, config, "later");
    const originRunId = opts.originRunId as string | undefined;
    const plan = ({ backend, metadata }: { backend: StorageBackend; metadata: MetadataProvider }) =>
      planResume({ backend, metadata, flow: loaded, user: config.values.user, ...(originRunId ? { originRunId } : {}), ...(step ? { step } : {}) });
    if (opts.onArgo) {
      const { resumeOnArgo } = await import("./argo-workflows.ts");
      return resumeOnArgo(config, loaded, plan, { ...(opts.branch !== undefined ? { branch: opts.branch as string } : {}), production: opts.production === true, ...(opts.namespace ? { namespace: opts.namespace as string } : {}) });
    }
    await execute(config, loaded, opts, { params: {}, files: {} }, plan);
  });
}

/** What `weft run` was given for the flow's own inputs. */
interface FlowInputs {
  params: Record<string, unknown>;
  /** `@includeFile` paths, absolute, by field. */
  files: Record<string, string>;
}

async function execute(config: WeftConfig, loaded: LoadedFlow, opts: Record<string, unknown>, inputs: FlowInputs, resume?: RunOptions["resume"]): Promise<void> {
  const extra = (opts.with as string[]).map(parseWithOption);
  for (const tag of opts.tag as string[]) validateTag(tag);
  const runId = opts.runId as string | undefined;
  const options = {
    config,
    // A resumed flow is bound to its origin's configs once the origin is known (startRun).
    flow: resume ? loaded : { ...loaded, decorators: withDecorators(loaded, extra) },
    extra,
    params: inputs.params,
    files: inputs.files,
    maxNumSplits: opts.maxNumSplits as number,
    tags: opts.tag as string[],
    ...(runId ? { runId } : {}),
    ...(opts.branch !== undefined || opts.production ? { branch: { ...(opts.branch !== undefined ? { branch: opts.branch as string } : {}), production: opts.production === true } } : {}),
  };
  if (opts.createOnly) {
    const { record } = await createRunOnly(options);
    process.stderr.write(`Run ${record.flow}/${record.run} created; no task runs until \`weft step\` is called for it (docs/task-contract.md).\n`);
    process.stdout.write(`${record.run}\n`);
    return;
  }
  const { result } = await startRun({ ...options, maxWorkers: opts.maxWorkers as number, ...(resume ? { resume } : {}) });
  process.exitCode = result.status === "succeeded" ? 0 : result.status === "killed" ? 130 : 1;
}

function configWithFlags(opts: Record<string, unknown>): WeftConfig {
  const datastore = opts.datastore as string | undefined;
  const root = opts.datastoreRoot as string | undefined;
  return resolveConfig({
    flags: {
      datastore,
      metadata: opts.metadata as string | undefined,
      ...(root ? (datastore === "azure" ? { datastoreSysrootAzure: root } : { datastoreSysrootLocal: root }) : {}),
    },
  });
}

/**
 * Loads the flow of `weft run <flow>` ahead of option parsing, so that its parameters
 * become flags; errors surface when the command runs. Its decorators are bound to the
 * configs named by --config and --config-value, which are read from `argv` here for that.
 */
export async function preloadRunFlow(argv: string[]): Promise<Preloaded> {
  const file = argv[0] === "run" ? argv[1] : undefined;
  if (!file || file.startsWith("-")) return {};
  try {
    return { flow: await loadFlowForRun(file, resolveConfig(), configSourcesOf(argv)) };
  } catch (error) {
    return { error };
  }
}

/** The configs `--config NAME=FILE` (a path relative to the working directory) and `--config-value NAME=TEXT` give, in order. */
export function configSourcesOf(argv: string[]): ConfigSource[] {
  const sources: ConfigSource[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    const flag = (["--config", "--config-value"] as const).find((f) => arg === f || arg.startsWith(`${f}=`));
    if (!flag) continue;
    const text = arg === flag ? argv[++i] : arg.slice(flag.length + 1);
    if (text === undefined) throw new WeftError("USAGE", `${flag} needs a value: ${flag} NAME=${flag === "--config" ? "FILE" : "TEXT"}.`);
    const { name, rest } = parseConfigOption(text, flag);
    sources.push(flag === "--config" ? { name, file: resolve(rest) } : { name, text: rest });
  }
  return sources;
}
