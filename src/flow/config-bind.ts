import { WeftError } from "../errors/weft-error.ts";
import type { DecoratorUse } from "./class-metadata.ts";
import { isConfigRef } from "./config.ts";
import { describeOrigin, type ResolvedConfigs } from "./configs.ts";

/**
 * A decorator use with the run's config values put in: the function form is called,
 * and every `configExpr("settings.memory")` in the options is replaced by its value.
 * Pure: the same use and configs give the same options, at run start or at deploy time.
 * `where` names the use in errors, e.g. `@resources of step "train"`.
 */
export function bindDecoratorUse(use: DecoratorUse, configs: ResolvedConfigs, where: string): DecoratorUse {
  let options = use.options;
  if (use.fromConfigs) {
    try {
      options = use.fromConfigs(configs.values);
    } catch (cause) {
      throw new WeftError("FLOW_INVALID", `The options function of ${where} failed: ${(cause as Error).message ?? String(cause)}.`, {
        hint: `It is called with the configs (${Object.keys(configs.values).join(", ") || "none declared"}); check the names and keys it reads.`,
        cause,
      });
    }
    if (typeof options !== "object" || options === null) {
      throw new WeftError("FLOW_INVALID", `The options function of ${where} returned ${options === null ? "null" : typeof options}, not an options object.`, { hint: "Return an object, e.g. (c) => ({ memory: c.settings.memory })." });
    }
  }
  return { name: use.name, options: substitute(options, configs, where) as Record<string, unknown> };
}

/** Whether a use depends on configs: binding it before the configs are known would be wrong. */
export function usesConfigs(use: DecoratorUse): boolean {
  return use.fromConfigs !== undefined || containsRef(use.options);
}

function containsRef(value: unknown): boolean {
  if (isConfigRef(value)) return true;
  if (Array.isArray(value)) return value.some(containsRef);
  if (isPlainObject(value)) return Object.values(value).some(containsRef);
  return false;
}

function substitute(value: unknown, configs: ResolvedConfigs, where: string): unknown {
  if (isConfigRef(value)) return valueAt(value.path, configs, where);
  if (Array.isArray(value)) return value.map((item) => substitute(item, configs, where));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, configs, where)]));
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The value at `settings.a.b`; an error names the expression, the config, where it came from and the missing key. */
function valueAt(path: string, configs: ResolvedConfigs, where: string): unknown {
  const [name = "", ...keys] = path.split(".");
  const expression = `configExpr(${JSON.stringify(path)}) in ${where}`;
  if (!Object.hasOwn(configs.values, name)) {
    throw new WeftError("FLOW_INVALID", `${expression} names no config: the flow has no @config field "${name}".`, {
      hint: Object.keys(configs.values).length ? `Its configs: ${Object.keys(configs.values).join(", ")}. A path starts with the config's field name: "settings.memory".` : "Declare it: @config({ default: \"config.json\" }) settings!: Settings.",
    });
  }
  let value: unknown = configs.values[name];
  const origin = configs.origins[name];
  for (const [i, key] of keys.entries()) {
    const container = value;
    const has = typeof container === "object" && container !== null && Object.hasOwn(container, key);
    if (!has) {
      const at = [name, ...keys.slice(0, i)].join(".");
      const present = typeof container === "object" && container !== null ? Object.keys(container) : [];
      throw new WeftError("FLOW_INVALID", `${expression}: config "${name}"${origin ? ` (from ${describeOrigin(origin)})` : ""} has no key "${key}" at ${at}.`, {
        hint: present.length ? `Keys at ${at}: ${present.slice(0, 20).join(", ")}.` : `${at} is ${container === null ? "null" : typeof container}, which has no keys.`,
      });
    }
    value = (container as Record<string, unknown>)[key];
  }
  return value;
}
