import type { ArtifactInfo, AttemptRecord, TaskFact, TaskRecord } from "../types.ts";

/**
 * `_meta/<n>.start.json`: an attempt's start with its facts and, for attempt 0 when it
 * registered the task, the task's record. A runner launching an attempt records all of
 * it in one write. Older versions kept the facts in `<n>.metadata.json` and the task
 * only in `task.json`; readers take those too.
 */
export interface StartFile extends AttemptRecord {
  facts?: TaskFact[];
  task?: TaskRecord;
}

/** `_meta/<n>.end.json`: an attempt's end with its artifacts (older versions: `<n>.artifacts.json`). */
export interface EndFile extends AttemptRecord {
  artifacts?: ArtifactInfo[];
}

/** The attempt record a start or end file holds, without what rides along with it. */
export function attemptOf(file: StartFile | EndFile): AttemptRecord {
  const { facts: _facts, task: _task, artifacts: _artifacts, ...attempt } = file as StartFile & EndFile;
  return attempt;
}

/** `items` over `existing`, one per key: a repeated key takes the new item in the old one's place. */
export function mergeByKey<T>(existing: T[] | undefined, items: T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map((existing ?? []).map((item) => [keyOf(item), item]));
  for (const item of items) byKey.set(keyOf(item), item);
  return [...byKey.values()];
}

/**
 * Where listArtifacts, listMetadata and listCards find an attempt's items: a file kind
 * (`<n>.<kind>.json`) and what of its content they are.
 */
export interface ItemSource<T> {
  kind: string;
  items(content: unknown, attempt: number): T[];
}

/** A file that is the list itself, each item with its attempt (`<n>.cards.json`, and the older `.artifacts.json`, `.metadata.json`). */
export const listFile = <T>(kind: string): ItemSource<T> => ({ kind, items: (content) => (content as T[] | undefined) ?? [] });

/** The facts a start file holds, each with its attempt. */
export const startFacts: ItemSource<TaskFact & { attempt: number }> = { kind: "start", items: (content, attempt) => ((content as StartFile | undefined)?.facts ?? []).map((f) => ({ attempt, ...f })) };

/** The artifacts an end file holds, each with its attempt. */
export const endArtifacts: ItemSource<ArtifactInfo & { attempt: number }> = { kind: "end", items: (content, attempt) => ((content as EndFile | undefined)?.artifacts ?? []).map((a) => ({ attempt, ...a })) };
