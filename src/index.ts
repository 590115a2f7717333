import "./flow/class-metadata.ts";

export { FlowSpec, type MergeOptions, type NextOptions } from "./flow/flow-spec.ts";
export { step } from "./flow/step.ts";
export { param, type ParamOptions, type ParamType } from "./flow/param.ts";
export { config, configExpr, type ConfigOptions } from "./flow/config.ts";
export { includeFile, type IncludeFileOptions } from "./flow/include-file.ts";
export type { DecoratorArgument } from "./flow/decorators/use.ts";
export { current, type CurrentTask, type ForeachFrame, type MetricOptions } from "./flow/current.ts";
export type { CardCollection, CardHandle } from "./flow/card-api.ts";
export type { Inputs, InputTask } from "./flow/inputs.ts";
export * from "./flow/decorators/catalog.ts";
export { WeftError } from "./errors/weft-error.ts";
export { registerSerializer, type ArtifactSerializer } from "./datastore/serializers/registry.ts";
