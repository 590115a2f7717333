import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { assertValidJob } from "../../../test/helpers/kubernetes-job.ts";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { resolveConfig } from "../../config/resolve.ts";
import { validateStepDecorator } from "../../flow/decorators/specs.ts";
import { taskArgv } from "../../runtime/task/args.ts";
import { jobManifest, type JobRequest } from "./job-manifest.ts";
import { dnsLabelProblem, labelValueProblem } from "./names.ts";
import { resolveKubernetesOptions } from "./options.ts";
import { unknownFields } from "./schema-fields.ts";

const dir = mkdtempSync(join(tmpdir(), "weft-k8s-job-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), WEFT_KUBERNETES_CONTAINER_REGISTRY: "myacr.azurecr.io" }, cwd: dir, userHome: dir });

/** A request for attempt `attempt` of `ref` with @kubernetes `options`. */
function request(kubernetes: Record<string, unknown> = {}, overrides: Partial<JobRequest> = {}): JobRequest {
  const ref = overrides.ref ?? { flow: "TrainFlow", run: "12", step: "fit", task: "3" };
  const attempt = overrides.attempt ?? 0;
  const decorators = validateStepDecorator({ name: "kubernetes", options: kubernetes }, "step fit");
  return {
    ref,
    attempt,
    argv: taskArgv({ ...ref, attempt, datastore: "azure", datastoreRoot: "flows/weft", metadata: "service", recorder: "runner" }),
    env: { WEFT_SERVICE_URL: "http://weft-service:8080" },
    options: resolveKubernetesOptions({ decorators, config, version: "0.1.0" }),
    workloadIdentity: false,
    user: "alice",
    weftVersion: "0.1.0",
    ...overrides,
  };
}

const everything = {
  image: "train:1.4",
  namespace: "ml",
  serviceAccount: "weft-tasks",
  cpu: 0.5,
  memory: 16_384,
  disk: 20_000,
  gpu: 1,
  gpuVendor: "amd",
  nodeSelector: { agentpool: "gpu" },
  tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoExecute", tolerationSeconds: 60 }, { operator: "Exists" }],
  secrets: ["storage-creds"],
  imagePullSecrets: ["acr-pull"],
  labels: { team: "ml" },
  annotations: { "example.com/owner": "ml team" },
  priorityClassName: "batch-high",
  sharedMemory: 2048,
  persistentVolumeClaims: { datasets: "/data", checkpoints: "/ckpt" },
  podSpecPatch: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["1"] }] }] } } }, containers: [{ name: "sidecar", image: "envoy:1" }] },
  ttlSecondsAfterFinished: 3600,
};

