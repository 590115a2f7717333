import { deserialize } from "node:v8";
import { ContentStore } from "../../datastore/content-store.ts";
import { layout, type TaskRef } from "../../datastore/layout.ts";
import { typedArraySerializer } from "../../datastore/serializers/typed-array.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { RunOutline } from "../../metadata/types.ts";
import type { TaskSummary, UiSource } from "./types.ts";

/** Foreach artifacts larger than this are not read for their items: the task list then has indexes only. */
const MAX_FOREACH_BYTES = 16 * 1024 * 1024;
const MAX_INPUT_CHARS = 120;

/**
 * Sets each foreach task's `input`: the item of its parent's foreach artifact at the
 * task's index, as short text, so the task list can be searched by input value. Each
 * parent's artifact is read once; one that is missing, larger than 16 MiB or saved by
 * another serializer leaves its tasks without inputs.
 */
export async function addForeachInputs(source: UiSource, store: StorageBackend, run: { flow: string; run: string }, outline: RunOutline, tasks: TaskSummary[]): Promise<void> {
  const byParent = new Map<string, TaskSummary[]>();
  for (const t of tasks) {
    const frame = t.foreachStack.at(-1);
    if (frame) byParent.set(`${frame.step}/${frame.task}`, [...(byParent.get(`${frame.step}/${frame.task}`) ?? []), t]);
  }
  const content = new ContentStore(store, layout.contentPrefix(run.flow));
  await Promise.all(
    [...byParent].map(async ([key, children]) => {
      const [step = "", task = ""] = key.split("/");
      const field = outline.graph.nodes[step]?.foreach;
      if (!field) return;
      const items = await readItems(source, content, { ...run, step, task }, field).catch(() => undefined);
      if (!items) return;
      for (const child of children) {
        const index = child.foreachStack.at(-1)!.index;
        if (index < items.length) child.input = inputText(items[index]);
      }
    }),
  );
}

// A running run's page asks for its tasks every few seconds: items already read are kept,
// by content hash (so never stale), the most recent few only.
const recent = new Map<string, ArrayLike<unknown> | undefined>();
const RECENT = 16;

/** The parent's foreach artifact (its latest attempt's), read whole when it is small enough. */
async function readItems(source: UiSource, content: ContentStore, parent: TaskRef, field: string): Promise<ArrayLike<unknown> | undefined> {
  const artifact = (await source.listArtifacts(parent)).filter((a) => a.name === field).at(-1);
  if (!artifact || artifact.size > MAX_FOREACH_BYTES) return undefined;
  const key = content.keyOf(artifact.sha);
  if (recent.has(key)) return recent.get(key);
  const [bytes] = await content.load([artifact.sha], () => `Artifact "${field}" of ${parent.flow}/${parent.run}/${parent.step}/${parent.task}`);
  // Data only: V8's structured clone and the typed-array format construct no code.
  const value = bytes![0] === 0xff ? deserialize(bytes!) : typedArraySerializer.deserialize(bytes!);
  const items = Array.isArray(value) || ArrayBuffer.isView(value) ? (value as unknown as ArrayLike<unknown>) : undefined;
  recent.set(key, items);
  if (recent.size > RECENT) recent.delete(recent.keys().next().value!);
  return items;
}

/** A foreach item as the task list shows it: strings as they are, anything else as JSON, cut short. */
export function inputText(item: unknown): string {
  let text: string;
  try {
    text = typeof item === "string" ? item : (JSON.stringify(item, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(item));
  } catch {
    text = String(item);
  }
  return text.length > MAX_INPUT_CHARS ? `${text.slice(0, MAX_INPUT_CHARS)}…` : text;
}
