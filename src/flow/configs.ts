import { isAbsolute, join } from "node:path";
import { WeftError } from "../errors/weft-error.ts";
import type { FieldDeclaration } from "./class-metadata.ts";

/** A `@config` field as the CLI, the deployers and the runtime see it. */
export interface ConfigSpec {
  /** The field name, which is also the config's name in `--config NAME=FILE`. */
  field: string;
  help: string | undefined;
  required: boolean;
  /** The `default` file, absolute (a relative one is taken from the flow file's folder). */
  defaultFile: string | undefined;
  /** `defaultValue`, as declared. */
  defaultValue: unknown;
  /** `parser`; JSON.parse when absent. */
  parser: ((text: string) => unknown) | undefined;
}

/** A value given for a config when a run starts or a flow is deployed. */
export type ConfigSource =
  /** `--config NAME=FILE`: an absolute path (the CLI resolves it against the working directory). */
  | { name: string; file: string }
  /** `--config-value NAME=TEXT`. */
  | { name: string; text: string };

/** Where a config's value came from, for `weft show`-style listings and error messages. */
export type ConfigOrigin = { kind: "file"; file: string } | { kind: "value" } | { kind: "default-file"; file: string } | { kind: "default-value" };

export interface ResolvedConfigs {
  /** Each config's value by field: JSON-safe and deeply frozen. */
  values: Record<string, unknown>;
  origins: Record<string, ConfigOrigin>;
}

/** Reads a file's text; throws a Node error (with `code`) when it cannot. Injected so that resolution stays pure. */
export type ReadText = (path: string) => string;

/**
 * The config specs of a flow from what its decorators recorded; `flowDir` anchors relative
 * default files. A field initializer (`@config() settings: Settings = { lr: 0.1 }`) is
 * the default value, as a parameter's is, unless `defaultValue` is given.
 */
export function configSpecs(declarations: FieldDeclaration[], flowDir: string, instance: Record<string, unknown> = {}): ConfigSpec[] {
  return declarations.map(({ field, options }) => {
    const file = options.default as string | undefined;
    return {
      field,
      help: options.help as string | undefined,
      required: options.required === true,
      defaultFile: file === undefined ? undefined : isAbsolute(file) ? file : join(flowDir, file),
      defaultValue: options.defaultValue ?? instance[field],
      parser: options.parser as ConfigSpec["parser"],
    };
  });
}

/**
 * The value of every config of a flow: a given source wins, then the `default` file,
 * then `defaultValue`; a config with none of them is an error when it is required, and
 * `null` otherwise. The one function both `weft run` and a deployment (`argo-workflows
 * create`) call: the same specs and sources give the same values, and nothing but
 * `readText` touches the outside world. Every error names the config, and the file or
 * the text, and where it went wrong.
 */
export function resolveConfigs(specs: ConfigSpec[], sources: ConfigSource[], readText: ReadText): ResolvedConfigs {
  const byName = new Map<string, ConfigSource>();
  for (const source of sources) {
    if (!specs.some((s) => s.field === source.name)) {
      throw new WeftError("PARAMETER", `No config named "${source.name}"${"file" in source ? ` (given the file ${source.file})` : ""}.`, {
        hint: specs.length ? `The flow's configs: ${specs.map((s) => s.field).join(", ")}.` : "The flow declares no @config field.",
      });
    }
    if (byName.has(source.name)) throw new WeftError("PARAMETER", `Config "${source.name}" is given twice.`, { hint: "Give each config once, with --config NAME=FILE or --config-value NAME=TEXT." });
    byName.set(source.name, source);
  }
  const values: Record<string, unknown> = {};
  const origins: Record<string, ConfigOrigin> = {};
  for (const spec of specs) {
    const source = byName.get(spec.field);
    let value: unknown;
    if (source && "file" in source) {
      value = parseText(spec, readConfigFile(spec, source.file, readText), source.file);
      origins[spec.field] = { kind: "file", file: source.file };
    } else if (source) {
      value = parseText(spec, source.text, "the --config-value text");
      origins[spec.field] = { kind: "value" };
    } else if (spec.defaultFile !== undefined) {
      value = parseText(spec, readConfigFile(spec, spec.defaultFile, readText), spec.defaultFile);
      origins[spec.field] = { kind: "default-file", file: spec.defaultFile };
    } else if (spec.defaultValue !== undefined) {
      value = typeof spec.defaultValue === "string" ? parseText(spec, spec.defaultValue, "its defaultValue") : spec.defaultValue;
      origins[spec.field] = { kind: "default-value" };
    } else if (spec.required) {
      throw new WeftError("PARAMETER", `Config "${spec.field}" is required and was not given.`, {
        hint: `Pass --config ${spec.field}=<file.json> or --config-value ${spec.field}='{…}'${spec.help ? ` (${spec.help})` : ""}.`,
      });
    } else {
      value = null;
      origins[spec.field] = { kind: "default-value" };
    }
    values[spec.field] = deepFreeze(jsonSafe(spec.field, value, origins[spec.field]!));
  }
  return { values, origins };
}

