export { Flow } from "./flow.ts";
export { Run } from "./run.ts";
export { Step } from "./step.ts";
export { Task } from "./task.ts";
export { Artifact } from "./artifact.ts";
export { AsyncList } from "./async-list.ts";
export { namespace, defaultNamespace } from "./namespace.ts";
export { useConfig } from "./context.ts";
export type { ArtifactName, ArtifactValue } from "./types.ts";
