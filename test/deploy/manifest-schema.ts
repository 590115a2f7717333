// Validates Kubernetes objects against the official schemas: kubernetes-models (the
// OpenAPI schemas of Kubernetes compiled to validators) for types, required fields and
// formats, and the generated models of @kubernetes/client-node for fields the schema
// does not know (kubernetes-models accepts unknown fields; the API server would drop
// them silently, hiding a typo such as `readinesProbe`).
import * as k8s from "@kubernetes/client-node";
import { z } from "zod";

type Model = { getAttributeTypeMap(): { name: string; baseName: string; type: string }[] };

/** Problems with one object, as "<kind>/<name>: <problem>"; empty when it is valid. */
export async function validateObject(object: Record<string, unknown>): Promise<string[]> {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const id = `${kind}/${(object.metadata as { name?: string } | undefined)?.name ?? "?"}`;
  const custom = CUSTOM_RESOURCES[`${apiVersion}/${kind}`];
  if (custom) {
    const parsed = custom.safeParse(object);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${id}: ${i.path.join(".")}: ${i.message}`);
  }
  let modelClass: { new (data: unknown): { validate(): void } };
  try {
    modelClass = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
  } catch {
    return [`${id}: ${apiVersion} ${kind} is neither in kubernetes-models nor a known custom resource`];
  }
  const problems: string[] = [];
  try {
    new modelClass(object).validate();
  } catch (error) {
    problems.push(`${id}: ${(error as Error).message}`);
  }
  const version = apiVersion.split("/").at(-1)!;
  const type = `${version[0]!.toUpperCase()}${version.slice(1)}${kind}`;
  for (const path of unknownFields(object, type, "")) problems.push(`${id}: unknown field ${path}`);
  return problems;
}

/** Paths of fields in `value` that the client-node model `type` does not declare. */
function unknownFields(value: unknown, type: string, path: string): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((item, i) => unknownFields(item, array[1]!, `${path}[${i}]`)) : [];
  const model = (k8s as unknown as Record<string, Model | undefined>)[type];
  if (!model?.getAttributeTypeMap || value === null || typeof value !== "object") return [];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([key, child]) => {
    const childType = attributes.get(key);
    return childType === undefined ? [`${path}.${key}`] : unknownFields(child, childType, `${path}.${key}`);
  });
}

// secrets-store.csi.x-k8s.io/v1 SecretProviderClass, after the CRD of the Secrets Store
// CSI driver (v1.4): kubernetes-models has no custom resources, so the schema is here,
// strict so that an unknown field fails as it would for the built-in kinds.
const secretProviderClass = z
  .object({
    apiVersion: z.literal("secrets-store.csi.x-k8s.io/v1"),
    kind: z.literal("SecretProviderClass"),
    metadata: z.object({ name: z.string().min(1), namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).strict(),
    spec: z
      .object({
        provider: z.enum(["azure", "aws", "gcp", "vault"]),
        parameters: z.record(z.string(), z.string()),
        secretObjects: z
          .array(
            z
              .object({
                secretName: z.string().min(1),
                type: z.string().min(1),
                labels: z.record(z.string(), z.string()).optional(),
                annotations: z.record(z.string(), z.string()).optional(),
                data: z.array(z.object({ objectName: z.string().min(1), key: z.string().min(1) }).strict()).min(1),
              })
              .strict(),
          )
          .optional(),
      })
      .strict(),
  })
  .strict();

const CUSTOM_RESOURCES: Record<string, z.ZodType> = {
  "secrets-store.csi.x-k8s.io/v1/SecretProviderClass": secretProviderClass,
};
