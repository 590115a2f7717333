import { Command } from "commander";
import { resolveConfig, type WeftConfig } from "../../config/resolve.ts";
import { kubernetesDefaults } from "../../config/kubernetes-defaults.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { parseWithOption } from "../../flow/decorators/specs.ts";
import { withDecorators } from "../../flow/load/bind-flow.ts";
import type { LoadedFlow } from "../../flow/load/load-flow.ts";
import { parseParamValue } from "../../flow/params.ts";
import { projectOf, type BranchChoice } from "../../flow/project.ts";
import { KUBERNETES_DEFAULTS } from "../../compute/kubernetes/options.ts";
import { loadFlowForRun } from "../../runtime/runner/start-run.ts";
import { openStores } from "../../runtime/stores.ts";
import { weftPackage } from "../../runtime/package-root.ts";
import { importOptional } from "../optional-import.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { MetadataProvider } from "../../metadata/types.ts";
import type { ResumePlan } from "../../runtime/runner/resume-plan.ts";

const collect = (value: string, previous: string[]) => [...previous, value];
const integer = (flag: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new WeftError("USAGE", `Invalid ${flag} "${value}": expected a whole number of at least 1.`);
  return Number(value);
};

interface BranchOptions {
  branch?: string;
  production?: boolean;
  namespace?: string;
}

const branchOf = (opts: BranchOptions): BranchChoice => ({ ...(opts.branch !== undefined ? { branch: opts.branch } : {}), production: opts.production === true });

/** The cluster commands' Argo API, imported only when one runs (client-node is an optional dependency). */
async function argoApi(config: WeftConfig, namespace: string | undefined) {
  const [{ KubeApi }, { ArgoApi }] = await Promise.all([importOptional(() => import("../../compute/kubernetes/kube-api.ts")), import("../../compute/argo/argo-api.ts")]);
  const kube = new KubeApi({ kubeconfig: config.values.kubeconfig, context: config.values.kubernetesContext });
  return new ArgoApi(kube, namespace ?? kubernetesDefaults(config.values).namespace ?? kube.contextNamespace ?? KUBERNETES_DEFAULTS.namespace);
}

/** The deployment name of a flow file in the chosen branch. */
async function deploymentOf(file: string, config: WeftConfig, opts: BranchOptions): Promise<{ flow: LoadedFlow; name: string }> {
  const { deploymentName } = await import("../../compute/argo/names.ts");
  const flow = await loadFlowForRun(file, config);
  return { flow, name: deploymentName(flow.name, projectOf(flow.name, flow.project, config.values.user, branchOf(opts))) };
}

function withBranch(command: Command): Command {
  return command
    .option("--branch <name>", "for a flow with @project: the deployment of branch test.<name> (default user.<you>)")
    .option("--production", "for a flow with @project: the production deployment")
    .option("--namespace <ns>", "Kubernetes namespace [WEFT_KUBERNETES_NAMESPACE, else the kubeconfig context's]");
}

