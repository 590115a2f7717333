import { ownFlowMetadata } from "./class-metadata.ts";

export type ParamType = "number" | "string" | "boolean" | "json";

export interface ParamOptions {
  help?: string;
  /** The run fails to start unless the flag is given. */
  required?: boolean;
  /** The type of a field without an initializer; `"string"` when omitted. */
  type?: ParamType;
  /** The default of a field without an initializer. */
  default?: unknown;
}

/**
 * Declares a run parameter. The field becomes the CLI flag `--kebab-name`; its
 * initializer is the default and fixes the type.
 */
export function param(options: ParamOptions = {}) {
  return function (_value: undefined, context: ClassFieldDecoratorContext): void {
    ownFlowMetadata(context.metadata).params.push({ field: String(context.name), options: { ...options } });
  };
}
