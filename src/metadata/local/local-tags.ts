import { setTimeout as sleep } from "node:timers/promises";
import type { StorageBackend } from "../../datastore/types.ts";

/** The user tags after change `version` (0: as the run was created, or as an older Weft wrote them). */
export interface TagVersion {
  version: number;
  tags: string[];
}

const encoder = new TextEncoder();
const parse = (bytes: Uint8Array | null): unknown => (bytes ? JSON.parse(Buffer.from(bytes).toString("utf8")) : undefined);

/** `_meta/tags.json`: the newest version a writer knew of, or a plain list written before versions existed. */
export const tagsHintKey = (flow: string, run: string) => `${flow}/${run}/_meta/tags.json`;
const versionKey = (flow: string, run: string, version: number) => `${flow}/${run}/_meta/tags/${version}.json`;

/**
 * A run's user tags as a chain of versions, each created with createExclusive: a
 * compare-and-swap without locks. A writer reads the newest version n, computes the
 * change, and creates version n + 1; if another writer created it first, it reads
 * again and retries, so concurrent changes from any process all land. There is no
 * lock to leave behind when a writer dies.
 *
 * `tags.json` only says where to start looking: writers overwrite it after each
 * change, possibly out of order, so readers always walk forward from it to the first
 * missing version (one extra read for a run whose tags were changed).
 */
export class LocalTags {
  constructor(private readonly store: StorageBackend) {}

  /**
   * The newest version, starting from the hint's bytes and the tags the run was created
   * with. Readers skip the walk for a run without a hint (its tags never changed, so
   * reading it costs nothing extra), which hides a change whose writer died between
   * creating the version and writing the hint, until the next change; writers always walk.
   */
  async head(flow: string, run: string, hintBytes: Uint8Array | null, createdWith: string[], walkWithoutHint = false): Promise<TagVersion> {
    const hint = parse(hintBytes) as TagVersion | string[] | undefined;
    let head: TagVersion = Array.isArray(hint) ? { version: 0, tags: hint } : (hint ?? { version: 0, tags: createdWith });
    if (hint === undefined && !walkWithoutHint) return head;
    for (;;) {
      const [next] = await this.store.getBytes([versionKey(flow, run, head.version + 1)]);
      if (!next) return head;
      head = parse(next) as TagVersion;
    }
  }

  /**
   * Applies `change` to the newest tags until its version is the one created. `change`
   * returns the new list, or undefined to leave the tags as they are. Resolves with
   * the tags it left; undefined when the run has no record.
   */
  async update(flow: string, run: string, change: (tags: string[]) => string[] | undefined): Promise<string[] | undefined> {
    for (let lost = 0; ; lost++) {
      // Jitter after a lost race, so many writers of one run do not retry in lockstep.
      if (lost) await sleep(Math.random() * Math.min(2 ** lost, 50));
      const [record, hint] = await this.store.getBytes([`${flow}/${run}/_meta/run.json`, tagsHintKey(flow, run)]);
      if (!record) return undefined;
      const head = await this.head(flow, run, hint ?? null, (parse(record) as { tags: string[] }).tags, true);
      const tags = change(head.tags);
      if (tags === undefined) return head.tags;
      const next: TagVersion = { version: head.version + 1, tags };
      const data = encoder.encode(JSON.stringify(next));
      if (await this.store.createExclusive(versionKey(flow, run, next.version), data)) {
        // Only a hint: a late overwrite by a slower writer costs readers a longer walk, never a tag.
        await this.store.putBytes([{ key: tagsHintKey(flow, run), data, overwrite: true }]);
        return tags;
      }
    }
  }
}
