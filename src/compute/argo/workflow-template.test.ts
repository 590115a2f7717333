import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { CronWorkflow, WorkflowTemplate } from "@kubernetes-models/argo-workflows/argoproj.io/v1alpha1";
import { validateSchema, type SchemaModel } from "../../../test/kube/validation.ts";
import type { KubeObject } from "../../../test/kube/types.ts";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { resolveConfig } from "../../config/resolve.ts";
import { validateStepDecorator, type StepDecorators } from "../../flow/decorators/specs.ts";
import { buildGraph, matchSplitsAndJoins, type FlowGraph } from "../../flow/graph/graph.ts";
import { parseFlowSource } from "../../flow/graph/parse.ts";
import type { ParamSpec } from "../../flow/params.ts";
import type { DagTask } from "./types.ts";
import { cronWorkflow } from "./schedule.ts";
import { compileWorkflowTemplate, type CompileRequest } from "./workflow-template.ts";

const dir = mkdtempSync(join(tmpdir(), "weft-argo-compile-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = resolveConfig({
  env: {
    WEFT_HOME: join(dir, ".weft"),
    WEFT_USER: "ada",
    WEFT_DEFAULT_DATASTORE: "azure",
    WEFT_DATASTORE_SYSROOT_AZURE: "flows/weft",
    WEFT_DEFAULT_METADATA: "service",
    WEFT_SERVICE_URL: "http://weft-service.weft:8080",
    WEFT_KUBERNETES_CONTAINER_IMAGE: "weftacr.azurecr.io/weft-runtime:0.1.0",
    WEFT_KUBERNETES_NAMESPACE: "weft",
    WEFT_KUBERNETES_SERVICE_ACCOUNT: "weft-tasks",
    WEFT_KUBERNETES_SECRETS: "weft-credentials",
  },
  cwd: dir,
  userHome: dir,
});
const SNAPSHOTS = join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "argo", "snapshots");

function graphOf(...steps: string[]): FlowGraph {
  const graph = buildGraph(parseFlowSource(["export default class ShapeFlow extends FlowSpec {", ...steps, "}"].join("\n"), "flows/shape.ts"));
  assert.equal(matchSplitsAndJoins(graph), undefined);
  return graph;
}

/** The graph shapes whose compiled templates are kept as snapshots. */
const SHAPES: Record<string, FlowGraph> = {
  linear: graphOf("@step start() { this.next(this.a); }", "@step a() { this.next(this.end); }", "@step end() {}"),
  branch: graphOf(
    "@step start() { this.next(this.a, this.b); }",
    "@step a() { this.next(this.join); }",
    "@step b() { this.next(this.join); }",
    "@step join(inputs) { this.next(this.end); }",
    "@step end() {}",
  ),
  "nested-foreach": graphOf(
    "@step start() { this.next(this.outer, { foreach: 'xs' }); }",
    "@step outer() { this.next(this.inner, { foreach: 'ys' }); }",
    "@step inner() { this.next(this.joinInner); }",
    "@step joinInner(inputs) { this.next(this.joinOuter); }",
    "@step joinOuter(inputs) { this.next(this.end); }",
    "@step end() {}",
  ),
  switch: graphOf(
    "@step start() { this.next({ fast: this.quick, slow: this.careful }, { condition: 'mode' }); }",
    "@step quick() { this.next(this.end); }",
    "@step careful() { this.next(this.end); }",
    "@step end() {}",
  ),
  loop: graphOf(
    "@step start() { this.next(this.count); }",
    "@step count() { this.next({ again: this.count, done: this.report }, { condition: 'state' }); }",
    "@step report() { this.next(this.end); }",
    "@step end() {}",
  ),
};

const decorators = (step: string, ...uses: [string, Record<string, unknown>][]): StepDecorators =>
  Object.assign({}, ...uses.map(([name, options]) => validateStepDecorator({ name, options }, `step ${step}`)));