export function argoWorkflowsCommand(): Command {
  const argo = new Command("argo-workflows").description("deploy a flow to Argo Workflows, trigger and control its runs (docs/argo.md)");
  withBranch(argo.command("create").description("deploy the flow: a WorkflowTemplate, with a CronWorkflow for @schedule and a Sensor for @trigger / @triggerOnFinish").argument("<flow>", "flow file (.ts)"))
    .option("--only-json", "print the objects as JSON (a v1 List) and deploy nothing; no cluster or datastore is touched")
    .option("--max-workers <n>", "pods of one run at once (the workflow's parallelism)", integer("--max-workers"))
    .option("--max-num-splits <n>", "most items one foreach may have", integer("--max-num-splits"), 10_000)
    .option("--with <decorator>", "add a decorator to every step, as `weft run --with` (repeatable)", collect, [])
    .option("--no-workload-identity", "pods without the azure.workload.identity/use label (assumed when a service account is set)")
    .action(async (file: string, opts: BranchOptions & { onlyJson?: boolean; maxWorkers?: number; maxNumSplits: number; with: string[]; workloadIdentity: boolean }) => {
      const config = resolveConfig();
      const { planDeployment, applyDeployment } = await import("../../compute/argo/deployment.ts");
      const flow = await loadFlowForRun(file, config);
      const started = performance.now();
      const plan = planDeployment({
        flow,
        decorators: withDecorators(flow, opts.with.map(parseWithOption)),
        config,
        version: weftPackage().version,
        branch: branchOf(opts),
        ...(opts.maxWorkers ? { maxWorkers: opts.maxWorkers } : {}),
        maxNumSplits: opts.maxNumSplits,
        workloadIdentity: opts.workloadIdentity,
      });
      const objects = [plan.template, ...(plan.cron ? [plan.cron] : []), ...(plan.sensor ? [plan.sensor] : [])];
      const bytes = Buffer.byteLength(JSON.stringify(plan.template));
      process.stderr.write(`Compiled ${flow.name} into WorkflowTemplate ${plan.name} (${plan.template.spec.templates!.length} templates, ${bytes} bytes) in ${Math.round(performance.now() - started)} ms.\n`);
      if (opts.onlyJson) return void process.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 2)}\n`);
      const api = await argoApi(config, opts.namespace ?? plan.namespace);
      const { backend } = await openStores(config);
      const applied = await applyDeployment(plan, flow, backend, api);
      const parts = [`WorkflowTemplate ${plan.name} ${applied.template}`, ...(applied.cron ? [`CronWorkflow ${applied.cron}`] : []), ...(applied.sensor ? [`Sensor ${applied.sensor}`] : [])];
      process.stdout.write(`${parts.join(", ")} in namespace ${api.namespace}.\nTrigger a run with: weft argo-workflows trigger ${file}\n`);
    });
  withBranch(argo.command("trigger").description("start a run of the deployed flow; parameters as flags (`--alpha 0.5`); prints the run id").argument("<flow>", "flow file (.ts)"))
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (file: string, opts: BranchOptions, command: Command) => {
      const config = resolveConfig();
      const { flow, name } = await deploymentOf(file, config, opts);
      const params = triggerParams(flow, command.args.slice(1));
      const { trigger } = await import("../../compute/argo/control.ts");
      const run = await trigger(await argoApi(config, opts.namespace), name, params);
      process.stderr.write(`Workflow ${run.slice("argo-".length)} submitted from ${name}; follow it with \`weft argo-workflows status ${run}\`.\n`);
      process.stdout.write(`${run}\n`);
    });
  withBranch(argo.command("list-runs").description("the runs (workflows) of the deployed flow, newest first").argument("<flow>", "flow file (.ts)")).action(async (file: string, opts: BranchOptions) => {
    const config = resolveConfig();
    const { name } = await deploymentOf(file, config, opts);
    const { listRuns } = await import("../../compute/argo/control.ts");
    for (const run of await listRuns(await argoApi(config, opts.namespace), name)) {
      process.stdout.write(`${run.run}\t${run.phase}\t${run.startedAt ?? "-"}\t${run.finishedAt ?? "-"}\n`);
    }
  });
  argo
    .command("status")
    .description("a run's workflow: its phase and each step's tasks by state")
    .argument("<run>", "run id, e.g. argo-irisflow-x7k2p")
    .option("--namespace <ns>", "Kubernetes namespace")
    .action(async (run: string, opts: { namespace?: string }) => {
      const config = resolveConfig();
      const { status } = await import("../../compute/argo/control.ts");
      const report = await status(await argoApi(config, opts.namespace), (await openStores(config)).metadata, run);
      process.stdout.write(`${report.flow ?? "?"}/${report.run}: ${report.phase}${report.message ? ` (${report.message})` : ""}\n`);
      if (report.offloaded) process.stdout.write("  per-step progress: the controller offloaded this workflow's nodes to its database; `argo get` reads them through the Argo server\n");
      for (const s of report.steps) process.stdout.write(`  ${s.step}\t${s.succeeded} succeeded, ${s.running} running, ${s.failed} failed${s.other ? `, ${s.other} other` : ""}\n`);
      const shown = report.problems.slice(0, 10);
      for (const p of shown) process.stdout.write(`  ${p.phase === "Pending" ? "waiting" : "failed"}: ${p.node}: ${p.message}${p.fix ? `\n    fix: ${p.fix}` : ""}\n`);
      if (report.problems.length > shown.length) process.stdout.write(`  … and ${report.problems.length - shown.length} more pods like these (kubectl get pods -l workflows.argoproj.io/workflow=${run.replace(/^argo-/, "")})\n`);
    });
  for (const [verb, description] of [
    ["terminate", "stop a run: its pods are killed and it is recorded as killed"],
    ["suspend", "pause a run: no new pod starts until it is resumed"],
    ["resume", "resume a suspended run"],
  ] as const) {
    argo
      .command(verb)
      .description(description)
      .argument("<run>", "run id, e.g. argo-irisflow-x7k2p")
      .option("--namespace <ns>", "Kubernetes namespace")
      .action(async (run: string, opts: { namespace?: string }) => {
        const config = resolveConfig();
        const control = await import("../../compute/argo/control.ts");
        const api = await argoApi(config, opts.namespace);
        if (verb === "terminate") await control.terminate(api, (await openStores(config)).metadata, run);
        else await control.suspend(api, run, verb === "suspend");
        process.stdout.write(`${run}: ${verb === "terminate" ? "terminated" : verb === "suspend" ? "suspended" : "resumed"}.\n`);
      });
  }
  withBranch(argo.command("delete").description("remove the deployment (template, CronWorkflow, Sensor); its runs and their data stay").argument("<flow>", "flow file (.ts)")).action(async (file: string, opts: BranchOptions) => {
    const config = resolveConfig();
    const { name } = await deploymentOf(file, config, opts);
    const { deleteDeployment } = await import("../../compute/argo/control.ts");
    const api = await argoApi(config, opts.namespace);
    const deleted = await deleteDeployment(api, name);
    process.stdout.write(`Deleted ${deleted.join(", ")} ${name} in namespace ${api.namespace}.\n`);
  });
  return argo;
}

