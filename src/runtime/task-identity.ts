import { branchOf, type FlowGraph } from "../flow/graph/graph.ts";
import { findLoops, isBackEdge, type FlowLoops } from "../flow/graph/loops.ts";

/**
 * Task ids are derived, not counted: a task's id is its *position*, one number for each
 * foreach item and each loop iteration that encloses its step, outermost first. A
 * foreach item is written as its index, a loop iteration as `i` and its number (from
 * 0), joined by `-`: `3`, `3-0`, `i2` (the third time round a loop), `3-i2` (a loop
 * inside a foreach), `i1-4` (a foreach inside a loop); `0` for a step outside any. A
 * step sits in the same foreaches and loops on every path (lint guarantees it), so the
 * id is unique within the step, stable across attempts and across resumed runs, made
 * of the characters a task id allows (`metadata/ids.ts`), and computable by any
 * orchestrator: no central counter, and a task finds its parents without being told.
 */

/** One level of a task's position: an item of a foreach, or an iteration of a loop. */
export type Frame = { kind: "foreach"; split: string } | { kind: "loop"; header: string };

/** The shape of a flow's task ids: what encloses each step, and the loops. */
export interface Positions {
  graph: FlowGraph;
  loops: FlowLoops;
  /** By step: the foreaches and loops that enclose it, outermost first. */
  frames: Record<string, Frame[]>;
}

export function positionsOf(graph: FlowGraph): Positions {
  const loops = findLoops(graph);
  return { graph, loops, frames: enclosingFrames(graph, loops) };
}

/** The id of the task at `position` (values for `frames`; all foreach items when omitted). */
export function taskIdOf(position: readonly number[], frames?: readonly Frame[]): string {
  return position.length ? position.map((v, i) => (frames?.[i]?.kind === "loop" ? `i${v}` : String(v))).join("-") : "0";
}

/** The foreach splits that enclose each step, outermost first. */
export function enclosingForeaches(graph: FlowGraph): Record<string, string[]> {
  const frames = enclosingFrames(graph, findLoops(graph));
  return Object.fromEntries(Object.entries(frames).map(([step, f]) => [step, f.flatMap((x) => (x.kind === "foreach" ? [x.split] : []))]));
}

function enclosingFrames(graph: FlowGraph, loops: FlowLoops): Record<string, Frame[]> {
  const result: Record<string, Frame[]> = {};
  const visit = (step: string, frames: Frame[]): void => {
    if (step in result || !graph.nodes[step]) return;
    result[step] = frames;
    const node = graph.nodes[step]!;
    for (const next of node.next) if (!isBackEdge(loops, step, next)) visit(next, framesAcross(graph, loops, frames, step, next));
  };
  visit("start", []);
  return result;
}

/** The frames of `to`, reached from `from` (whose frames are `frames`) by a forward edge. */
function framesAcross(graph: FlowGraph, loops: FlowLoops, frames: Frame[], from: string, to: string): Frame[] {
  const out = [...frames];
  // Leaving a loop: its iteration is dropped.
  while (out.at(-1)?.kind === "loop" && !loops.bodies.get((out.at(-1) as { header: string }).header)!.has(to)) out.pop();
  if (graph.nodes[to]!.joins?.kind === "foreach") out.pop();
  if (graph.nodes[from]!.split === "foreach") out.push({ kind: "foreach", split: from });
  if (loops.bodies.has(to)) out.push({ kind: "loop", header: to });
  return out;
}

const sameFrame = (a: Frame | undefined, b: Frame | undefined) => a !== undefined && b !== undefined && a.kind === b.kind && (a.kind === "foreach" ? a.split === (b as typeof a).split : a.header === (b as typeof a).header);

/** How many frames, from the outermost, `a` and `b` share. */
export function commonLength(a: readonly Frame[], b: readonly Frame[]): number {
  let n = 0;
  while (n < a.length && n < b.length && sameFrame(a[n], b[n])) n++;
  return n;
}

/**
 * The position a task id stands for, checked against the step's frames; throws a
 * message saying what the step's ids look like.
 */
export function positionOf(taskId: string, step: string, frames: readonly Frame[]): number[] {
  const depth = frames.length;
  const loops = frames.some((f) => f.kind === "loop");
  const example = `"${taskIdOf(frames.map((_, i) => i + 2), frames)}"`;
  const what = loops
    ? `inside ${frames.map((f) => (f.kind === "foreach" ? `the foreach of ${f.split}` : `the loop at ${f.header}`)).join(", then ")}: its task ids are like ${example} (a loop's iteration is i and its number)`
    : depth === 0
      ? `inside 0 foreaches: its task ids are "0"`
      : `inside ${depth} foreach${depth === 1 ? "" : "es"}: its task ids are ${depth} whole number${depth > 1 ? "s" : ""} joined by "-", e.g. ${example}`;
  const bad = () => new Error(`task id "${taskId}" does not fit step "${step}", which is ${what}`);
  if (frames.length === 0) {
    if (taskId !== "0") throw bad();
    return [];
  }
  const parts = taskId.split("-");
  if (parts.length !== frames.length) throw bad();
  return parts.map((part, i) => {
    const match = (frames[i]!.kind === "loop" ? /^i(0|[1-9]\d{0,8})$/ : /^(0|[1-9]\d{0,8})$/).exec(part);
    if (!match) throw bad();
    return Number(match[1]);
  });
}

