import { WeftError } from "../errors/weft-error.ts";
import { secretsProvider } from "./registry.ts";
import type { FetchedSecret, ProviderSettings, ResolvedSecretSource } from "./types.ts";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretsPlan {
  sources: ResolvedSecretSource[];
  /** Let a secret replace a variable the task's environment already has. */
  allowOverride: boolean;
}

/** The variables one attempt sets, and each secret value with a label for redaction. */
export interface InjectedSecrets {
  vars: Record<string, string>;
  values: { value: string; label: string }[];
}

/**
 * Fetches every source (one batch per provider) and turns the values into environment
 * variables: the secret's variable, or with `json: true` one variable per key of a JSON
 * object. Two sources setting one variable, or a variable the environment already has
 * (without allowOverride), fail the attempt before the step runs.
 */
export async function fetchSecrets(plan: SecretsPlan, settings: ProviderSettings, env: NodeJS.ProcessEnv): Promise<InjectedSecrets> {
  const byType = new Map<string, ResolvedSecretSource[]>();
  for (const source of plan.sources) byType.set(source.type, [...(byType.get(source.type) ?? []), source]);
  const fetched = (await Promise.all([...byType].map(async ([type, sources]) => (await secretsProvider(type)).fetch(sources, settings)))).flat();
  const vars: Record<string, string> = {};
  const setBy: Record<string, string> = {};
  const values: InjectedSecrets["values"] = [];
  for (const secret of fetched) {
    const label = `${secret.source.type}.${secret.source.id}`;
    values.push({ value: secret.value, label });
    for (const [name, value] of variablesOf(secret, label)) {
      if (setBy[name]) throw new WeftError("TASK_FAILED", `Secrets ${setBy[name]} and ${label} both set the variable ${name}.`, { hint: "Give one of them options.envVarName." });
      const sameVariable = secret.source.type === "env" && secret.source.name === name;
      if (env[name] !== undefined && !plan.allowOverride && !sameVariable) {
        throw new WeftError("TASK_FAILED", `Secret ${label} would replace the variable ${name}, which the task's environment already has.`, { hint: `Pass allowOverride: true to @secrets, or choose another name with options.envVarName.` });
      }
      setBy[name] = label;
      vars[name] = value;
      if (value !== secret.value) values.push({ value, label });
    }
  }
  return { vars, values };
}

function variablesOf(secret: FetchedSecret, label: string): [string, string][] {
  if (!secret.source.json) return [[secret.source.envVarName!, secret.value]];
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret.value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WeftError("TASK_FAILED", `Secret ${label} is not a JSON object, so options.json cannot expand it.`, { hint: 'Store a JSON object such as {"USER": "…", "PASSWORD": "…"}, or drop json: true.' });
  }
  return Object.entries(parsed).map(([key, value]) => {
    if (!ENV_NAME.test(key)) throw new WeftError("TASK_FAILED", `Secret ${label} has the key "${key}", which is not a valid variable name.`, { hint: "Keys of an expanded secret must be letters, digits and underscores, not starting with a digit." });
    return [key, typeof value === "string" ? value : JSON.stringify(value)];
  });
}
