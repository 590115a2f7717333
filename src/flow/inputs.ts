import type { FlowSpec } from "./flow-spec.ts";

type StepNames<F> = {
  [K in keyof F]: K extends keyof FlowSpec ? never : F[K] extends (...args: never[]) => unknown ? K : never;
}[keyof F];

/** A read-only view of one incoming task of a join. */
export type InputTask<F> = Readonly<Omit<F, keyof FlowSpec>> & { readonly input: unknown; readonly index: number };

/**
 * The `inputs` of a join step: iterable over the incoming tasks in order (foreach
 * index, or the order of the branches in `this.next`), and for static branches also
 * addressable by step name: `inputs.train.score`.
 */
export type Inputs<F> = Iterable<InputTask<F>> & {
  readonly length: number;
  at(position: number): InputTask<F> | undefined;
} & { readonly [K in StepNames<F>]: InputTask<F> };
