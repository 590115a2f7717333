import { ownFlowMetadata, type DecoratorUse } from "../class-metadata.ts";

/**
 * A step decorator records its name and raw options; the options are validated by the
 * decorator's schema when the flow is loaded for a run (see ./specs.ts), so that a task
 * process does not pay for validation it does not need.
 */
export function stepDecorator<O extends object>(name: string) {
  return (options?: O) =>
    function (method: unknown, context: ClassMethodDecoratorContext) {
      const record = ownFlowMetadata(context.metadata);
      const uses = (record.stepDecorators[String(context.name)] ??= []);
      // Decorators apply bottom-up; unshift keeps them in source order.
      uses.unshift({ name, options: { ...(options ?? {}) } } satisfies DecoratorUse);
      return method as never;
    };
}

export function classDecorator<O extends object>(name: string) {
  return (options?: O) =>
    function (flowClass: unknown, context: ClassDecoratorContext) {
      ownFlowMetadata(context.metadata).classDecorators.unshift({ name, options: { ...(options ?? {}) } });
      return flowClass as never;
    };
}
