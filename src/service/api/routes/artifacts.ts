import { z } from "zod";
import { notFound, taskPath } from "../api-error.ts";
import { Artifacts, ErrorBody, Metadata, TaskParams } from "../schemas.ts";
import type { App, Repositories } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

/** Artifacts' metadata (never their bytes) and task metadata, as the attempts' start and finish recorded them. */
export function artifactRoutes(app: App, { tasks, attempts }: Repositories): void {
  const listed = async <T>(params: z.infer<typeof TaskParams>, items: T[]): Promise<T[]> => {
    if (items.length === 0 && !(await tasks.get(params))) throw notFound(taskPath(params));
    return items;
  };

  app.get(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/artifacts",
    { schema: { tags: ["artifacts"], summary: "Every attempt's artifacts, by attempt then name", params: TaskParams, response: { 200: Artifacts, ...errors } } },
    async ({ params }) => listed(params, await attempts.listArtifacts(params)),
  );

  app.get(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/metadata",
    { schema: { tags: ["metadata"], summary: "Task metadata, by attempt then field", params: TaskParams, response: { 200: Metadata, ...errors } } },
    async ({ params }) => listed(params, await attempts.listMetadata(params)),
  );
}
