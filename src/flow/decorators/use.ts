import { ownFlowMetadata, type DecoratorUse } from "../class-metadata.ts";

/**
 * A decorator's options, or a function of the run's config values that returns them:
 * `@resources((c: Pick<TrainFlow, "settings">) => ({ memory: c.settings.memory }))`.
 * The function runs when the run starts (or the flow is deployed), never in a task.
 */
export type DecoratorArgument<O extends object> = O | ((configs: Readonly<Record<string, any>>) => O);

/** One decorator use as recorded: the options object, or the function form kept for binding. */
function useOf(name: string, argument: DecoratorArgument<object> | undefined): DecoratorUse {
  if (typeof argument === "function") return { name, options: {}, fromConfigs: argument as DecoratorUse["fromConfigs"] };
  return { name, options: { ...(argument ?? {}) } };
}

/**
 * A step decorator records its name and raw options; the options are validated by the
 * decorator's schema when the flow is loaded for a run (see ./specs.ts), so that a task
 * process does not pay for validation it does not need.
 */
export function stepDecorator<O extends object>(name: string) {
  return (options?: DecoratorArgument<O>) =>
    function (method: unknown, context: ClassMethodDecoratorContext) {
      const record = ownFlowMetadata(context.metadata);
      const uses = (record.stepDecorators[String(context.name)] ??= []);
      // Decorators apply bottom-up; unshift keeps them in source order.
      uses.unshift(useOf(name, options));
      return method as never;
    };
}

export function classDecorator<O extends object>(name: string) {
  return (options?: DecoratorArgument<O>) =>
    function (flowClass: unknown, context: ClassDecoratorContext) {
      ownFlowMetadata(context.metadata).classDecorators.unshift(useOf(name, options));
      return flowClass as never;
    };
}