/**
 * `weft resume FLOW --on-argo`: the resume is planned here as for a local one (the
 * origin's finished tasks, the steps that run again), then started as a new workflow of
 * the deployment, with the origin's parameter values; its tasks clone themselves.
 */
export async function resumeOnArgo(config: WeftConfig, flow: LoadedFlow, plan: (stores: { backend: StorageBackend; metadata: MetadataProvider }) => Promise<ResumePlan>, opts: BranchOptions): Promise<void> {
  const [{ deploymentName }, { triggerResume }] = await Promise.all([import("../../compute/argo/names.ts"), import("../../compute/argo/control.ts")]);
  const name = deploymentName(flow.name, projectOf(flow.name, flow.project, config.values.user, branchOf(opts)));
  const { origin, clone, params } = await plan(await openStores(config));
  const values = Object.fromEntries(flow.params.filter((p) => params[p.field] !== undefined).map((p) => [p.field, p.type === "json" ? JSON.stringify(params[p.field]) : String(params[p.field])]));
  const run = await triggerResume(await argoApi(config, opts.namespace), name, values, { origin: origin.run, rerun: [...clone.rerun], keep: [...(clone.keep ?? [])] });
  process.stderr.write(`Workflow ${run.slice("argo-".length)} submitted from ${name}, resuming ${flow.name}/${origin.run} (${clone.tasks.size} finished tasks to reuse; running ${[...clone.rerun].join(", ")} again).\n`);
  process.stdout.write(`${run}\n`);
}

/**
 * Parameter flags after the flow file (`--alpha 0.5`, `--verbose`, `--no-verbose`),
 * validated as `weft run` validates them, as the text a user types (what the run's
 * creation parses again in the pod). A required parameter left out is refused here.
 */
export function triggerParams(flow: LoadedFlow, args: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const flag = arg.replace(/^--/, "");
    const negated = flow.params.find((p) => p.type === "boolean" && `no-${p.flag}` === flag);
    const spec = negated ?? flow.params.find((p) => p.flag === flag);
    if (!arg.startsWith("--") || !spec) {
      throw new WeftError("USAGE", `Unknown option ${arg} for ${flow.name}.`, { hint: `Its parameters: ${flow.params.map((p) => `--${p.flag}`).join(", ") || "none"}; deployment options (--branch, --production, --namespace) come before them.` });
    }
    const text = spec.type === "boolean" ? String(!negated) : args[++i];
    if (text === undefined) throw new WeftError("USAGE", `--${spec.flag} needs a value.`);
    parseParamValue(spec, spec.type === "boolean" ? !negated : text);
    params[spec.field] = text;
  }
  const missing = flow.params.find((p) => p.required && p.defaultValue === undefined && !(p.field in params));
  if (missing) throw new WeftError("PARAMETER", `Missing required parameter --${missing.flag}.`, { hint: missing.help ? `--${missing.flag}: ${missing.help}` : `Pass --${missing.flag} <value>.` });
  return params;
}
