// Symbol.metadata is not in Node 20; the stage-3 decorator transform reads it when the
// class is defined, so it must exist before any flow module is evaluated.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for("Symbol.metadata");

/** A decorator as the user wrote it, before its options are validated. */
export interface DecoratorUse {
  name: string;
  options: Record<string, unknown>;
}

export interface ParamDeclaration {
  field: string;
  options: Record<string, unknown>;
}

/** What the decorators of a flow class record about it. */
export interface FlowClassMetadata {
  steps: string[];
  stepDecorators: Record<string, DecoratorUse[]>;
  params: ParamDeclaration[];
  classDecorators: DecoratorUse[];
}

const KEY = Symbol.for("weft.flow");

/**
 * The flow record of a decorator's metadata object. Metadata objects of subclasses
 * inherit from their parent's, so the record is copied before the first write to
 * keep a subclass from changing its parent.
 */
export function ownFlowMetadata(metadata: DecoratorMetadataObject): FlowClassMetadata {
  const bag = metadata as Record<symbol, FlowClassMetadata | undefined>;
  if (!Object.hasOwn(bag, KEY)) {
    const inherited = bag[KEY];
    bag[KEY] = inherited
      ? {
          steps: [...inherited.steps],
          stepDecorators: Object.fromEntries(Object.entries(inherited.stepDecorators).map(([k, v]) => [k, [...v]])),
          params: [...inherited.params],
          classDecorators: [...inherited.classDecorators],
        }
      : { steps: [], stepDecorators: {}, params: [], classDecorators: [] };
  }
  return bag[KEY]!;
}

/** The flow record of a class, or an empty one for a class without decorators. */
export function readFlowMetadata(flowClass: abstract new () => unknown): FlowClassMetadata {
  const metadata = (flowClass as { [Symbol.metadata]?: DecoratorMetadataObject | null })[Symbol.metadata];
  const record = metadata ? (metadata as Record<symbol, FlowClassMetadata | undefined>)[KEY] : undefined;
  return record ?? { steps: [], stepDecorators: {}, params: [], classDecorators: [] };
}
