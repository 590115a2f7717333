import { kubernetesDefaults, type KubernetesDefaults } from "../../config/kubernetes-defaults.ts";
import type { WeftConfig } from "../../config/resolve.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { StepDecorators } from "../../flow/decorators/specs.ts";
import { resolveImage, runtimeImage } from "./image-reference.ts";
import type { Toleration } from "./options-schema.ts";
import { containerResources, type ResourceAmounts, type ResourceRequirements } from "./resources.ts";

/** Built-in defaults, where neither the step nor the configuration says: Metaflow's. */
export const KUBERNETES_DEFAULTS = {
  namespace: "default",
  cpu: 1,
  memoryMb: 4096,
  diskMb: 10_240,
  gpuVendor: "nvidia",
  /** A week: long enough to look at a failed pod with kubectl, short enough not to pile up. */
  ttlSecondsAfterFinished: 7 * 86_400,
} as const;

/** Everything a step's Job needs from its options, fully resolved. */
export interface KubernetesTaskOptions extends ResourceAmounts {
  /** The image the pod pulls, resolved against the registry. */
  image: string;
  namespace: string;
  serviceAccount: string | undefined;
  resources: ResourceRequirements;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  /** Kubernetes secrets exposed as environment variables (envFrom). */
  secrets: string[];
  imagePullSecrets: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  priorityClassName: string | undefined;
  /** Size of /dev/shm; undefined leaves the container runtime's (64 MB). */
  sharedMemoryMb: number | undefined;
  /** `{ claimName: mountPath }`. */
  persistentVolumeClaims: Record<string, string>;
  podSpecPatch: Record<string, unknown> | undefined;
  ttlSecondsAfterFinished: number;
}

export interface ResolveKubernetesOptions {
  /** The step's validated decorators (`--with kubernetes:…` already merged in by the runner). */
  decorators: StepDecorators;
  config: WeftConfig;
  /** Weft's version: the default image is the runtime image at this version. */
  version: string;
  /** Names the step in errors, e.g. `step "fit"`. */
  where?: string;
}

/**
 * A step's Kubernetes options: each from @kubernetes (or `--with kubernetes:…`), else
 * the WEFT_KUBERNETES_* default, else the built-in default. cpu, memory, disk and gpu
 * come from @kubernetes, else @resources, else the built-in default: the @kubernetes
 * value wins even when smaller (docs/kubernetes.md, "Resources"). Labels and
 * annotations add to the configured ones, key by key; secrets and image pull secrets
 * add to the configured ones; every other option replaces its default.
 */
export function resolveKubernetesOptions(options: ResolveKubernetesOptions): KubernetesTaskOptions {
  const step = options.decorators.kubernetes ?? {};
  const resources = options.decorators.resources ?? {};
  const defaults = kubernetesDefaults(options.config.values);
  const where = options.where ?? "the step";
  const amounts: ResourceAmounts = {
    cpu: step.cpu ?? resources.cpu ?? KUBERNETES_DEFAULTS.cpu,
    memoryMb: step.memory ?? resources.memory ?? KUBERNETES_DEFAULTS.memoryMb,
    diskMb: step.disk ?? resources.disk ?? KUBERNETES_DEFAULTS.diskMb,
    gpu: step.gpu ?? resources.gpu ?? 0,
    gpuVendor: step.gpuVendor ?? defaults.gpuVendor ?? KUBERNETES_DEFAULTS.gpuVendor,
  };
  const sharedMemoryMb = step.sharedMemory ?? defaults.sharedMemory;
  if (sharedMemoryMb !== undefined && sharedMemoryMb > amounts.memoryMb) {
    throw new WeftError("CONFIG", `sharedMemory ${sharedMemoryMb} MB of @kubernetes on ${where} is more than its memory, ${amounts.memoryMb} MB.`, {
      hint: "/dev/shm is memory: what a task writes there counts against its memory limit. Raise memory, or lower sharedMemory (WEFT_KUBERNETES_SHARED_MEMORY).",
    });
  }
  return {
    ...amounts,
    image: taskImage(step.image, defaults, options.version, where),
    namespace: step.namespace ?? defaults.namespace ?? KUBERNETES_DEFAULTS.namespace,
    serviceAccount: step.serviceAccount ?? defaults.serviceAccount,
    resources: containerResources(amounts),
    nodeSelector: step.nodeSelector ?? defaults.nodeSelector ?? {},
    tolerations: step.tolerations ?? defaults.tolerations ?? [],
    secrets: union(defaults.secrets, step.secrets),
    imagePullSecrets: union(defaults.imagePullSecrets, step.imagePullSecrets),
    labels: { ...defaults.labels, ...step.labels },
    annotations: { ...defaults.annotations, ...step.annotations },
    priorityClassName: step.priorityClassName ?? defaults.priorityClassName,
    sharedMemoryMb,
    persistentVolumeClaims: step.persistentVolumeClaims ?? defaults.persistentVolumeClaims ?? {},
    podSpecPatch: step.podSpecPatch,
    ttlSecondsAfterFinished: step.ttlSecondsAfterFinished ?? defaults.jobTtlSeconds ?? KUBERNETES_DEFAULTS.ttlSecondsAfterFinished,
  };
}

/**
 * The step's image, else WEFT_KUBERNETES_CONTAINER_IMAGE, else the runtime image at
 * Weft's version; a bare name goes under WEFT_KUBERNETES_CONTAINER_REGISTRY. The runtime
 * image has no registry of its own (Weft publishes none), so without a registry there
 * is no image to pull, and that is said now rather than as an ImagePullBackOff.
 */
function taskImage(image: string | undefined, defaults: KubernetesDefaults, version: string, where: string): string {
  if (image !== undefined) return resolveImage(image, defaults.registry, `@kubernetes image on ${where}`);
  if (defaults.image !== undefined) return resolveImage(defaults.image, defaults.registry, "WEFT_KUBERNETES_CONTAINER_IMAGE");
  if (defaults.registry === undefined) {
    throw new WeftError("CONFIG", `No container image for ${where}: no @kubernetes image, WEFT_KUBERNETES_CONTAINER_IMAGE or WEFT_KUBERNETES_CONTAINER_REGISTRY is set.`, {
      hint: `Push Weft's runtime image as ${runtimeImage(version)} to your registry (docs/runtime-image.md) and set WEFT_KUBERNETES_CONTAINER_REGISTRY, e.g. myacr.azurecr.io; or set WEFT_KUBERNETES_CONTAINER_IMAGE or @kubernetes({ image }).`,
    });
  }
  return resolveImage(runtimeImage(version), defaults.registry, "the runtime image");
}

/** `base` then the items of `extra` not in it, in order. */
function union(base: string[] | undefined, extra: string[] | undefined): string[] {
  return [...new Set([...(base ?? []), ...(extra ?? [])])];
}
