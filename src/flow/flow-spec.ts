import { WeftError } from "../errors/weft-error.ts";
import type { Inputs } from "./inputs.ts";

/** What a running task provides to the flow instance; installed by the task executor. */
export interface TaskBinding {
  next(transition: CalledTransition): void;
  readonly input: unknown;
  readonly index: number;
  mergeArtifacts(inputs: Inputs<FlowSpec>, options: MergeOptions): void;
}

export interface MergeOptions {
  /** Only these artifacts. */
  include?: string[];
  /** All but these artifacts. */
  exclude?: string[];
}

export interface NextOptions {
  /** Name of an array artifact: one task of the target step per item. */
  foreach: string;
}

export interface SwitchOptions {
  /** Name of the artifact whose value is the key of the case that runs. */
  condition: string;
}

/** A transition as a step called it, by step names. */
export interface CalledTransition {
  targets: string[];
  foreach?: string;
  switch?: { condition: string; cases: Record<string, string> };
}

type StepRef = (...args: never[]) => unknown;

export const TASK_BINDING = Symbol.for("weft.taskBinding");

/**
 * Base class of every flow. Fields are artifacts; methods decorated with `@step`
 * are steps. The flow's name is the class name.
 */
export abstract class FlowSpec {
  declare [TASK_BINDING]: TaskBinding | undefined;

  /**
   * The transition out of this step; always its last statement.
   * `this.next(this.a)`, `this.next(this.a, this.b)` (branch),
   * `this.next(this.a, { foreach: "items" })`, or a switch,
   * `this.next({ fast: this.a, slow: this.b }, { condition: "mode" })`: only the step
   * whose key is the value of artifact `mode` runs.
   */
  next(cases: Record<string | number, StepRef>, options: SwitchOptions): void;
  next(first: StepRef, ...rest: (StepRef | NextOptions)[]): void;
  next(first: StepRef | Record<string | number, StepRef>, ...rest: (StepRef | NextOptions | SwitchOptions)[]): void {
    if (typeof first === "object" && first !== null) {
      const cases = Object.fromEntries(Object.entries(first).map(([key, target]) => [key, stepNameOf(target)]));
      const condition = (rest[0] as SwitchOptions | undefined)?.condition;
      if (typeof condition !== "string") throw new WeftError("TRANSITION_MISMATCH", `A switch takes its condition as a string: this.next({ … }, { condition: "mode" }), got ${typeof condition}.`);
      return binding(this).next({ targets: Object.values(cases), switch: { condition, cases } });
    }
    const args: unknown[] = [first, ...rest];
    const last = args[args.length - 1];
    const foreach = typeof last === "object" && last !== null ? (args.pop() as NextOptions).foreach : undefined;
    binding(this).next({ targets: args.map(stepNameOf), ...(foreach === undefined ? {} : { foreach }) });
  }

  /** The item of the foreach this task belongs to. */
  get input(): unknown {
    return binding(this).input;
  }

  /** The position of `input` in the foreach list. */
  get index(): number {
    return binding(this).index;
  }

  /**
   * In a join: carries artifacts over from the inputs. An artifact with one value
   * across all inputs is kept; different values are an error unless excluded or set
   * in this step first.
   */
  mergeArtifacts(inputs: Inputs<FlowSpec> | Inputs<never>, options: MergeOptions = {}): void {
    binding(this).mergeArtifacts(inputs as Inputs<FlowSpec>, options);
  }
}

function stepNameOf(target: unknown): string {
  if (typeof target !== "function") throw new WeftError("TRANSITION_MISMATCH", `this.next() takes steps such as this.train, got ${typeof target}.`);
  return target.name;
}

function binding(flow: FlowSpec): TaskBinding {
  const bound = flow[TASK_BINDING];
  if (!bound) {
    throw new WeftError("USAGE", "This flow instance is not running as a task.", {
      hint: "Run flows with `weft run flow.ts`; steps are not meant to be called directly.",
    });
  }
  return bound;
}

/** Names FlowSpec itself uses; a step or artifact may not take them. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "next",
  "input",
  "index",
  "mergeArtifacts",
  "constructor",
  "name",
  "foreachStack",
  "current",
  "toString",
  "valueOf",
]);
