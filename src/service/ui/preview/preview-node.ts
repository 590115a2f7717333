/**
 * A value cut to a preview, as the UI renders it (a JSON tree, a table for arrays of
 * records, a summary for typed arrays, an image). Containers say how many items they
 * hold (`count`, `length`) and whether `items` shows all of them (`complete`).
 */
export type PreviewNode =
  | { kind: "null" }
  | { kind: "undefined" }
  | { kind: "boolean"; value: boolean }
  /** A string for values JSON cannot hold: "NaN", "Infinity", "-Infinity", "-0". */
  | { kind: "number"; value: number | string }
  | { kind: "bigint"; value: string }
  /** `length`: the whole string's length in characters; `value` may be its head. */
  | { kind: "string"; value: string; length: number }
  | { kind: "date"; value: string }
  | { kind: "regexp"; value: string }
  | { kind: "array"; length: number; items: PreviewNode[]; complete: boolean }
  | { kind: "object"; entries: [string, PreviewNode][]; count: number; complete: boolean }
  | { kind: "map"; entries: [PreviewNode, PreviewNode][]; count: number; complete: boolean }
  | { kind: "set"; items: PreviewNode[]; count: number; complete: boolean }
  /** A typed array or Buffer: its first values, and statistics over the values read (`of` of `length`). */
  | { kind: "typed"; type: string; length: number; head: (number | string)[]; stats?: TypedStats; image?: "png" | "jpeg" }
  | { kind: "image"; mime: "image/png" | "image/jpeg"; base64: string; bytes: number }
  | { kind: "error"; name: string; message: string; stack?: string }
  /** A second reference to an object shown elsewhere (a cycle, or an object shared). */
  | { kind: "ref" }
  /** Where the bytes read for the preview ended. */
  | { kind: "cut" }
  | { kind: "opaque"; note: string };

export interface TypedStats {
  min: number;
  max: number;
  mean: number;
  /** How many values these are over: all of them unless the array was longer than the bytes read. */
  of: number;
}

/** An artifact's preview as the API answers it. */
export interface ArtifactPreview {
  name: string;
  attempt: number;
  type: string;
  size: number;
  sha: string;
  /** How the bytes were read: the serializer, and how many of the value's bytes the preview saw. */
  serializer: string;
  bytesRead: number;
  /** True when the preview saw the whole value. */
  whole: boolean;
  value: PreviewNode;
}
