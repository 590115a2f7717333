import { readFile, stat } from "node:fs/promises";
import { ContentStore } from "../datastore/content-store.ts";
import { layout } from "../datastore/layout.ts";
import { saveValues } from "../datastore/task-datastore.ts";
import type { StorageBackend } from "../datastore/types.ts";
import { WeftError } from "../errors/weft-error.ts";
import { MAX_INCLUDED_FILE_BYTES, type IncludeFileSpec } from "../flow/include-file-specs.ts";
import type { IncludedFile } from "./run-spec.ts";

/** One `@includeFile` read from disk, not yet stored. */
export interface ReadFile {
  field: string;
  file: string;
  size: number;
  /** The text (isText) or a Buffer. */
  value: string | Buffer;
}

/**
 * Reads the files of a flow's `@includeFile` fields that `stored` does not already
 * hold (a resumed run's): the given path (absolute), else the default. Every file is
 * read and checked before anything is written, so a missing, unreadable, oversized or
 * undecodable file fails the run start naming the flag and the file.
 */
export async function readIncludedFiles(specs: IncludeFileSpec[], given: Record<string, string>, stored: Record<string, IncludedFile> = {}): Promise<ReadFile[]> {
  const toRead = specs.filter((spec) => !Object.hasOwn(stored, spec.field));
  return Promise.all(
    toRead.map(async (spec) => {
      const file = given[spec.field] ?? spec.defaultFile;
      if (file === undefined) {
        throw new WeftError("PARAMETER", `Missing required file --${spec.flag}.`, { hint: `Pass --${spec.flag} <file>${spec.help ? ` (${spec.help})` : ""}.` });
      }
      const source = Object.hasOwn(given, spec.field) ? `--${spec.flag}` : `the default of --${spec.flag}`;
      let bytes: Buffer;
      try {
        const info = await stat(file);
        if (info.size > MAX_INCLUDED_FILE_BYTES) {
          throw new WeftError("PARAMETER", `File ${file} (${source}) is ${info.size} bytes, more than the ${MAX_INCLUDED_FILE_BYTES / 2 ** 20} MiB an @includeFile takes.`, {
            hint: "Store a file this big where the flow can read it (a datastore path, a URL) and pass that as a @param instead.",
          });
        }
        bytes = await readFile(file);
      } catch (cause) {
        if (cause instanceof WeftError) throw cause;
        const code = (cause as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "it does not exist" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a folder" : (cause as Error).message;
        throw new WeftError("PARAMETER", `Cannot read file ${file} (${source}): ${why}.`, { hint: `Pass a readable file: --${spec.flag} <file>.`, cause });
      }
      return { field: spec.field, file, size: bytes.byteLength, value: spec.isText ? decode(spec, file, bytes) : bytes };
    }),
  );
}

function decode(spec: IncludeFileSpec, file: string, bytes: Buffer): string {
  try {
    return new TextDecoder(spec.encoding, { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new WeftError("PARAMETER", `File ${file} (--${spec.flag}) is not valid ${spec.encoding} text.`, {
      hint: `Give @includeFile of "${spec.field}" the file's encoding ({ encoding: "latin1" }), or isText: false to read its bytes as a Buffer.`,
      cause,
    });
  }
}

/**
 * Stores the files read for a run in the flow's content store, where tasks load them
 * like any artifact: the same file is stored once, however many runs include it.
 */
export async function storeIncludedFiles(backend: StorageBackend, flow: string, files: ReadFile[]): Promise<Record<string, IncludedFile>> {
  if (files.length === 0) return {};
  const content = new ContentStore(backend, layout.contentPrefix(flow));
  const records = await saveValues(content, new Map(files.map((f) => [f.field, f.value])));
  return Object.fromEntries(files.map((f) => [f.field, { file: f.file, size: f.size, record: records[f.field]! }]));
}
