import { ownFlowMetadata } from "./class-metadata.ts";

/** Marks a method as a step of the flow. */
export function step<T extends (...args: never[]) => unknown>(method: T, context: ClassMethodDecoratorContext): T {
  const record = ownFlowMetadata(context.metadata);
  const name = String(context.name);
  if (!record.steps.includes(name)) record.steps.push(name);
  return method;
}