/** `NAME=VALUE` of `--config` / `--config-value`, split at the first `=`. */
export function parseConfigOption(text: string, flag: "--config" | "--config-value"): { name: string; rest: string } {
  const at = text.indexOf("=");
  const name = at < 0 ? "" : text.slice(0, at);
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
    const example = flag === "--config" ? "settings=config.json" : `settings='{"lr":0.1}'`;
    throw new WeftError("USAGE", `Invalid ${flag} "${text}": expected NAME=${flag === "--config" ? "FILE" : "TEXT"}, e.g. ${flag} ${example}.`, { hint: "NAME is the @config field's name." });
  }
  return { name, rest: text.slice(at + 1) };
}

/** Where a config came from, in words: `file /a/b.json`, `--config-value`, `default file /a/b.json`, `defaultValue`. */
export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.kind) {
    case "file":
      return `file ${origin.file}`;
    case "value":
      return "--config-value";
    case "default-file":
      return `default file ${origin.file}`;
    case "default-value":
      return "defaultValue";
  }
}

function readConfigFile(spec: ConfigSpec, file: string, readText: ReadText): string {
  try {
    return readText(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : (cause as Error).message;
    throw new WeftError("PARAMETER", `Config "${spec.field}": cannot read ${file}: ${why}.`, {
      hint: `Pass an existing file with --config ${spec.field}=<file.json>${spec.defaultFile === file ? ", or create the default file" : ""}.`,
      cause,
    });
  }
}

/** Parses a config's text; `where` is the file it was read from, or what gave the text. */
function parseText(spec: ConfigSpec, text: string, where: string): unknown {
  try {
    return spec.parser ? spec.parser(text) : JSON.parse(text);
  } catch (cause) {
    const message = (cause as Error).message;
    const position = spec.parser ? "" : jsonPosition(text, message);
    throw new WeftError("PARAMETER", `Config "${spec.field}": ${where} is not valid ${spec.parser ? "input for its parser" : "JSON"}${position}: ${message}.`, {
      hint: spec.parser ? "Fix the text, or the config's parser." : where.endsWith(".toml") ? "A .toml file needs a parser: @config({ parser: (text) => parse(text) }) with a TOML package the flow imports." : "Fix the JSON (no comments or trailing commas).",
      cause,
    });
  }
}

/** ` at line 3, column 5`, from the character offset V8 gives for a JSON syntax error. */
function jsonPosition(text: string, message: string): string {
  const match = /position (\d+)/.exec(message);
  if (!match) return "";
  const before = text.slice(0, Number(match[1]));
  const lines = before.split("\n");
  return ` at line ${lines.length}, column ${lines.at(-1)!.length + 1}`;
}

/**
 * The value as the run spec will hold it: configs travel as JSON (to tasks, to a
 * deployment), so a value that JSON would change or drop is refused here, where the
 * config can be named, rather than arriving different in a task.
 */
function jsonSafe(name: string, value: unknown, origin: ConfigOrigin): unknown {
  const problem = jsonProblem(value, name);
  if (problem) {
    throw new WeftError("PARAMETER", `Config "${name}" (from ${describeOrigin(origin)}) holds ${problem}, which JSON cannot keep.`, {
      hint: "A config's value must be plain JSON: objects, arrays, strings, finite numbers, booleans and null. Convert other values in the config's parser.",
    });
  }
  return value;
}

function jsonProblem(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${value} at ${path}`;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = jsonProblem(item, `${path}.${i}`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (value === undefined) return `undefined at ${path}`;
  const proto: unknown = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    for (const [key, item] of Object.entries(value as object)) {
      const problem = jsonProblem(item, `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  const kind = typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
  return `a ${kind} at ${path}`;
}

/** Freezes a value and everything in it: a config cannot be changed in place either. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
