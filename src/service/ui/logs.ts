import { layout, type TaskRef } from "../../datastore/layout.ts";
import { readRange } from "../../datastore/read-range.ts";
import type { StorageBackend } from "../../datastore/types.ts";

export type LogStream = "stdout" | "stderr";

/** The most bytes one log read answers: a page of a large log, never all of it. */
export const MAX_LOG_READ = 1024 * 1024;

/** A piece of a task attempt's log. */
export interface LogChunk {
  attempt: number;
  stream: LogStream;
  /** Where `text` starts, in bytes; moved forward past a split character. */
  offset: number;
  /** Where the next read continues: `offset` plus the bytes `text` holds. */
  end: number;
  /** The log's size in bytes when it was read (it grows while the attempt runs). */
  size: number;
  text: string;
}

/**
 * Up to `length` bytes of an attempt's log from `offset` (negative: that many bytes
 * before the end), as text. The range is narrowed to whole UTF-8 characters, so pages
 * read one after another (`end` to `offset`) join up exactly. Undefined when the
 * attempt has no such log.
 */
export async function readLog(backend: StorageBackend, ref: TaskRef, attempt: number, stream: LogStream, offset: number, length: number): Promise<LogChunk | undefined> {
  const key = layout.attemptFile(ref, attempt, stream);
  const [size] = await backend.sizes([key]);
  if (size === null || size === undefined) return undefined;
  let start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
  const want = Math.min(length, MAX_LOG_READ, size - start);
  const bytes = want > 0 ? ((await readRange(backend, key, start, want + 3)) ?? new Uint8Array(0)) : new Uint8Array(0);
  // A start inside a character (a tail read) moves to the next one.
  let from = 0;
  while (from < 3 && from < bytes.byteLength && isContinuation(bytes[from]!)) from++;
  start += from;
  let to = Math.min(bytes.byteLength, want);
  // An end inside a character takes the rest of it (up to 3 bytes were read beyond for that).
  while (to < bytes.byteLength && isContinuation(bytes[to]!)) to++;
  const piece = bytes.subarray(from, Math.max(from, to));
  return { attempt, stream, offset: start, end: start + piece.byteLength, size, text: new TextDecoder().decode(piece) };
}

const isContinuation = (b: number) => (b & 0xc0) === 0x80;

/** One line of a log that matches a search, and where it starts. */
export interface LogMatch {
  offset: number;
  line: string;
}

/**
 * Lines of an attempt's log that contain `query` (case-insensitive), read a page at a
 * time so a large log is never held whole; at most `limit` matches, lines cut to 1,000
 * characters. `complete` is false when the search stopped at the limit.
 */
export async function searchLog(backend: StorageBackend, ref: TaskRef, attempt: number, stream: LogStream, query: string, limit: number): Promise<{ matches: LogMatch[]; complete: boolean } | undefined> {
  const needle = query.toLowerCase();
  const matches: LogMatch[] = [];
  let carry = "";
  let carryOffset = 0;
  for (let offset = 0; ; ) {
    const chunk = await readLog(backend, ref, attempt, stream, offset, MAX_LOG_READ);
    if (!chunk) return undefined;
    const text = carry + chunk.text;
    const last = chunk.end >= chunk.size;
    const lines = text.split("\n");
    const rest = last ? "" : lines.pop()!;
    let at = carryOffset;
    for (const line of lines) {
      if (line.toLowerCase().includes(needle)) {
        matches.push({ offset: at, line: line.length > 1000 ? `${line.slice(0, 1000)}…` : line });
        if (matches.length >= limit) return { matches, complete: false };
      }
      at += Buffer.byteLength(line) + 1;
    }
    if (last) return { matches, complete: true };
    carry = rest;
    carryOffset = at;
    offset = chunk.end;
  }
}

/** The key of an attempt's log, for streaming it whole as a download. */
export const logKey = (ref: TaskRef, attempt: number, stream: LogStream) => layout.attemptFile(ref, attempt, stream);
