import { WeftError } from "../errors/weft-error.ts";

/**
 * Run ids and task ids, one rule for both. Weft allocates run ids 1, 2, 3…; an
 * orchestrator may choose its own (`argo-train-x7k2p`) and derives task ids from
 * foreach positions (`0`, `7`, `2-10`). Ids become folder names in the datastore and
 * path segments in the service's URLs, so the rule keeps out `/`, `.` and `..`.
 */
export const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** What a valid id looks like, to finish a sentence in an error message. */
export const ID_RULE = "1 to 128 letters, digits, _, - or ., starting with a letter, digit or _ (e.g. 12 or argo-train-x7k2p)";

/** True if `s` is a valid run or task id. */
export function isValidId(s: string): boolean {
  return ID_PATTERN.test(s);
}

/** True for the ids Weft allocates itself: all digits. A chosen run id never is one, so the two never collide. */
export function isAllocatedId(s: string): boolean {
  return /^\d+$/.test(s);
}

/** Names beside the runs in a flow's folder (docs/datastore.md): a run there would mix its files into them. */
export const RESERVED_RUN_IDS: ReadonlySet<string> = new Set(["data", "code"]);

/**
 * Throws a USAGE WeftError unless `run` may be chosen as a new run id of `flow`: a
 * valid id, not all digits, and not the name of one of Weft's own folders.
 */
export function checkChosenRunId(flow: string, run: string): void {
  const refuse = (why: string, hint: string) => new WeftError("USAGE", `Invalid run id "${run}" for flow ${flow}: ${why}.`, { hint });
  if (!isValidId(run)) throw refuse("it is not a valid id", `A run id is ${ID_RULE}.`);
  if (isAllocatedId(run)) throw refuse("ids of only digits are reserved for the ids Weft allocates", "Choose an id with a letter in it, e.g. argo-train-x7k2p, or leave it out to get the next number.");
  if (RESERVED_RUN_IDS.has(run)) throw refuse(`"${run}" names the flow's ${run} folder beside its runs`, "Choose another id, e.g. argo-train-x7k2p.");
}

/** Digit strings of any length, compared exactly (no Number() rounding past 2^53): by length without leading zeros, then as text. */
function compareDigits(a: string, b: string): number {
  const [ta, tb] = [a.replace(/^0+(?=\d)/, ""), b.replace(/^0+(?=\d)/, "")];
  if (ta.length !== tb.length) return ta.length - tb.length;
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** A loop iteration's part of a task id (`i10`: the eleventh time round; runtime/task-identity.ts). */
const ITERATION = /^i\d+$/;

/** 0 for a number, 1 for a loop iteration, 2 for any other word: the order of kinds. */
const kindOf = (part: string) => (isAllocatedId(part) ? 0 : ITERATION.test(part) ? 1 : 2);

/** Numbers, then loop iterations (by their number: `i9` before `i10`), then other words as strings. */
function compareParts(a: string, b: string): number {
  const [ka, kb] = [kindOf(a), kindOf(b)];
  if (ka !== kb) return ka - kb;
  if (ka === 0) return compareDigits(a, b);
  if (ka === 1) return compareDigits(a.slice(1), b.slice(1));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Natural order of ids, for sorting: the parts between `-` and `.` compare as numbers
 * when both are digits (`9` < `10`, `2-9` < `2-10`); then loop iterations, by their
 * number (`i9` < `i10`, `3-i9` < `3-i10`); then other parts, as strings; a prefix
 * first. Ids equal by that (`01` and `1`, `1-2` and `1.2`) fall back to string order,
 * so the order is total and only equal ids compare 0.
 */
export function compareIds(a: string, b: string): number {
  const [pa, pb] = [a.split(/[-.]/), b.split(/[-.]/)];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareParts(pa[i]!, pb[i]!);
    if (c !== 0) return c;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The error for a chosen run id the flow already has: providers never overwrite a run. */
export function runExistsError(flow: string, run: string): WeftError {
  return new WeftError("USAGE", `Run ${flow}/${run} already exists; run ids must be unique per flow.`, {
    hint: "Choose another run id, or leave it out to get the next number.",
  });
}
