// Fields that the Kubernetes API schema does not know. A server with strict field
// validation refuses them; a lax one drops them silently, and so does client-node's
// serializer (dumpYaml): a typo in a podSpecPatch would vanish from `render` without
// this check. The schema is the one @kubernetes/client-node generates from the
// Kubernetes OpenAPI document (each model's attributeTypeMap).

/** What this module needs of `import("@kubernetes/client-node")`: its model classes, by type name. */
export type KubernetesModels = Record<string, unknown>;

interface Attribute {
  baseName: string;
  type: string;
}

/**
 * The paths (`spec.template.spec.containers[0].imagePullPolicyy`) of every field in
 * `value` that model `type` (e.g. "V1Job") does not define, in document order; empty
 * when every field is known. Values are not type-checked here: kubernetes-models'
 * validators and the API server do that.
 */
export function unknownFields(value: unknown, type: string, models: KubernetesModels, path = ""): string[] {
  if (value === null || value === undefined) return [];
  const list = /^Array<(.+)>$/.exec(type);
  if (list) return Array.isArray(value) ? value.flatMap((item, i) => unknownFields(item, list[1]!, models, `${path}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return isObject(value) ? Object.entries(value).flatMap(([key, item]) => unknownFields(item, map[1]!, models, `${path}.${key}`)) : [];
  const attributes = attributesOf(type, models);
  if (!attributes || !isObject(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const attribute = attributes.find((a) => a.baseName === key);
    const at = path ? `${path}.${key}` : key;
    return attribute ? unknownFields(item, attribute.type, models, at) : [at];
  });
}

/** A model's attributes, or undefined for a scalar or free-form type (string, IntOrString, any…). */
function attributesOf(type: string, models: KubernetesModels): Attribute[] | undefined {
  const model = models[type] as { getAttributeTypeMap?: () => Attribute[] } | undefined;
  return typeof model?.getAttributeTypeMap === "function" ? model.getAttributeTypeMap() : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
