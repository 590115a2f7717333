import { z } from "zod";
import { notFound, runPath, taskPath } from "../api-error.ts";
import { Artifacts, ArtifactsBody, ErrorBody, Metadata, MetadataBody, TaskParams } from "../schemas.ts";
import type { App, Repositories } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

/** Artifacts' metadata (never their bytes) and task metadata. */
export function artifactRoutes(app: App, { tasks, artifacts }: Repositories): void {
  const listed = async <T>(params: z.infer<typeof TaskParams>, items: T[]): Promise<T[]> => {
    if (items.length === 0 && !(await tasks.get(params))) throw notFound(taskPath(params));
    return items;
  };

  app.get(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/artifacts",
    { schema: { tags: ["artifacts"], summary: "Every attempt's artifacts, by attempt then name", params: TaskParams, response: { 200: Artifacts, ...errors } } },
    async ({ params }) => listed(params, await artifacts.listArtifacts(params)),
  );

  app.post(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/artifacts",
    { schema: { tags: ["artifacts"], summary: "Records artifacts' metadata; a repeated attempt and name replaces it", params: TaskParams, body: ArtifactsBody, response: { 204: z.null(), ...errors } } },
    async ({ params, body }, reply) => {
      if (!(await artifacts.registerArtifacts(params, body.artifacts))) throw notFound(runPath(params));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/metadata",
    { schema: { tags: ["metadata"], summary: "Task metadata, by attempt then field", params: TaskParams, response: { 200: Metadata, ...errors } } },
    async ({ params }) => listed(params, await artifacts.listMetadata(params)),
  );

  app.post(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/metadata",
    { schema: { tags: ["metadata"], summary: "Records task metadata; a repeated attempt and field replaces it", params: TaskParams, body: MetadataBody, response: { 204: z.null(), ...errors } } },
    async ({ params, body }, reply) => {
      if (!(await artifacts.registerMetadata(params, body.entries))) throw notFound(runPath(params));
      return reply.code(204).send(null);
    },
  );
}
