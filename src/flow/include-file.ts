import { ownFlowMetadata } from "./class-metadata.ts";

export interface IncludeFileOptions {
  help?: string;
  /** `true` (the default): the field is the file's text; `false`: its bytes, as a Buffer. */
  isText?: boolean;
  /** The text's encoding when `isText` (default `"utf-8"`); bytes that are not valid in it are refused. */
  encoding?: string;
  /** The file read when the flag is not given; a relative path is relative to the flow file's folder. */
  default?: string;
  /** The run refuses to start unless the flag is given (or there is a default). */
  required?: boolean;
}

/**
 * A file as a parameter (Metaflow's `IncludeFile`): `@includeFile({ help: "training rows" })
 * data!: string` becomes the flag `--data ./train.csv`. The file is read once, when the
 * run starts, and stored in the datastore by content hash as an artifact of every task,
 * loaded on first read. A resumed run reuses the stored bytes, so the run is
 * reproducible without the file. At most 256 MiB (MAX_INCLUDED_FILE_BYTES).
 */
export function includeFile(options: IncludeFileOptions = {}) {
  return function (_value: undefined, context: ClassFieldDecoratorContext): void {
    ownFlowMetadata(context.metadata).includeFiles.push({ field: String(context.name), options: { ...options } });
  };
}
