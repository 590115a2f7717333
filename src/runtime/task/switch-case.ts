import { WeftError } from "../../errors/weft-error.ts";
import type { SwitchSpec } from "../../flow/graph/graph.ts";

/**
 * The step a switch goes to: the case whose key is the value of the condition artifact.
 * Keys are object keys, so a string, a number or a boolean value is matched by its text
 * (`3` picks case `3`, `true` picks case `true`). Anything else, or a value that names no
 * case, fails the task with an error naming the condition, its value and the cases.
 * `caught` says a @catchError step is choosing after its body failed.
 */
export function chooseCase(step: string, spec: SwitchSpec, value: unknown, caught: boolean): string {
  const cases = Object.keys(spec.cases);
  const listed = cases.map((c) => JSON.stringify(c)).join(", ");
  const hint = caught
    ? `The step failed and @catchError takes the case named by this.${spec.condition} as it stands: set it to one of ${listed} before anything in the step can throw.`
    : `Set this.${spec.condition} to one of ${listed} before this.next(), or add a case for this value.`;
  if (value === undefined) throw new WeftError("FLOW_FAILED", `Step "${step}" switches on this.${spec.condition}, which is not set; the cases are ${listed}.`, { hint });
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    throw new WeftError("FLOW_FAILED", `Step "${step}" switches on this.${spec.condition}, which is ${value === null ? "null" : `a ${typeof value}`}; the cases are ${listed}.`, { hint });
  }
  const key = String(value);
  const target = spec.cases[key];
  if (target === undefined) throw new WeftError("FLOW_FAILED", `Step "${step}" switches on this.${spec.condition} = ${JSON.stringify(value)}, which names no case; the cases are ${listed}.`, { hint });
  return target;
}
