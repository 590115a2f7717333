// Symbol.metadata is not in Node 20; the stage-3 decorator transform reads it when the
// class is defined, so it must exist before any flow module is evaluated.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for("Symbol.metadata");

/** A decorator as the user wrote it, before its options are validated. */
export interface DecoratorUse {
  name: string;
  options: Record<string, unknown>;
  /**
   * The function form, `@resources((c) => ({ memory: c.settings.memory }))`: called with
   * the run's config values when the flow is bound to them (flow/config-bind.ts); `options`
   * is then empty.
   */
  fromConfigs?: (configs: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

export interface ParamDeclaration {
  field: string;
  options: Record<string, unknown>;
}

/** A field decorated with `@config` or `@includeFile`, with its options as written. */
export interface FieldDeclaration {
  field: string;
  options: Record<string, unknown>;
}

/** What the decorators of a flow class record about it. */
export interface FlowClassMetadata {
  steps: string[];
  stepDecorators: Record<string, DecoratorUse[]>;
  params: ParamDeclaration[];
  /** `@config` fields, in declaration order. */
  configs: FieldDeclaration[];
  /** `@includeFile` fields, in declaration order. */
  includeFiles: FieldDeclaration[];
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
          configs: [...inherited.configs],
          includeFiles: [...inherited.includeFiles],
          classDecorators: [...inherited.classDecorators],
        }
      : emptyRecord();
  }
  return bag[KEY]!;
}

/** The flow record of a class, or an empty one for a class without decorators. */
export function readFlowMetadata(flowClass: abstract new () => unknown): FlowClassMetadata {
  const metadata = (flowClass as { [Symbol.metadata]?: DecoratorMetadataObject | null })[Symbol.metadata];
  const record = metadata ? (metadata as Record<symbol, FlowClassMetadata | undefined>)[KEY] : undefined;
  return record ?? emptyRecord();
}

function emptyRecord(): FlowClassMetadata {
  return { steps: [], stepDecorators: {}, params: [], configs: [], includeFiles: [], classDecorators: [] };
}
