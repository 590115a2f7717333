import type { FlowSpec } from "../flow/flow-spec.ts";

/** The artifact names of a flow class: its fields, not its steps, FlowSpec's members or `_private` fields. */
export type ArtifactName<F> = F extends FlowSpec
  ? Exclude<{ [K in keyof F]: F[K] extends (...args: never[]) => unknown ? never : K }[keyof F], keyof FlowSpec | `_${string}`> & string
  : string;

/** The type of artifact `K` of flow `F`, or unknown when no flow class was given. */
export type ArtifactValue<F, K> = F extends FlowSpec ? (K extends keyof F ? F[K] : unknown) : unknown;
