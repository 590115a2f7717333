// The options of @kubernetes and their shapes, shared by the decorator (in a flow and
// `--with kubernetes:…`) and the WEFT_KUBERNETES_* defaults (src/config/kubernetes-defaults.ts).
import { z } from "zod";
import { imageReferenceProblem } from "./image-reference.ts";
import { dnsLabelProblem, dnsSubdomainProblem, labelValueProblem, qualifiedKeyProblem } from "./names.ts";
import { podSpecPatchProblem } from "./pod-spec-patch.ts";
import { RESERVED_LABEL_KEYS } from "./labels.ts";

/** The shortest Job TTL: the runner must still find a finished Job to read its outcome. */
export const MIN_JOB_TTL_SECONDS = 60;

/** A string checked by `problem`, which returns why it is invalid or undefined. */
function checked(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} ${message.startsWith("must") ? message : `is invalid: ${message}`}` });
  });
}

export const imageSchema = checked(imageReferenceProblem);
export const namespaceSchema = checked(dnsLabelProblem);
export const objectNameSchema = checked(dnsSubdomainProblem);
const labelKeySchema = checked(qualifiedKeyProblem);
export const labelValueSchema = checked(labelValueProblem);

/** Refuses the keys Weft sets itself (RESERVED_LABEL_KEYS and the `weft/` prefix). */
function noReservedKeys(what: string) {
  return (map: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const key of Object.keys(map)) {
      if (RESERVED_LABEL_KEYS.includes(key) || key.startsWith("weft/")) ctx.addIssue({ code: "custom", message: `${what} "${key}" is set by Weft; choose another key` });
    }
  };
}

/**
 * A record whose keys `keyProblem` checks. (zod's own record-key check reports only
 * "Invalid key in record", without the rule.)
 */
function keyedRecord<V extends z.ZodType>(keyProblem: (key: string) => string | undefined, value: V) {
  return z.record(z.string(), value).superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      const problem = keyProblem(key);
      if (problem) ctx.addIssue({ code: "custom", path: [key], message: `key ${JSON.stringify(key)} ${problem}` });
    }
  });
}

export const labelsSchema = keyedRecord(qualifiedKeyProblem, labelValueSchema).superRefine(noReservedKeys("label"));
export const nodeSelectorSchema = keyedRecord(qualifiedKeyProblem, labelValueSchema);
export const annotationsSchema = keyedRecord(qualifiedKeyProblem, z.string()).superRefine(noReservedKeys("annotation"));
export const objectNamesSchema = z.array(objectNameSchema);
export const gpuVendorSchema = z.enum(["nvidia", "amd"], { message: 'must be "nvidia" or "amd"' });
export const megabytesSchema = z.number().positive().max(2 ** 31, "must be at most 2147483648 MB");

export const tolerationSchema = z
  .strictObject({
    key: labelKeySchema.optional(),
    operator: z.enum(["Exists", "Equal"], { message: 'must be "Exists" or "Equal"' }).default("Equal"),
    value: labelValueSchema.optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], { message: 'must be "NoSchedule", "PreferNoSchedule" or "NoExecute"' }).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  // Kubernetes' own rules (ValidateTolerations), checked here so the error names the option.
  .superRefine((t, ctx) => {
    if (t.operator === "Exists" && t.value) ctx.addIssue({ code: "custom", message: 'a toleration with operator "Exists" has no value' });
    if (t.operator === "Equal" && !t.key) ctx.addIssue({ code: "custom", message: 'a toleration with operator "Equal" needs a key (use operator "Exists" without a key to tolerate every taint)' });
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") ctx.addIssue({ code: "custom", message: 'tolerationSeconds applies only with effect "NoExecute"' });
  });
export const tolerationsSchema = z.array(tolerationSchema);

/** `{ claimName: mountPath }`: absolute paths, each used once. */
export const persistentVolumeClaimsSchema = keyedRecord(dnsSubdomainProblem, z.string().regex(/^\/[^:]*$/, "must be an absolute path with no ':', e.g. /data")).superRefine((claims, ctx) => {
  const paths = Object.values(claims);
  const twice = paths.find((p, i) => paths.indexOf(p) !== i);
  if (twice) ctx.addIssue({ code: "custom", message: `two claims are mounted at ${twice}` });
});

export const podSpecPatchSchema = z.record(z.string(), z.unknown()).superRefine((patch, ctx) => {
  const problem = podSpecPatchProblem(patch);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** The options of `@kubernetes({ … })`; memory, disk and sharedMemory in MB. */
export const kubernetesOptionsSchema = z.strictObject({
  image: imageSchema.optional(),
  namespace: namespaceSchema.optional(),
  serviceAccount: objectNameSchema.optional(),
  cpu: z.number().positive().max(100_000).optional(),
  memory: megabytesSchema.optional(),
  disk: megabytesSchema.optional(),
  gpu: z.number().int().nonnegative().optional(),
  gpuVendor: gpuVendorSchema.optional(),
  nodeSelector: nodeSelectorSchema.optional(),
  tolerations: tolerationsSchema.optional(),
  secrets: objectNamesSchema.optional(),
  imagePullSecrets: objectNamesSchema.optional(),
  labels: labelsSchema.optional(),
  annotations: annotationsSchema.optional(),
  priorityClassName: objectNameSchema.optional(),
  sharedMemory: megabytesSchema.optional(),
  persistentVolumeClaims: persistentVolumeClaimsSchema.optional(),
  podSpecPatch: podSpecPatchSchema.optional(),
  ttlSecondsAfterFinished: z.number().int().min(MIN_JOB_TTL_SECONDS, `must be at least ${MIN_JOB_TTL_SECONDS}: the runner reads the finished Job`).optional(),
});

export type KubernetesDecoratorOptions = z.output<typeof kubernetesOptionsSchema>;
export type Toleration = z.output<typeof tolerationSchema>;
