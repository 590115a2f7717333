import { WeftError } from "../errors/weft-error.ts";

/**
 * The names Weft records: flows, steps, artifacts, users and tags, beside ids.ts (run
 * and task ids). Every check uses these, the local runtime and the metadata service
 * alike (lint, pathspecs, both metadata providers, the service's zod schemas), so a
 * name that works locally never fails against the service, and the reverse.
 */

/**
 * Flow and step names: path segments in the datastore and in the service's URLs, so
 * ASCII only. A TypeScript class or method name may hold `$` or non-ASCII letters;
 * lint refuses those.
 */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/;
export const NAME_RULE = "1 to 255 ASCII letters, digits, _ or -, starting with a letter or _ (e.g. TrainFlow, train_model)";

/** True if `s` may name a flow or a step. */
export function isValidName(s: string): boolean {
  return NAME_PATTERN.test(s);
}

/** The longest artifact name, in UTF-16 code units as JavaScript and the service count them. */
export const MAX_ARTIFACT_NAME_LENGTH = 255;
export const ARTIFACT_NAME_RULE = `at most ${MAX_ARTIFACT_NAME_LENGTH} characters`;

/** Prefixes of the tags Weft sets on every run (system tags); a user tag may not start with one. */
export const SYSTEM_TAG_PREFIXES = ["user:", "weft_version:", "runtime:", "host:", "project:", "project_branch:"] as const;

/** Whether `tag` is a system tag: one Weft sets, which users cannot add or remove. */
export function isSystemTag(tag: string): boolean {
  return SYSTEM_TAG_PREFIXES.some((p) => tag.startsWith(p));
}

/** The longest tag; a run's `user:<name>` system tag is one too. */
export const MAX_TAG_LENGTH = 256;

const USER_TAG_PREFIX = "user:";
/** The longest user name: its `user:<name>` tag must fit in MAX_TAG_LENGTH. */
export const MAX_USER_LENGTH = MAX_TAG_LENGTH - USER_TAG_PREFIX.length;
export const USER_RULE = `1 to ${MAX_USER_LENGTH} characters without control characters, e.g. alice or alice@contoso.com (its user:<name> tag must fit in ${MAX_TAG_LENGTH})`;

// Control characters break tables and log lines; PostgreSQL text refuses NUL and lone surrogates.
const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `user` is not a valid user name, or undefined when it is one. */
export function userNameProblem(user: string): string | undefined {
  if (user.length === 0) return "it is empty";
  if (user.length > MAX_USER_LENGTH) return `it has ${user.length} characters`;
  const control = CONTROL.exec(user)?.[0];
  if (control !== undefined) return `it contains the control character U+${control.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  if (LONE_SURROGATE.test(user)) return "it contains an unpaired surrogate";
  return undefined;
}

/**
 * Throws ARTIFACT_UNSERIALIZABLE unless `name` may name an artifact, before any byte
 * of it is written: the service would refuse the task's artifacts after the fact.
 */
export function checkArtifactName(name: string): void {
  if (name.length <= MAX_ARTIFACT_NAME_LENGTH && !LONE_SURROGATE.test(name)) return;
  throw new WeftError("ARTIFACT_UNSERIALIZABLE", `Artifact name "${name.slice(0, 40)}…" (${name.length} characters) cannot be saved: an artifact name has ${ARTIFACT_NAME_RULE}.`, {
    hint: `Rename this.${name.slice(0, 40)}… to a shorter name, or start it with _ to keep it out of the saved artifacts.`,
  });
}

/** Throws USAGE unless `name` may name a flow or a step; `what` is "flow" or "step". */
export function checkName(what: "flow" | "step", name: string): void {
  if (isValidName(name)) return;
  throw new WeftError("USAGE", `Invalid ${what} name ${JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)}: a ${what} name is ${NAME_RULE}.`, {
    hint: `Rename the ${what === "flow" ? "flow class" : "step method"}.`,
  });
}

/**
 * The names a new run records, checked by both metadata providers before anything is
 * written, so that the local provider refuses what the service would.
 */
export function checkRunNames(init: { flow: string; user: string }): void {
  checkName("flow", init.flow);
  checkUserName(init.user, "the run's user");
}

/** Throws CONFIG unless `user` may be recorded as a run's user; `source` names where it came from. */
export function checkUserName(user: string, source = "WEFT_USER"): void {
  const problem = userNameProblem(user);
  if (problem === undefined) return;
  throw new WeftError("CONFIG", `Invalid user name ${JSON.stringify(user.length > 60 ? `${user.slice(0, 60)}…` : user)} [${source}]: ${problem}. A user name is ${USER_RULE}.`, {
    hint: "Set WEFT_USER to a valid name, or unset it to use $USER.",
  });
}
