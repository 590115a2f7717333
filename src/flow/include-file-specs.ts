import { isAbsolute, join } from "node:path";
import { WeftError } from "../errors/weft-error.ts";
import type { FieldDeclaration } from "./class-metadata.ts";
import { cliName } from "./graph/lint.ts";

/**
 * The largest file `@includeFile` takes: 256 MiB. Every task that reads the field holds
 * the whole file in memory (as a string, whose length V8 caps near 512 MiB characters);
 * a bigger input belongs in a step that reads it from storage.
 */
export const MAX_INCLUDED_FILE_BYTES = 256 * 1024 * 1024;

/** An `@includeFile` field as the CLI and the run start see it. */
export interface IncludeFileSpec {
  field: string;
  /** The CLI flag without `--`: the kebab-case field name. */
  flag: string;
  help: string | undefined;
  isText: boolean;
  encoding: string;
  /** The default file, absolute. */
  defaultFile: string | undefined;
  required: boolean;
}

/** The include-file specs of a flow; `flowDir` anchors relative defaults. */
export function includeFileSpecs(declarations: FieldDeclaration[], flowDir: string, flowName: string): IncludeFileSpec[] {
  return declarations.map(({ field, options }) => {
    const file = options.default as string | undefined;
    const encoding = (options.encoding as string | undefined) ?? "utf-8";
    try {
      new TextDecoder(encoding);
    } catch {
      throw new WeftError("FLOW_INVALID", `@includeFile field "${field}" of ${flowName} names the encoding "${encoding}", which is not one Node decodes.`, { hint: 'Use "utf-8", "utf-16le", "latin1" or another WHATWG encoding label.' });
    }
    if (file === undefined && options.required !== true) {
      throw new WeftError("FLOW_INVALID", `@includeFile field "${field}" of ${flowName} has no default file and is not required.`, { hint: `Give it a default (@includeFile({ default: "data.csv" })) or make it required: true.` });
    }
    return {
      field,
      flag: cliName(field),
      help: options.help as string | undefined,
      isText: options.isText !== false,
      encoding,
      defaultFile: file === undefined ? undefined : isAbsolute(file) ? file : join(flowDir, file),
      required: options.required === true,
    };
  });
}
