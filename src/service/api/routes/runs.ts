import { z } from "zod";
import { isValidId } from "../../../metadata/ids.ts";
import type { RunPosition } from "../../repositories/runs-repository.ts";
import { ApiError, notFound, runPath } from "../api-error.ts";
import { CreateRunBody, ErrorBody, Flow, FlowParams, Run, RunPage, RunOutline, RunParams, RunsQuery, RunState, TagsBody, TagsChange, TagsRemoval } from "../schemas.ts";
import type { App, Repositories } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

// Opaque to clients: base64url of `<created-at microseconds>/<run id>`, the last run of the page.
const cursorOf = (p: RunPosition) => Buffer.from(`${p.createdAtMicros}/${p.run}`).toString("base64url");

function positionOf(cursor: string): RunPosition {
  const [, createdAtMicros, run] = /^(\d{1,18})\/(.*)$/s.exec(Buffer.from(cursor, "base64url").toString("utf8")) ?? [];
  if (createdAtMicros === undefined || run === undefined || !isValidId(run)) {
    throw new ApiError(400, "bad_request", "querystring.cursor: must be the `next` value of a previous page.", "querystring.cursor");
  }
  return { createdAtMicros, run };
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
      const page = await runs.list(params.flow, { ...filter, tags: tag, ...(cursor === undefined ? {} : { after: positionOf(cursor) }), limit: limit ?? 100 });
      return { runs: page.runs, next: page.more && page.last ? cursorOf(page.last) : null };
    },
  );

  app.post(
    "/flows/:flow/runs",
    {
      schema: {
        tags: ["runs"],
        summary: "Records a run under the id in `run`, or allocates the flow's next number; 409 if the chosen id exists",
        params: FlowParams,
        body: CreateRunBody,
        response: { 201: Run, 409: ErrorBody, ...errors },
      },
    },
    async ({ params, body }, reply) => {
      const run = await runs.create({ flow: params.flow, ...body });
      if (run) return reply.code(201).send(run);
      // Only a chosen id can be taken already: allocated numbers never are.
      throw new ApiError(409, "conflict", `${runPath({ flow: params.flow, run: String(body.run) })} already exists; run ids must be unique per flow.`, "body.run");
    },
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
    "/flows/:flow/runs/:run/outline",
    { schema: { tags: ["runs"], summary: "Records the run's graph, parameter values and datastore (kind, root), for the UI; replaces an earlier one", params: RunParams, body: RunOutline, response: { 204: z.null(), ...errors } } },
    async ({ params, body }, reply) => {
      if (!(await runs.setOutline(params.flow, params.run, body as never))) throw notFound(runPath(params));
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
    "/flows/:flow/runs/:run/tags/add",
    { schema: { tags: ["runs"], summary: "Adds user tags atomically (concurrent additions all land); idempotent", params: RunParams, body: TagsBody, response: { 200: TagsChange, ...errors } } },
    async ({ params, body }) => {
      const tags = await runs.addTags(params.flow, params.run, body.tags);
      return tags ? { tags } : Promise.reject(notFound(runPath(params)));
    },
  );

  app.post(
    "/flows/:flow/runs/:run/tags/remove",
    {
      schema: {
        tags: ["runs"],
        summary: "Removes user tags atomically, all or nothing: if one is missing nothing changes and `missing` lists it",
        params: RunParams,
        body: TagsBody,
        response: { 200: TagsRemoval, ...errors },
      },
    },
    async ({ params, body }) => (await runs.removeTags(params.flow, params.run, body.tags)) ?? Promise.reject(notFound(runPath(params))),
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
