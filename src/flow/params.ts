import { WeftError } from "../errors/weft-error.ts";
import type { ParamDeclaration } from "./class-metadata.ts";
import { cliName } from "./graph/lint.ts";
import type { ParamType } from "./param.ts";

/** A parameter as the CLI and the runtime see it. */
export interface ParamSpec {
  field: string;
  flag: string;
  type: ParamType;
  help: string | undefined;
  required: boolean;
  /** JSON-safe default; undefined when there is none. */
  defaultValue: unknown;
}

/**
 * Resolves declarations against the defaults that a constructed flow instance holds
 * (field initializers). The initializer fixes the type unless `type` is given.
 */
export function paramSpecs(declarations: ParamDeclaration[], instance: Record<string, unknown>, flowName: string): ParamSpec[] {
  return declarations.map(({ field, options }) => {
    const initial = instance[field];
    const defaultValue = initial !== undefined ? initial : options.default;
    const declared = options.type as ParamType | undefined;
    const type = declared ?? inferType(defaultValue) ?? "string";
    if (defaultValue === undefined && !options.required) {
      throw new WeftError("FLOW_INVALID", `Parameter "${field}" of ${flowName} has no default and is not required.`, {
        hint: `Give it an initializer (${field} = …), or @param({ required: true, type: "string" }).`,
      });
    }
    if (defaultValue !== undefined && declared && inferType(defaultValue) !== declared) {
      throw new WeftError("FLOW_INVALID", `Parameter "${field}" of ${flowName} is declared as ${declared} but its default ${JSON.stringify(defaultValue)} is ${inferType(defaultValue)}.`, {
        hint: "Make the default match the type, or drop `type` to take it from the initializer.",
      });
    }
    return { field, flag: cliName(field), type, help: options.help as string | undefined, required: Boolean(options.required), defaultValue };
  });
}

function inferType(value: unknown): ParamType | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return typeof value as ParamType;
  return "json";
}

/** Parses a CLI value for a parameter; throws PARAMETER naming the flag and the expected form. */
export function parseParamValue(spec: ParamSpec, raw: string | boolean): unknown {
  const bad = (expected: string) =>
    new WeftError("PARAMETER", `Invalid value ${JSON.stringify(raw)} for --${spec.flag}: expected ${expected}.`, { hint: `Run with --help to see the flow's parameters.` });
  switch (spec.type) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "false") return raw === "true";
      throw bad(`--${spec.flag} or --no-${spec.flag}`);
    case "number": {
      const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
      // Infinity and 1e400 parse, but artifacts are JSON, where they become null: refuse them here.
      if (Number.isNaN(n)) throw bad("a number, e.g. 0.3");
      if (!Number.isFinite(n)) throw bad(`a finite number, e.g. 0.3 (at most ${Number.MAX_VALUE.toExponential(3)} in size)`);
      return n;
    }
    case "json": {
      let value: unknown;
      try {
        value = JSON.parse(String(raw));
      } catch {
        throw bad(`JSON, e.g. '["a","b"]'`);
      }
      if (hasNonFinite(value)) throw bad(`JSON whose numbers are finite (1e400 does not fit a number and would arrive as null)`);
      return value;
    }
    case "string":
      if (typeof raw !== "string") throw bad("a value");
      return raw;
  }
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFinite);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasNonFinite);
  return false;
}

/** Every parameter's value: given values win, then defaults; a missing required one throws. */
export function resolveParamValues(specs: ParamSpec[], given: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const spec of specs) {
    if (Object.hasOwn(given, spec.field)) values[spec.field] = given[spec.field];
    else if (spec.defaultValue !== undefined) values[spec.field] = spec.defaultValue;
    else throw new WeftError("PARAMETER", `Missing required parameter --${spec.flag}.`, { hint: spec.help ? `--${spec.flag}: ${spec.help}` : `Pass --${spec.flag} <value>.` });
  }
  return values;
}
