import type { ArtifactReader } from "../../datastore/task-datastore.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { MergeOptions } from "../../flow/flow-spec.ts";
import type { Inputs } from "../../flow/inputs.ts";
import type { ArtifactState } from "./artifact-state.ts";

/** One incoming task of a join. */
export interface InputSource {
  step: string;
  task: string;
  reader: ArtifactReader;
  index: number | undefined;
  input: () => unknown;
}

const SOURCES = new WeakMap<object, InputSource[]>();

/**
 * The `inputs` argument of a join: iterable in order, `length`, `at(i)`, and for a
 * static branch join each input under its step name. Each input reads its artifacts
 * lazily, like `this` does.
 */
export function buildInputs(sources: InputSource[], byStepName: boolean): Inputs<never> {
  const views = sources.map(inputView);
  const inputs: Record<string | symbol, unknown> = {
    length: views.length,
    at: (position: number) => views.at(position),
    [Symbol.iterator]: () => views[Symbol.iterator](),
  };
  if (byStepName) sources.forEach((s, i) => (inputs[s.step] = views[i]));
  SOURCES.set(inputs, sources);
  return Object.freeze(inputs) as unknown as Inputs<never>;
}

function inputView(source: InputSource): object {
  const view: Record<string, unknown> = {};
  for (const name of Object.keys(source.reader.data.artifacts)) {
    Object.defineProperty(view, name, { enumerable: true, get: () => source.reader.loadSync(name) });
  }
  Object.defineProperty(view, "input", { get: source.input });
  Object.defineProperty(view, "index", { get: () => source.index });
  Object.defineProperty(view, "pathspec", { get: () => source.reader.pathspec });
  return Object.freeze(view);
}

/**
 * Carries artifacts from the inputs into the join. A name with one value across the
 * inputs that have it is inherited by reference; differing values are a conflict
 * unless the join set the artifact first or excluded it. All or nothing: on a conflict
 * nothing is set on the join's instance.
 */
export function mergeArtifacts(inputs: object, options: MergeOptions, state: ArtifactState, readOnly: ReadonlySet<string>): void {
  const sources = SOURCES.get(inputs);
  if (!sources) {
    throw new WeftError("USAGE", "mergeArtifacts takes the inputs argument of this join step.", { hint: "Call this.mergeArtifacts(inputs) inside the join." });
  }
  if (options.include && options.exclude) {
    throw new WeftError("USAGE", "mergeArtifacts takes include or exclude, not both.", { hint: "Pass { include: [...] } or { exclude: [...] }." });
  }
  const available = new Set(sources.flatMap((s) => Object.keys(s.reader.data.artifacts)));
  for (const name of options.include ?? []) {
    if (!available.has(name)) {
      throw new WeftError("ARTIFACT_CONFLICT", `mergeArtifacts: include names "${name}", which no input has.`, { hint: `Inputs have: ${[...available].join(", ") || "(none)"}.` });
    }
  }
  const exclude = new Set(options.exclude ?? []);
  const wanted = options.include ?? [...available].filter((n) => !exclude.has(n) && !n.startsWith("_"));
  // All or nothing: every name is resolved before any is set, so a refused merge leaves `this` as it was.
  const conflicts: string[] = [];
  const merged: { name: string; holder: InputSource }[] = [];
  for (const name of wanted) {
    if (readOnly.has(name) || state.isSetHere(name)) continue;
    const holders = sources.filter((s) => s.reader.has(name));
    const shas = new Set(holders.map((s) => s.reader.data.artifacts[name]!.sha));
    if (shas.size > 1) conflicts.push(`${name} (${holders.map((h) => `${h.step}/${h.task}`).join(", ")})`);
    else merged.push({ name, holder: holders[0]! });
  }
  if (conflicts.length) {
    throw new WeftError("ARTIFACT_CONFLICT", `mergeArtifacts: inputs hold different values for ${conflicts.join("; ")}.`, {
      hint: `Set these in the join before merging (this.${conflicts[0]!.split(" ")[0]} = …), or leave them out: this.mergeArtifacts(inputs, { exclude: [${conflicts.map((c) => JSON.stringify(c.split(" ")[0])).join(", ")}] }).`,
    });
  }
  for (const { name, holder } of merged) state.inherit(name, holder.reader.data.artifacts[name]!, holder.reader);
}