function request(graph: FlowGraph, overrides: Partial<CompileRequest> = {}): CompileRequest {
  const params: ParamSpec[] = [{ field: "alpha", flag: "alpha", type: "number", help: "learning rate", required: false, defaultValue: 0.5 }];
  return { name: "shapeflow", flowName: "ShapeFlow", graph, decorators: {}, params, deployment: "0".repeat(64), config, version: "0.1.0", workloadIdentity: false, ...overrides };
}

function assertValid(model: SchemaModel, object: unknown): void {
  const { causes, unknownFields } = validateSchema(model, object as KubeObject);
  assert.deepEqual(causes, [], "valid by Argo's schema");
  assert.deepEqual(unknownFields, [], "no field Argo's schema does not know");
}

describe("compileWorkflowTemplate", () => {
  for (const [shape, graph] of Object.entries(SHAPES)) {
    test(`the ${shape} shape compiles to a valid template equal to its snapshot`, () => {
      const template = compileWorkflowTemplate(request(graph, { decorators: { start: decorators("start", ["retry", { times: 2, minutesBetweenRetries: 1 }], ["timeout", { minutes: 5 }]) } }));
      assertValid(WorkflowTemplate, template);
      const file = join(SNAPSHOTS, `${shape}.json`);
      const text = `${JSON.stringify(template, null, 2)}\n`;
      if (process.env.WEFT_UPDATE_SNAPSHOTS === "1" || !existsSync(file)) writeFileSync(file, text);
      assert.equal(text, readFileSync(file, "utf8"), `${file} is stale: rerun with WEFT_UPDATE_SNAPSHOTS=1 and review the diff`);
    });
  }

  test("each @catchError step gets a fallback task beside it, in the entry DAG and in a foreach body, and its successors take either: valid, equal to its snapshot", () => {
    const graph = graphOf(
      "@step start() { this.next(this.a); }",
      "@step a() { this.next(this.split); }",
      "@step split() { this.next(this.body, { foreach: 'xs' }); }",
      "@step body() { this.next(this.join); }",
      "@step join(inputs) { this.next(this.end); }",
      "@step end() {}",
    );
    const catching = (step: string, ...more: [string, Record<string, unknown>][]) => decorators(step, ["catchError", { var: "failure" }], ...more);
    const template = compileWorkflowTemplate(request(graph, { decorators: { a: catching("a", ["retry", { times: 2 }], ["timeout", { seconds: 30 }]), split: catching("split"), body: catching("body") } }));
    assertValid(WorkflowTemplate, template);
    const file = join(SNAPSHOTS, "catch.json");
    const text = `${JSON.stringify(template, null, 2)}\n`;
    if (process.env.WEFT_UPDATE_SNAPSHOTS === "1" || !existsSync(file)) writeFileSync(file, text);
    assert.equal(text, readFileSync(file, "utf8"), `${file} is stale: rerun with WEFT_UPDATE_SNAPSHOTS=1 and review the diff`);

    const dagOf = (name: string) => template.spec.templates!.find((t) => t.name === name)!.dag!.tasks;
    const task = (dag: string, name: string) => dagOf(dag).find((t) => t.name === name)!;
    const weftCodes = "'{{tasks.a.exitCode}}' != '1' && '{{tasks.a.exitCode}}' != '2' && '{{tasks.a.exitCode}}' != '3' && '{{tasks.a.exitCode}}' != '4'";
    assert.deepEqual(task("weft", "a-fallback"), {
      name: "a-fallback",
      template: "step-a-fallback",
      depends: "a.Failed || a.Errored",
      when: weftCodes,
      arguments: { parameters: [{ name: "task", value: "0" }, { name: "lost-exit-code", value: "{{tasks.a.exitCode}}" }, { name: "lost-finished-at", value: "{{tasks.a.finishedAt}}" }] },
    });
    assert.equal(task("weft", "split").depends, "a.Succeeded || a-fallback.Succeeded");
    assert.equal(dagOf("weft").find((t) => t.name === "split-fallback"), undefined, "a split's indices come from its own task: no fallback");
    assert.equal(task("foreach-split", "body-fallback").depends, "body.Failed || body.Errored");
    assert.deepEqual(task("foreach-split", "body-fallback").arguments!.parameters[0], { name: "task", value: "{{inputs.parameters.task}}" });
    const fallback = template.spec.templates!.find((t) => t.name === "step-a-fallback")!;
    const args = (fallback.container as { args: string[] }).args;
    assert.deepEqual([args[args.indexOf("--attempt") + 1], args.includes("--fallback"), args[args.indexOf("--lost-exit-code") + 1]], ["3", true, "{{inputs.parameters.lost-exit-code}}"]);
    assert.deepEqual([fallback.retryStrategy, fallback.activeDeadlineSeconds], [undefined, undefined], "the fallback runs no step code: no deadline, no retry");
  });

  test("@retry becomes a retryStrategy that never retries exit codes 2 and 4, and the attempt is Argo's retry count", () => {
    const template = compileWorkflowTemplate(request(SHAPES.linear!, { decorators: { a: decorators("a", ["retry", { times: 3, minutesBetweenRetries: 2 }]) } }));
    const a = template.spec.templates!.find((t) => t.name === "step-a")!;
    assert.deepEqual(a.retryStrategy, { limit: "3", retryPolicy: "Always", expression: "!(lastRetry.exitCode in ['2', '4'])", backoff: { duration: "120s" } });
    const args = (a.container as { args: string[] }).args;
    assert.equal(args[args.indexOf("--attempt") + 1], "{{retries}}");
    const start = template.spec.templates!.find((t) => t.name === "step-start")!;
    assert.equal(start.retryStrategy, undefined);
    const startArgs = (start.container as { args: string[] }).args;
    assert.equal(startArgs[startArgs.indexOf("--attempt") + 1], "0");
  });

  test("@timeout, @resources, @environment and @kubernetes reach the step's template; secrets only by reference", () => {
    const template = compileWorkflowTemplate(
      request(SHAPES.linear!, {
        decorators: { a: decorators("a", ["timeout", { minutes: 2 }], ["resources", { cpu: 3, memory: 2048 }], ["kubernetes", { nodeSelector: { pool: "gpu" }, imagePullSecrets: ["acr-pull"] }]) },
        workloadIdentity: true,
      }),
    );
    const a = template.spec.templates!.find((t) => t.name === "step-a")!;
    assert.equal(a.activeDeadlineSeconds, 120);
    assert.deepEqual(a.nodeSelector, { pool: "gpu" });
    const container = a.container as { name: string; resources: { requests: Record<string, string> }; envFrom: unknown; env: { name: string; value?: string }[] };
    assert.equal(container.name, "main");
    assert.equal(container.resources.requests.cpu, "3");
    assert.deepEqual(container.envFrom, [{ secretRef: { name: "weft-credentials" } }]);
    assert.ok(!container.env.some((e) => /KEY|SECRET|CONNECTION/.test(e.name)));
    assert.equal(a.serviceAccountName, "weft-tasks");
    assert.equal(a.metadata?.labels?.["azure.workload.identity/use"], "true");
    assert.deepEqual(template.spec.imagePullSecrets, [{ name: "acr-pull" }]);
  });

  test("parameters are workflow arguments with their defaults, and the first template creates the run with them", () => {
    const template = compileWorkflowTemplate(request(SHAPES.linear!, { maxWorkers: 50 }));
    assert.deepEqual(template.spec.arguments, { parameters: [{ name: "alpha", value: "0.5" }, { name: "weft-resume", value: "" }] });
    assert.equal(template.spec.parallelism, 50);
    const create = template.spec.templates!.find((t) => t.name === "create-run")!;
    const args = (create.container as { args: string[] }).args;
    assert.deepEqual(args.slice(0, 2), ["step", "--create-run"]);
    assert.ok(args.includes("alpha={{workflow.parameters.alpha}}"));
    assert.equal(args[args.indexOf("--resume") + 1], "{{workflow.parameters.weft-resume}}", "a resumed run says so through a parameter, empty for a new run");
    assert.equal(args[args.indexOf("--run") + 1], "argo-{{workflow.name}}");
    assert.equal(template.spec.onExit, "finish-run");
  });

  test("a foreach fans out with withParam over the split's output file, and nested bodies carry the parent's task id", () => {
    const template = compileWorkflowTemplate(request(SHAPES["nested-foreach"]!));
    const entry = template.spec.templates!.find((t) => t.name === "weft")!;
    const outerFan = entry.dag!.tasks.find((t) => t.name === "foreach-start")!;
    assert.equal(outerFan.withParam, "{{tasks.start.outputs.parameters.splits}}");
    assert.deepEqual(outerFan.arguments?.parameters, [{ name: "task", value: "{{item}}" }]);
    const outerBody = template.spec.templates!.find((t) => t.name === "foreach-start")!;
    const innerFan = outerBody.dag!.tasks.find((t) => t.name === "foreach-outer")!;
    assert.deepEqual(innerFan.arguments?.parameters, [{ name: "task", value: "{{inputs.parameters.task}}-{{item}}" }]);
    assert.equal(outerBody.dag!.tasks.find((t) => t.name === "joinInner")!.depends, "foreach-outer.Succeeded");
    const split = template.spec.templates!.find((t) => t.name === "step-start")!;
    assert.deepEqual(split.outputs, { parameters: [{ name: "splits", valueFrom: { path: "/weft/outputs/splits.json" } }] });
  });

  test("a switch's cases run when the case file names them, and the step after them when either succeeded", () => {
    const template = compileWorkflowTemplate(request(SHAPES.switch!));
    const tasks = template.spec.templates!.find((t) => t.name === "weft")!.dag!.tasks;
    assert.equal(tasks.find((t) => t.name === "quick")!.when, "'{{tasks.start.outputs.parameters.case}}' == 'quick'");
    assert.equal(tasks.find((t) => t.name === "end")!.depends, "quick.Succeeded || careful.Succeeded");
  });

  test("a loop is a DAG template that runs itself when its switch goes back, with the id the switch wrote; the step after it waits for the loop's task", () => {
    const template = compileWorkflowTemplate(request(SHAPES.loop!));
    const templates = new Map(template.spec.templates!.map((t) => [t.name, t]));
    const entry = templates.get("weft")!.dag!.tasks;
    assert.deepEqual(entry.find((t) => t.name === "loop-count"), { name: "loop-count", template: "loop-count", depends: "start.Succeeded", arguments: { parameters: [{ name: "task", value: "i0" }] } });
    assert.equal(entry.find((t) => t.name === "report")!.depends, "loop-count.Succeeded");
    assert.equal(entry.find((t) => t.name === "report")!.when, undefined, "the loop is left for one step only");
    const loop = templates.get("loop-count")!;
    assert.deepEqual(loop.inputs, { parameters: [{ name: "task" }] });
    assert.deepEqual(loop.dag!.tasks, [
      { name: "count", template: "step-count", arguments: { parameters: [{ name: "task", value: "{{inputs.parameters.task}}" }] } },
      { name: "loop-count", template: "loop-count", depends: "count.Succeeded", when: "'{{tasks.count.outputs.parameters.case}}' == 'count'", arguments: { parameters: [{ name: "task", value: "{{tasks.count.outputs.parameters.next-task}}" }] } },
    ]);
    const count = templates.get("step-count")!;
    assert.deepEqual(count.outputs, { parameters: [{ name: "case", valueFrom: { path: "/weft/outputs/case" } }, { name: "next-task", valueFrom: { path: "/weft/outputs/next-task" } }] });
    const args = (count.container as { args: string[] }).args;
    assert.equal(args[args.indexOf("--next-task-file") + 1], "/weft/outputs/next-task");
  });

  test("loops nest, sit in a foreach and hold one: each DAG passes its task id down, and a loop's exit waits for the loop", () => {
    const graph = graphOf(
      "@step start() { this.next(this.prep, { foreach: 'xs' }); }",
      "@step prep() { this.next(this.work); }",
      "@step work() { this.next(this.fan, { foreach: 'ys' }); }",
      "@step fan() { this.next(this.gather); }",
      "@step gather(inputs) { this.next(this.inner); }",
      "@step inner() { this.next({ again: this.inner, on: this.check }, { condition: 'more' }); }",
      "@step check() { this.next({ again: this.work, done: this.join }, { condition: 'state' }); }",
      "@step join(inputs) { this.next(this.end); }",
      "@step end() {}",
    );
    const template = compileWorkflowTemplate(request(graph));
    assertValid(WorkflowTemplate, template);
    const tasks = (name: string) => new Map(template.spec.templates!.find((t) => t.name === name)!.dag!.tasks.map((t) => [t.name, t]));
    const value = (task: DagTask | undefined) => task?.arguments?.parameters[0]?.value;
    assert.equal(tasks("weft").get("join")!.depends, "foreach-start.Succeeded");
    assert.equal(value(tasks("foreach-start").get("loop-work")), "{{inputs.parameters.task}}-i0", "a loop in item 3 starts at 3-i0");
    const work = tasks("loop-work");
    assert.equal(value(work.get("foreach-work")), "{{inputs.parameters.task}}-{{item}}", "a foreach in iteration i1 fans out to i1-0, i1-1, …");
    assert.equal(work.get("gather")!.depends, "foreach-work.Succeeded");
    assert.equal(value(work.get("loop-inner")), "{{inputs.parameters.task}}-i0");
    assert.equal(work.get("check")!.depends, "loop-inner.Succeeded");
    assert.equal(work.get("check")!.when, undefined);
    assert.equal(tasks("loop-inner").get("loop-inner")!.when, "'{{tasks.inner.outputs.parameters.case}}' == 'inner'");
    assert.equal(work.get("loop-work")!.when, "'{{tasks.check.outputs.parameters.case}}' == 'work'");
  });

  test("loops Argo cannot run as laid out are refused with what to do instead", () => {
    const twoExits = graphOf(
      "@step start() { this.next(this.work); }",
      "@step work() { this.next({ again: this.work, good: this.keep, bad: this.drop }, { condition: 'state' }); }",
      "@step keep() { this.next(this.end); }",
      "@step drop() { this.next(this.end); }",
      "@step end() {}",
    );
    const error = weftError(() => compileWorkflowTemplate(request(twoExits)), "USAGE");
    assert.match(error.message, /The loop at "work" of ShapeFlow is left for 2 steps \("keep", "drop"\), which weft argo-workflows cannot deploy/);
    assert.match(error.hint ?? "", /Leave the loop for one step, and choose between "keep", "drop" there/);
    const twoClosers = graphOf(
      "@step start() { this.next(this.work); }",
      "@step work() { this.next({ again: this.work, on: this.check }, { condition: 'state' }); }",
      "@step check() { this.next({ again: this.work, done: this.end }, { condition: 'state' }); }",
      "@step end() {}",
    );
    assert.match(weftError(() => compileWorkflowTemplate(request(twoClosers)), "USAGE").message, /The loop at "work" of ShapeFlow is closed by 2 switches \("work", "check"\)/);
  });

  test("a 10,000-wide foreach compiles in under a second to a template far below Argo's 1 MB limit", () => {
    const started = performance.now();
    const template = compileWorkflowTemplate(request(SHAPES["nested-foreach"]!));
    const ms = performance.now() - started;
    const bytes = Buffer.byteLength(JSON.stringify(template));
    // The width is a run-time value (withParam): the template does not grow with it.
    assert.ok(ms < 1000, `${ms} ms`);
    assert.ok(bytes < 100_000, `${bytes} bytes`);
  });

  test("a CronWorkflow of @schedule is valid by Argo's schema", () => {
    const template = compileWorkflowTemplate(request(SHAPES.linear!));
    const cron = cronWorkflow(template, { daily: true, timezone: "Europe/Paris" });
    assertValid(CronWorkflow, cron);
    assert.deepEqual(cron.spec.schedules, ["0 0 * * *"]);
  });

  test("a local datastore is refused: pods cannot reach it", () => {
    const local = resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), WEFT_KUBERNETES_CONTAINER_IMAGE: "x.io/weft:1" }, cwd: dir, userHome: dir });
    assert.match(weftError(() => compileWorkflowTemplate(request(SHAPES.linear!, { config: local })), "CONFIG").hint ?? "", /WEFT_DEFAULT_DATASTORE=azure/);
  });
});
