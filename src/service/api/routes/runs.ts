import { z } from "zod";
import { ApiError, notFound, runPath } from "../api-error.ts";
import { CreateRunBody, ErrorBody, Flow, FlowParams, Run, RunPage, RunParams, RunsQuery, RunState, TagsBody } from "../schemas.ts";
import type { App, Repositories } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };
const cursorOf = (run: string) => Buffer.from(run).toString("base64url");

function beforeOf(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^\d{1,18}$/.test(text)) throw new ApiError(400, "bad_request", "querystring.cursor: must be the `next` value of a previous page.", "querystring.cursor");
  return Number(text);
}

/** Flows, runs, run state, tags and run heartbeats. */
export function runRoutes(app: App, { runs }: Repositories): void {
  app.get("/flows", { schema: { tags: ["flows"], summary: "Every flow with a run, by name", response: { 200: z.array(Flow) } } }, () => runs.listFlows());

  app.get("/flows/:flow", { schema: { tags: ["flows"], params: FlowParams, response: { 200: Flow, ...errors } } }, async ({ params }) => {
    return (await runs.getFlow(params.flow)) ?? Promise.reject(notFound(`Flow ${params.flow}`));
  });

  app.get(
    "/flows/:flow/runs",
    { schema: { tags: ["runs"], summary: "Runs newest first, filtered, a page at a time", params: FlowParams, querystring: RunsQuery, response: { 200: RunPage, ...errors } } },
    async ({ params, query }) => {
      if (!(await runs.getFlow(params.flow))) throw notFound(`Flow ${params.flow}`);
      const { tag, cursor, limit, ...filter } = query;
      const page = await runs.list(params.flow, { ...filter, tags: tag, before: cursor === undefined ? undefined : beforeOf(cursor), limit: limit ?? 100 });
      return { runs: page.runs, next: page.more ? cursorOf(page.runs.at(-1)!.run) : null };
    },
  );

  app.post(
    "/flows/:flow/runs",
    { schema: { tags: ["runs"], summary: "Allocates the flow's next run id and records the run", params: FlowParams, body: CreateRunBody, response: { 201: Run, ...errors } } },
    async ({ params, body }, reply) => reply.code(201).send(await runs.create({ flow: params.flow, ...body })),
  );

  app.get("/flows/:flow/runs/:run", { schema: { tags: ["runs"], params: RunParams, response: { 200: Run, ...errors } } }, async ({ params }) => {
    return (await runs.get(params.flow, params.run)) ?? Promise.reject(notFound(runPath(params)));
  });

  app.put(
    "/flows/:flow/runs/:run/state",
    { schema: { tags: ["runs"], summary: "Replaces the run's state", params: RunParams, body: RunState, response: { 204: z.null(), ...errors } } },
    async ({ params, body }, reply) => {
      if (!(await runs.setState(params.flow, params.run, body))) throw notFound(runPath(params));
      return reply.code(204).send(null);
    },
  );

  app.put(
    "/flows/:flow/runs/:run/tags",
    { schema: { tags: ["runs"], summary: "Replaces the run's user tags; system tags are untouched", params: RunParams, body: TagsBody, response: { 204: z.null(), ...errors } } },
    async ({ params, body }, reply) => {
      if (!(await runs.setTags(params.flow, params.run, body.tags))) throw notFound(runPath(params));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/flows/:flow/runs/:run/heartbeat",
    { schema: { tags: ["heartbeats"], summary: "Says the run's runner is alive", params: RunParams, response: { 204: z.null(), ...errors } } },
    async ({ params }, reply) => {
      if (!(await runs.heartbeat(params.flow, params.run))) throw notFound(runPath(params));
      return reply.code(204).send(null);
    },
  );
}
