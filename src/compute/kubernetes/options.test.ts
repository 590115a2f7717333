import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { resolveConfig } from "../../config/resolve.ts";
import { validateStepDecorator, type StepDecorators } from "../../flow/decorators/specs.ts";
import { resolveKubernetesOptions } from "./options.ts";

const dir = mkdtempSync(join(tmpdir(), "weft-k8s-options-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const REGISTRY = { WEFT_KUBERNETES_CONTAINER_REGISTRY: "myacr.azurecr.io" };

/** The resolved options of a step with `uses` (decorator name → options) under `env`. */
function resolve(uses: Record<string, Record<string, unknown>>, env: Record<string, string> = REGISTRY) {
  const decorators: StepDecorators = Object.assign({}, ...Object.entries(uses).map(([name, options]) => validateStepDecorator({ name, options }, "step fit")));
  const config = resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), ...env }, cwd: dir, userHome: dir });
  return resolveKubernetesOptions({ decorators, config, version: "1.2.3", where: 'step "fit"' });
}

describe("resolveKubernetesOptions", () => {
  test("a bare @kubernetes gets Metaflow's defaults: 1 cpu, 4096 MB, 10240 MB of disk, namespace default, a week's TTL", () => {
    const o = resolve({ kubernetes: {} });
    assert.deepEqual([o.cpu, o.memoryMb, o.diskMb, o.gpu, o.gpuVendor, o.namespace, o.ttlSecondsAfterFinished], [1, 4096, 10_240, 0, "nvidia", "default", 604_800]);
    assert.deepEqual(o.resources, { requests: { cpu: "1", memory: "4096Mi", "ephemeral-storage": "10240Mi" }, limits: { memory: "4096Mi", "ephemeral-storage": "10240Mi" } });
    assert.deepEqual([o.serviceAccount, o.priorityClassName, o.sharedMemoryMb, o.podSpecPatch], [undefined, undefined, undefined, undefined]);
  });

  test("@resources sets the requests, and @kubernetes wins over it where both are set, even when smaller", () => {
    const o = resolve({ kubernetes: { memory: 2048 }, resources: { cpu: 8, memory: 32_768, gpu: 2, disk: 50_000 } });
    assert.deepEqual([o.cpu, o.memoryMb, o.gpu, o.diskMb], [8, 2048, 2, 50_000]);
    assert.equal(o.resources.limits.memory, "2048Mi");
  });

  test("the default image is the runtime image at Weft's version, under the registry", () => {
    assert.equal(resolve({ kubernetes: {} }).image, "myacr.azurecr.io/weft-runtime:1.2.3");
  });

  test("WEFT_KUBERNETES_CONTAINER_IMAGE replaces the default image, and a bare one goes under the registry too", () => {
    assert.equal(resolve({ kubernetes: {} }, { ...REGISTRY, WEFT_KUBERNETES_CONTAINER_IMAGE: "team/base:7" }).image, "myacr.azurecr.io/team/base:7");
    assert.equal(resolve({ kubernetes: {} }, { WEFT_KUBERNETES_CONTAINER_IMAGE: "other.io/base:7" }).image, "other.io/base:7");
  });

  test("the step's image wins, bare under the registry, full as given", () => {
    assert.equal(resolve({ kubernetes: { image: "train:1.4" } }, { ...REGISTRY, WEFT_KUBERNETES_CONTAINER_IMAGE: "x.io/base:1" }).image, "myacr.azurecr.io/train:1.4");
    assert.equal(resolve({ kubernetes: { image: "ghcr.io/org/train:1.4" } }).image, "ghcr.io/org/train:1.4");
  });

  test("with no image and no registry anywhere the step fails before anything starts, saying what to set", () => {
    const error = weftError(() => resolve({ kubernetes: {} }, {}), "CONFIG");
    assert.match(error.message, /^No container image for step "fit": no @kubernetes image, WEFT_KUBERNETES_CONTAINER_IMAGE or WEFT_KUBERNETES_CONTAINER_REGISTRY is set\./);
    assert.match(error.hint ?? "", /weft-runtime:1\.2\.3 .*docs\/runtime-image\.md.*WEFT_KUBERNETES_CONTAINER_REGISTRY/);
  });

  test("configured defaults apply where the step says nothing", () => {
    const o = resolve(
      { kubernetes: {} },
      {
        ...REGISTRY,
        WEFT_KUBERNETES_NAMESPACE: "ml",
        WEFT_KUBERNETES_SERVICE_ACCOUNT: "weft-tasks",
        WEFT_KUBERNETES_NODE_SELECTOR: "agentpool=cpu,kubernetes.io/os=linux",
        WEFT_KUBERNETES_GPU_VENDOR: "amd",
        WEFT_KUBERNETES_TOLERATIONS: '[{"key":"spot","operator":"Exists","effect":"NoSchedule"}]',
        WEFT_KUBERNETES_PRIORITY_CLASS: "batch-low",
        WEFT_KUBERNETES_PERSISTENT_VOLUME_CLAIMS: "datasets=/data",
        WEFT_KUBERNETES_SHARED_MEMORY: "1024",
        WEFT_KUBERNETES_JOB_TTL_SECONDS: "3600",
      },
    );
    assert.deepEqual(
      [o.namespace, o.serviceAccount, o.nodeSelector, o.gpuVendor, o.tolerations, o.priorityClassName, o.persistentVolumeClaims, o.sharedMemoryMb, o.ttlSecondsAfterFinished],
      ["ml", "weft-tasks", { agentpool: "cpu", "kubernetes.io/os": "linux" }, "amd", [{ key: "spot", operator: "Exists", effect: "NoSchedule" }], "batch-low", { datasets: "/data" }, 1024, 3600],
    );
  });

  test("the step's options replace configured ones, except labels and annotations (merged by key) and secrets (added)", () => {
    const env = {
      ...REGISTRY,
      WEFT_KUBERNETES_NODE_SELECTOR: "agentpool=cpu",
      WEFT_KUBERNETES_LABELS: "team=platform,cost-center=42",
      WEFT_KUBERNETES_ANNOTATIONS: '{"example.com/owner":"platform"}',
      WEFT_KUBERNETES_SECRETS: "storage-creds,api-keys",
      WEFT_KUBERNETES_IMAGE_PULL_SECRETS: '["acr-pull"]',
    };
    const o = resolve(
      { kubernetes: { nodeSelector: { agentpool: "gpu" }, labels: { team: "ml" }, annotations: { "example.com/run-by": "ci" }, secrets: ["api-keys", "wandb"], imagePullSecrets: ["other-pull"] } },
      env,
    );
    assert.deepEqual(o.nodeSelector, { agentpool: "gpu" });
    assert.deepEqual(o.labels, { team: "ml", "cost-center": "42" });
    assert.deepEqual(o.annotations, { "example.com/owner": "platform", "example.com/run-by": "ci" });
    assert.deepEqual(o.secrets, ["storage-creds", "api-keys", "wandb"]);
    assert.deepEqual(o.imagePullSecrets, ["acr-pull", "other-pull"]);
  });

  test("shared memory larger than memory is refused, since /dev/shm counts against the memory limit", () => {
    const error = weftError(() => resolve({ kubernetes: { memory: 1024, sharedMemory: 2048 } }), "CONFIG");
    assert.match(error.message, /^sharedMemory 2048 MB of @kubernetes on step "fit" is more than its memory, 1024 MB\./);
  });
});

