import { Command } from "commander";
import type { V1Job } from "@kubernetes/client-node";
import { resolveConfig } from "../../config/resolve.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { parseWithOption } from "../../flow/decorators/specs.ts";
import { withDecorators } from "../../flow/load/bind-flow.ts";
import { previewJobs } from "../../compute/kubernetes/preview.ts";
import { unknownFields } from "../../compute/kubernetes/schema-fields.ts";
import { loadFlowForRun } from "../../runtime/runner/start-run.ts";
import { weftPackage } from "../../runtime/package-root.ts";
import { importOptional } from "../optional-import.ts";

const collect = (value: string, previous: string[]) => [...previous, value];

interface RenderOptions {
  json?: boolean;
  with: string[];
  workloadIdentity: boolean;
}

export function kubernetesCommand(): Command {
  const kubernetes = new Command("kubernetes").description("Kubernetes Jobs of @kubernetes steps (docs/kubernetes.md)");
  kubernetes
    .command("render")
    .description("print the Job each @kubernetes step would get with the current settings, as YAML; no cluster needed")
    .argument("<flow>", "flow file (.ts)")
    .argument("[step]", "only this step")
    .option("--json", "print JSON: the Job of STEP, or a v1 List of the Jobs")
    .option("--with <decorator>", "add a decorator to every step, as `weft run --with`, e.g. kubernetes:cpu=2 (repeatable)", collect, [])
    .option("--no-workload-identity", "render pods without the azure.workload.identity/use label (assumed when a service account is set)")
    .action(async (file: string, step: string | undefined, opts: RenderOptions) => {
      const config = resolveConfig();
      // client-node (an optional dependency) loads only for this command, not for every start of the CLI.
      const k8s = await importOptional(() => import("@kubernetes/client-node"));
      const flow = await loadFlowForRun(file, config);
      const decorators = withDecorators(flow, opts.with.map(parseWithOption));
      const steps = flow.graph.steps;
      if (step !== undefined && !steps.includes(step)) {
        throw new WeftError("USAGE", `Unknown step "${step}" in ${flow.name} (${file}).`, { hint: `Steps: ${steps.join(", ")}.` });
      }
      const previews = previewJobs(
        { flowName: flow.name, graph: flow.graph, decorators, config, version: weftPackage().version, workloadIdentity: opts.workloadIdentity },
        step === undefined ? steps : [step],
      );
      for (const { step: name, job } of previews) {
        const unknown = job ? unknownFields(job, "V1Job", k8s) : [];
        if (unknown.length) {
          throw new WeftError("CONFIG", `The Job of step "${name}" has fields Kubernetes does not know: ${unknown.join(", ")}.`, {
            hint: "Fix the podSpecPatch of @kubernetes on that step: a field name is misspelt or misplaced (docs/kubernetes.md#podspecpatch).",
          });
        }
      }
      if (previews.some((p) => p.job) && config.values.datastore === "local") {
        process.stderr.write(`Note: the datastore is local (${config.values.datastoreSysrootLocal}), which a pod cannot reach; a run on a cluster needs WEFT_DEFAULT_DATASTORE=azure.\n`);
      }
      const jobs = previews.filter((p): p is { step: string; job: V1Job } => p.job !== undefined);
      const local = previews.filter((p) => p.job === undefined).map((p) => p.step);
      const localNote = local.length
        ? `${local.length === 1 ? "Step" : "Steps"} ${local.join(", ")} ${local.length === 1 ? "runs" : "run"} locally: no @kubernetes (add it, or render with --with kubernetes).`
        : "";
      if (opts.json) {
        if (localNote) process.stderr.write(`${localNote}\n`);
        if (step !== undefined) return void (jobs[0] && process.stdout.write(`${JSON.stringify(jobs[0].job, null, 2)}\n`));
        return void process.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: jobs.map((j) => j.job) }, null, 2)}\n`);
      }
      const documents = jobs.map(({ step: name, job }) => `# Step ${name}: Job ${job.metadata!.name} in namespace ${job.metadata!.namespace}\n${k8s.dumpYaml(job)}`);
      process.stdout.write(documents.join("---\n") + (localNote ? `# ${localNote}\n` : ""));
    });
  return kubernetes;
}
