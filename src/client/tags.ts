import { WeftError } from "../errors/weft-error.ts";
import { MAX_TAG_LENGTH, SYSTEM_TAG_PREFIXES } from "../metadata/names.ts";
import { clientContext } from "./context.ts";
import type { Run } from "./run.ts";

/** Prefixes of the tags Weft sets on every run; a user tag may not start with one. */
export { SYSTEM_TAG_PREFIXES };

/** The longest tag, in characters, that a run may carry (src/metadata/names.ts). */
export { MAX_TAG_LENGTH };

const CONTROL = /\p{Cc}/u;

/** The system prefix `tag` starts with, if any. */
export function systemPrefixOf(tag: string): string | undefined {
  return SYSTEM_TAG_PREFIXES.find((p) => tag.startsWith(p));
}

/**
 * Throws a USAGE WeftError unless `tag` may be added to or removed from a run: a
 * non-empty string of at most 256 characters, without control characters, that does
 * not start with a system prefix (system tags are Weft's and cannot be changed).
 */
export function validateTag(tag: unknown): asserts tag is string {
  const example = 'e.g. "baseline" or "experiment:lr-0.1"';
  if (typeof tag !== "string" || tag.length === 0) {
    throw new WeftError("USAGE", `Invalid tag ${typeof tag === "string" ? '""' : String(tag)}: a tag is a non-empty string.`, { hint: `Give a tag, ${example}.` });
  }
  // Counted in UTF-16 units, as the metadata service counts: an emoji counts twice, and a
  // tag accepted here is never refused there.
  const length = tag.length;
  if (length > MAX_TAG_LENGTH) {
    throw new WeftError("USAGE", `Invalid tag ${quote(tag)} (${length} characters): a tag has at most ${MAX_TAG_LENGTH} characters.`, { hint: "Shorten the tag." });
  }
  const control = CONTROL.exec(tag)?.[0];
  if (control !== undefined) {
    const code = `U+${control.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    throw new WeftError("USAGE", `Invalid tag ${quote(tag)}: a tag cannot contain control characters (found ${code}).`, { hint: `Remove newlines, tabs and other control characters, ${example}.` });
  }
  const prefix = systemPrefixOf(tag);
  if (prefix) {
    throw new WeftError("USAGE", `Invalid tag ${quote(tag)}: tags starting with "${prefix}" are system tags, which Weft sets and which cannot be added or removed.`, {
      hint: `Use a tag without the prefixes ${SYSTEM_TAG_PREFIXES.join(" ")}, ${example}.`,
    });
  }
}

/**
 * Adds user tags to a run, validating every tag first (nothing changes if one is
 * invalid). Tags already on the run are kept once. The change is atomic in the
 * metadata provider: concurrent additions from other processes all land. Returns the
 * run's user tags after the change.
 */
export async function addTags<F>(run: Run<F>, tags: string[]): Promise<string[]> {
  tags.forEach(validateTag);
  const after = await (await clientContext()).metadata.addTags(run.flowName, run.id, [...new Set(tags)]);
  return after ?? Promise.reject(gone(run));
}

/**
 * Removes user tags from a run, atomically and all or nothing: every tag is validated
 * and must be on the run when the change applies (NOT_FOUND lists the run's user tags
 * otherwise). Returns the user tags left.
 */
export async function removeTags<F>(run: Run<F>, tags: string[]): Promise<string[]> {
  tags.forEach(validateTag);
  const removal = await (await clientContext()).metadata.removeTags(run.flowName, run.id, [...new Set(tags)]);
  if (!removal) throw gone(run);
  if (removal.missing.length) {
    throw new WeftError("NOT_FOUND", `Run ${run.pathspec} has no user tag ${removal.missing.map(quote).join(", ")}.`, {
      hint: `Its user tags: ${removal.tags.map(quote).join(", ") || "(none)"}.`,
    });
  }
  return removal.tags;
}

function gone<F>(run: Run<F>): WeftError {
  return new WeftError("NOT_FOUND", `Run ${run.pathspec} no longer exists.`);
}

/** A tag as shown in messages: JSON-quoted (control characters escaped), long ones cut. */
function quote(tag: string): string {
  const chars = [...tag];
  return JSON.stringify(chars.length > 60 ? `${chars.slice(0, 60).join("")}…` : tag);
}