/**
 * The position of the task that `from` (at `position`) starts in step `to`: one more
 * iteration when the edge closes a loop, the first iteration when it enters one, the
 * item `splitIndex` of a foreach split, one level fewer at a foreach join or a loop's exit.
 */
export function childPosition(p: Positions, from: string, position: readonly number[], to: string, splitIndex?: number): number[] {
  const target = p.frames[to]!;
  if (isBackEdge(p.loops, from, to)) {
    const k = target.length - 1;
    return [...position.slice(0, k), position[k]! + 1];
  }
  const common = commonLength(p.frames[from]!, target);
  return [...position.slice(0, common), ...target.slice(common).map((f) => (f.kind === "loop" ? 0 : splitIndex!))];
}

/** A parent task, by step and id. */
export interface ParentRef {
  step: string;
  task: string;
}

/** What the parents of a task are found from, besides its id and the graph: the run's tasks in the datastore. */
export interface RunTasks {
  /** A finished task's transition (the steps it went to) and foreach size; undefined when it has not finished. */
  done(step: string, task: string): Promise<{ next: string[]; numSplits?: number } | undefined>;
  /** The ids of the tasks of a step that have started. */
  list(step: string): Promise<string[]>;
}

/**
 * The tasks whose results a task starts from, in join order. Where a switch chose
 * between several steps (a step after a switch's cases, a loop's first step), the
 * parent is the one that finished and went to this step; where a loop was left, the
 * parent is the last iteration. A task with one possible parent reads nothing to find it.
 */
export async function parentsOf(p: Positions, step: string, position: readonly number[], tasks: RunTasks): Promise<ParentRef[]> {
  const node = p.graph.nodes[step]!;
  if (node.joins?.kind === "foreach") {
    const split: ParentRef = { step: node.joins.split, task: taskIdOf(position, p.frames[step]) };
    const count = (await tasks.done(split.step, split.task))?.numSplits;
    if (count === undefined) throw new Error(`task ${split.step}/${split.task} has not finished with a foreach split, so ${step}/${split.task} has no inputs`);
    return Promise.all(Array.from({ length: count }, (_, i) => choose(p, step, node.prev.map((prev) => candidate(p, prev, step, [...position, i])), tasks)));
  }
  const candidates = node.prev.map((prev) => candidate(p, prev, step, position)).filter((c): c is Candidate => c !== undefined);
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = node.isJoin ? branchOf(node, c.step) : "";
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return Promise.all([...groups.values()].map((group) => choose(p, step, group, tasks)));
}

/** A possible parent: its step and the start of its position; `open` trailing loop iterations are the last ones run. */
interface Candidate {
  step: string;
  known: number[];
  open: number;
}

function candidate(p: Positions, prev: string, step: string, position: readonly number[]): Candidate | undefined {
  const mine = p.frames[step]!;
  const theirs = p.frames[prev]!;
  if (isBackEdge(p.loops, prev, step)) {
    const k = mine.length - 1;
    if (position[k] === 0) return undefined;
    return { step: prev, known: [...position.slice(0, k), position[k]! - 1], open: theirs.length - k - 1 };
  }
  // The first iteration of a loop is entered from outside it; later ones from inside.
  if (p.loops.bodies.has(step) && position.at(-1) !== 0) return undefined;
  const common = commonLength(theirs, mine);
  const known = position.slice(0, common);
  // A foreach join's input is one item deeper than the join.
  if (theirs[common]?.kind === "foreach" && position.length > common) known.push(position[common]!);
  return { step: prev, known, open: theirs.length - known.length };
}

async function choose(p: Positions, step: string, group: (Candidate | undefined)[], tasks: RunTasks): Promise<ParentRef> {
  const present = group.filter((c): c is Candidate => c !== undefined);
  if (present.length === 1 && present[0]!.open === 0) return { step: present[0]!.step, task: taskIdOf(present[0]!.known, p.frames[present[0]!.step]) };
  const refs = (await Promise.all(present.map((c) => resolve(p, c, tasks)))).filter((r): r is ParentRef => r !== undefined);
  const finished = await Promise.all(refs.map(async (r) => ((await tasks.done(r.step, r.task))?.next.includes(step) ? r : undefined)));
  const found = finished.filter((r): r is ParentRef => r !== undefined);
  if (found.length !== 1) {
    const looked = refs.length ? refs.map((r) => `${r.step}/${r.task}`).join(", ") : present.map((c) => c.step).join(", ");
    throw new Error(`${found.length === 0 ? "no finished task" : `${found.length} finished tasks`} of ${looked} went to ${step}; exactly one should have`);
  }
  return found[0]!;
}

/** The candidate's task id: where loops were left, the last iteration that started. */
async function resolve(p: Positions, c: Candidate, tasks: RunTasks): Promise<ParentRef | undefined> {
  const frames = p.frames[c.step]!;
  if (c.open === 0) return { step: c.step, task: taskIdOf(c.known, frames) };
  let last: number[] | undefined;
  for (const id of await tasks.list(c.step)) {
    let position: number[];
    try {
      position = positionOf(id, c.step, frames);
    } catch {
      continue;
    }
    if (!c.known.every((v, i) => position[i] === v)) continue;
    if (!last || compare(position, last) > 0) last = position;
  }
  return last && { step: c.step, task: taskIdOf(last, frames) };
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