describe("WEFT_KUBERNETES_* values", () => {
  const invalid = (env: Record<string, string>) => weftError(() => resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), ...env }, cwd: dir, userHome: dir }), "CONFIG");

  test("an invalid value names the variable, the problem and the expected form", () => {
    assert.match(invalid({ WEFT_KUBERNETES_NODE_SELECTOR: "pool" }).message, /^Invalid value "pool" for WEFT_KUBERNETES_NODE_SELECTOR \(in the environment\): "pool" is not key=value; expected label=value pairs/);
    assert.match(invalid({ WEFT_KUBERNETES_TOLERATIONS: '[{"operator":"Equal"}]' }).message, /WEFT_KUBERNETES_TOLERATIONS .*0: a toleration with operator "Equal" needs a key/);
    assert.match(invalid({ WEFT_KUBERNETES_TOLERATIONS: "sku=gpu" }).message, /WEFT_KUBERNETES_TOLERATIONS .*expected a JSON array of tolerations/);
    assert.match(invalid({ WEFT_KUBERNETES_SECRETS: "Storage_Creds" }).message, /WEFT_KUBERNETES_SECRETS .*0: "Storage_Creds" must be at most 253 lowercase letters/);
    assert.match(invalid({ WEFT_KUBERNETES_NAMESPACE: "ML" }).message, /WEFT_KUBERNETES_NAMESPACE .*must be at most 63 lowercase letters/);
    assert.match(invalid({ WEFT_KUBERNETES_GPU_VENDOR: "intel" }).message, /WEFT_KUBERNETES_GPU_VENDOR .*must be "nvidia" or "amd"/);
    assert.match(invalid({ WEFT_KUBERNETES_JOB_TTL_SECONDS: "10" }).message, /WEFT_KUBERNETES_JOB_TTL_SECONDS .*at least 60/);
    assert.match(invalid({ WEFT_KUBERNETES_LABELS: "weft/flow=x" }).message, /WEFT_KUBERNETES_LABELS .*label "weft\/flow" is set by Weft/);
    assert.match(invalid({ WEFT_KUBERNETES_CONTAINER_REGISTRY: "https://myacr.azurecr.io" }).message, /WEFT_KUBERNETES_CONTAINER_REGISTRY .*drop the scheme/);
    assert.match(invalid({ WEFT_KUBERNETES_CONTAINER_IMAGE: "Train:1" }).message, /WEFT_KUBERNETES_CONTAINER_IMAGE .*lowercase/);
    assert.match(invalid({ WEFT_KUBERNETES_PERSISTENT_VOLUME_CLAIMS: "data=relative" }).message, /WEFT_KUBERNETES_PERSISTENT_VOLUME_CLAIMS .*absolute path/);
  });
});
