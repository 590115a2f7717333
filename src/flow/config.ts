import { ownFlowMetadata } from "./class-metadata.ts";

export interface ConfigOptions {
  help?: string;
  /**
   * A file read when neither `--config NAME=FILE` nor `--config-value NAME=TEXT` names
   * this config. A relative path is relative to the flow file's folder, so the flow finds
   * it from any working directory.
   */
  default?: string;
  /**
   * The value when nothing names the config and there is no `default` file: an object, or
   * a text read by `parser` as a given value would be. A field initializer does the same:
   * `@config() settings: Settings = { lr: 0.1 }`.
   */
  defaultValue?: unknown;
  /** The run refuses to start unless the config is given (or has a default). */
  required?: boolean;
  /**
   * Turns the text of the file (or of `--config-value`) into the config's value;
   * `JSON.parse` when omitted. For TOML, YAML or validation, pass a function, e.g.
   * `parser: (text) => Settings.parse(parseToml(text))` with the flow's own packages.
   */
  parser?: (text: string) => unknown;
}

/**
 * Declares a configuration (Metaflow's `Config`): a value read from a JSON file or a
 * string when the run starts (`weft run flow.ts --config settings=prod.json`, or
 * `--config-value settings='{"lr":0.1}'`), or when the flow is deployed. The field's type
 * is the value's type: `@config({ default: "config.json" }) settings!: Settings`. The
 * value is the same in every task, read-only and frozen, an artifact of every task, and
 * kept by the run spec, so a resumed run uses its origin's. Decorators read it with
 * `configExpr("settings.memory")` or the function form.
 */
export function config(options: ConfigOptions = {}) {
  return function (_value: undefined, context: ClassFieldDecoratorContext): void {
    ownFlowMetadata(context.metadata).configs.push({ field: String(context.name), options: { ...options } });
  };
}

const CONFIG_REF = Symbol.for("weft.configRef");

/** A reference to a config value inside decorator options, replaced by the value when the run starts. */
export interface ConfigRef {
  readonly [CONFIG_REF]: true;
  /** `settings.memory`: the config's field name, then keys (a number indexes an array). */
  readonly path: string;
}

/**
 * The value at `path` of a config, for decorator options that the flow's configs decide:
 * `@resources({ memory: configExpr("settings.memory") })`. The path is the config's field
 * name followed by keys, `settings.train.epochs` or `settings.layers.0`. It is resolved
 * when the run starts (or the flow is deployed), before any step runs; a key that is
 * not there fails the run, naming the config, its file and the key. Typed as whatever
 * the option expects; a wrong type is reported by the decorator's validation.
 */
export function configExpr<T>(path: string): T {
  const ref: ConfigRef = { [CONFIG_REF]: true, path };
  return ref as unknown as T;
}

export function isConfigRef(value: unknown): value is ConfigRef {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[CONFIG_REF] === true;
}
