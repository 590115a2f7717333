// `weft argo-workflows create --only-json` and `weft check` for deployment decorators,
// through the real CLI: no cluster and no datastore are touched.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CronWorkflow, WorkflowTemplate } from "@kubernetes-models/argo-workflows/argoproj.io/v1alpha1";
import { validateSchema } from "../kube/validation.ts";
import type { KubeObject } from "../kube/types.ts";
import { repoRoot, runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const FLOW = join(repoRoot, "test", "fixtures", "argo", "scheduled-flow.ts");

function env(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    WEFT_USER: "ada",
    WEFT_DEFAULT_DATASTORE: "azure",
    WEFT_DATASTORE_SYSROOT_AZURE: "flows/weft",
    WEFT_KUBERNETES_CONTAINER_IMAGE: "weftacr.azurecr.io/weft-runtime:0.1.0",
    WEFT_KUBERNETES_NAMESPACE: "weft",
    WEFT_KUBERNETES_SECRETS: "weft-credentials",
  };
}

describe("weft argo-workflows create --only-json", () => {
  test("a flow with @schedule, @trigger and @triggerOnFinish gives a valid template, a CronWorkflow and a Sensor mapping the payload to the parameter", async () => {
    const dir = tempProject("weft-argo-create-");
    const result = await runWeft(["argo-workflows", "create", FLOW, "--only-json", "--max-workers", "50"], { cwd: dir, env: env(dir) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Compiled ScheduledFlow into WorkflowTemplate scheduledflow \(\d+ templates, \d+ bytes\) in \d+ ms/);
    const [template, cron, sensor] = JSON.parse(result.stdout).items;
    assert.deepEqual([template.kind, cron.kind, sensor.kind], ["WorkflowTemplate", "CronWorkflow", "Sensor"]);
    for (const [model, object] of [[WorkflowTemplate, template], [CronWorkflow, cron]] as const) assert.deepEqual(validateSchema(model, object as KubeObject).causes, []);
    assert.equal(template.spec.parallelism, 50);
    assert.deepEqual(cron.spec.schedules, ["30 6 * * 1-5"]);
    assert.equal(cron.spec.timezone, "Europe/Paris");
    assert.deepEqual(sensor.spec.dependencies.map((d: { filters: { data: { value: string[] }[] } }) => d.filters.data[0]!.value[0]), ["data_ready", "weft.run.succeeded.PrepFlow"]);
    assert.deepEqual(sensor.spec.triggers[0].template.argoWorkflow.parameters, [{ src: { dependencyName: sensor.spec.dependencies[0].name, dataKey: "body.payload.rate" }, dest: "spec.arguments.parameters.0.value" }]);
  });

  test("an invalid schedule and a trigger naming no parameter are reported by weft check, with the line", async () => {
    const dir = tempProject("weft-argo-check-");
    const file = writeFlow(
      dir,
      "bad.ts",
      [
        'import { FlowSpec, step, schedule, trigger } from "weft";',
        '@schedule({ cron: "0 * * *" })',
        '@trigger({ event: { name: "ready", parameters: { nope: "x" } } })',
        "export default class BadFlow extends FlowSpec {",
        "  @step start() { this.next(this.end); }",
        "  @step end() {}",
        "}",
      ].join("\n"),
    );
    const result = await runWeft(["check", file], { cwd: dir, env: env(dir) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /2 problems found/);
    assert.match(result.stderr, /@schedule.*has 4 fields; it needs five/);
    assert.match(result.stderr, /maps a payload field to "nope", which is not a parameter of the flow/);
  });
});