describe("jobManifest", () => {
  test("every generated Job validates against the Kubernetes schema and has no unknown field", () => {
    for (const req of [
      request(),
      request(everything, { timeoutSeconds: 90.5, workloadIdentity: true }),
      request({}, { ref: { flow: "F".repeat(200), run: "argo-train-x7k2p", step: "Fit_Model", task: "12-3" }, attempt: 7 }),
      request({}, { ref: { flow: "Flöw训练", run: "<run>", step: "a.b", task: "0" }, user: "Ana María" }),
    ]) {
      assertValidJob(jobManifest(req));
    }
  });

  test("the schema check finds an unknown field, so it can fail", () => {
    const job = jobManifest(request({ podSpecPatch: { affinity: { nodeAfinity: {} } } }));
    assert.deepEqual(unknownFields(job, "V1Job", k8s), ["spec.template.spec.affinity.nodeAfinity"]);
  });

  test("one Job per attempt: no retry inside it, never restarted, kept for the TTL", () => {
    const job = jobManifest(request());
    assert.equal(job.spec!.backoffLimit, 0);
    assert.equal(job.spec!.template.spec!.restartPolicy, "Never");
    assert.equal(job.spec!.ttlSecondsAfterFinished, 604_800);
    assert.notEqual(jobManifest(request({}, { attempt: 1 })).metadata!.name, job.metadata!.name);
  });

  test("the container runs weft with the task's arguments in the resolved image", () => {
    const req = request({ image: "train:1.4" });
    const container = jobManifest(req).spec!.template.spec!.containers[0]!;
    assert.equal(container.name, "weft");
    assert.equal(container.image, "myacr.azurecr.io/train:1.4");
    assert.deepEqual(container.command, ["weft"]);
    assert.deepEqual(container.args, req.argv);
    assert.equal(container.args![0], "step");
  });

  test("the timeout becomes the pod's activeDeadlineSeconds, and no timeout sets none", () => {
    assert.equal(jobManifest(request({}, { timeoutSeconds: 90.5 })).spec!.template.spec!.activeDeadlineSeconds, 91);
    assert.equal("activeDeadlineSeconds" in jobManifest(request()).spec!.template.spec!, false);
  });

  test("labels are valid for hostile names, and the exact names are annotations", () => {
    const ref = { flow: "F".repeat(200), run: "argo-train-x7k2p", step: "Fit Model", task: "12-3" };
    const job = jobManifest(request({}, { ref, attempt: 2, user: "Ana María" }));
    for (const meta of [job.metadata!, job.spec!.template.metadata!]) {
      for (const [key, value] of Object.entries(meta.labels!)) assert.equal(labelValueProblem(value), undefined, `${key}=${value}`);
      assert.equal(meta.labels!["weft/run"], "argo-train-x7k2p");
      assert.equal(meta.labels!["weft/attempt"], "2");
      assert.equal(meta.labels!["app.kubernetes.io/name"], "weft");
      assert.equal(meta.labels!["app.kubernetes.io/managed-by"], "weft");
      assert.deepEqual(
        ["weft/flow", "weft/run", "weft/step", "weft/task", "weft/attempt", "weft/user"].map((k) => meta.annotations![k]),
        [ref.flow, ref.run, ref.step, ref.task, "2", "Ana María"],
      );
    }
    assert.equal(dnsLabelProblem(job.metadata!.name!), undefined);
  });

  test("the workload identity label is on the pod only when asked for", () => {
    assert.equal(jobManifest(request({}, { workloadIdentity: true })).spec!.template.metadata!.labels!["azure.workload.identity/use"], "true");
    assert.equal(jobManifest(request()).spec!.template.metadata!.labels!["azure.workload.identity/use"], undefined);
  });

  test("every option reaches the pod spec", () => {
    const job = jobManifest(request(everything));
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    assert.equal(job.metadata!.namespace, "ml");
    assert.equal(job.spec!.ttlSecondsAfterFinished, 3600);
    assert.equal(pod.serviceAccountName, "weft-tasks");
    assert.deepEqual(pod.nodeSelector, { agentpool: "gpu" });
    assert.deepEqual(pod.tolerations, everything.tolerations);
    assert.deepEqual(pod.imagePullSecrets, [{ name: "acr-pull" }]);
    assert.equal(pod.priorityClassName, "batch-high");
    assert.equal(pod.enableServiceLinks, false);
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
    assert.deepEqual(container.resources, {
      requests: { cpu: "500m", memory: "16384Mi", "ephemeral-storage": "20000Mi", "amd.com/gpu": "1" },
      limits: { memory: "16384Mi", "ephemeral-storage": "20000Mi", "amd.com/gpu": "1" },
    });
    assert.deepEqual(container.envFrom, [{ secretRef: { name: "storage-creds" } }]);
    assert.deepEqual(pod.volumes, [
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "2048Mi" } },
      { name: "pvc-0", persistentVolumeClaim: { claimName: "checkpoints" } },
      { name: "pvc-1", persistentVolumeClaim: { claimName: "datasets" } },
    ]);
    assert.deepEqual(container.volumeMounts, [
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "pvc-0", mountPath: "/ckpt" },
      { name: "pvc-1", mountPath: "/data" },
    ]);
    assert.equal(job.metadata!.labels!.team, "ml");
    assert.equal(job.spec!.template.metadata!.annotations!["example.com/owner"], "ml team");
    assert.deepEqual(pod.containers.map((c) => c.name), ["weft", "sidecar"]);
    assert.ok(pod.affinity?.nodeAffinity);
  });

  test("the environment is the given variables, sorted, then the pod's name, namespace and node", () => {
    const env = jobManifest(request({}, { env: { B: "2", A: "1" } })).spec!.template.spec!.containers[0]!.env!;
    assert.deepEqual(env, [
      { name: "A", value: "1" },
      { name: "B", value: "2" },
      { name: "WEFT_KUBERNETES_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "WEFT_KUBERNETES_POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "WEFT_KUBERNETES_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
    ]);
  });

  test("a secret variable is refused, saying to use a Kubernetes secret or workload identity", () => {
    for (const name of ["AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_CLIENT_SECRET", "WEFT_SERVICE_AUTH_TOKEN"]) {
      const error = weftError(() => jobManifest(request({}, { env: { [name]: "s3cr3t-value" } })), "CONFIG");
      assert.match(error.message, new RegExp(`^${name} would be written into the Job's pod spec`));
      assert.match(error.hint ?? "", /@kubernetes\(\{ secrets: \["name"\] \}\) or WEFT_KUBERNETES_SECRETS=name/);
      assert.match(error.hint ?? "", /workload identity/);
      assert.doesNotMatch(`${error.message} ${error.hint}`, /s3cr3t-value/);
    }
  });

  test("a variable name Kubernetes would refuse is refused", () => {
    const error = weftError(() => jobManifest(request({}, { env: { "1BAD": "x" } })), "CONFIG");
    assert.match(error.message, /Invalid environment variable name "1BAD"/);
  });

  test("the same request always gives the same Job", () => {
    assert.deepEqual(jobManifest(request(everything)), jobManifest(request(everything)));
  });
});
