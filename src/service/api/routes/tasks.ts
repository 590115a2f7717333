import { z } from "zod";
import { ApiError, notFound, runPath, stepPath, taskPath } from "../api-error.ts";
import { Attempt, AttemptParams, FinishBody, ErrorBody, RegisterTaskBody, RunParams, StartBody, Step, StepParams, Task, TaskParams } from "../schemas.ts";
import type { App, Repositories } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

function checkAttempt(inPath: number, inBody: number): void {
  if (inPath !== inBody) throw new ApiError(400, "bad_request", `body.attempt: is ${inBody} but the path names attempt ${inPath}.`, "body.attempt");
}

/** Steps, tasks, attempts and task heartbeats. */
export function taskRoutes(app: App, { tasks, attempts }: Repositories): void {
  app.get("/flows/:flow/runs/:run/steps", { schema: { tags: ["steps"], params: RunParams, response: { 200: z.array(Step), ...errors } } }, async ({ params }) => {
    const steps = await tasks.listSteps(params.flow, params.run);
    if (!steps) throw notFound(runPath(params));
    return steps.map((step) => ({ flow: params.flow, run: params.run, step }));
  });

  app.get("/flows/:flow/runs/:run/steps/:step", { schema: { tags: ["steps"], params: StepParams, response: { 200: Step, ...errors } } }, async ({ params }) => {
    if (!(await tasks.hasStep(params.flow, params.run, params.step))) throw notFound(stepPath(params));
    return params;
  });

  app.get("/flows/:flow/runs/:run/steps/:step/tasks", { schema: { tags: ["tasks"], params: StepParams, response: { 200: z.array(Task), ...errors } } }, async ({ params }) => {
    return (await tasks.list(params.flow, params.run, params.step)) ?? Promise.reject(notFound(stepPath(params)));
  });

  app.post(
    "/flows/:flow/runs/:run/steps/:step/tasks",
    { schema: { tags: ["tasks"], summary: "Registers a task (and its step on first sight); registering it again replaces it", params: StepParams, body: RegisterTaskBody, response: { 201: z.null(), ...errors } } },
    async ({ params, body }, reply) => {
      if (!(await tasks.register({ ...params, ...body }))) throw notFound(runPath(params));
      return reply.code(201).header("location", `/flows/${params.flow}/runs/${params.run}/steps/${params.step}/tasks/${body.task}`).send(null);
    },
  );

  app.get("/flows/:flow/runs/:run/steps/:step/tasks/:task", { schema: { tags: ["tasks"], params: TaskParams, response: { 200: Task, ...errors } } }, async ({ params }) => {
    return (await tasks.get(params)) ?? Promise.reject(notFound(taskPath(params)));
  });

  app.get(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/attempts",
    { schema: { tags: ["tasks"], summary: "Started attempts in order, each its start merged with its end", params: TaskParams, response: { 200: z.array(Attempt), ...errors } } },
    async ({ params }) => {
      const list = await attempts.list(params);
      if (list.length === 0 && !(await tasks.get(params))) throw notFound(taskPath(params));
      return list;
    },
  );

  app.put(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/attempts/:attempt/start",
    {
      // Facts and a failure fit in a few MiB; refusing more before parsing keeps a flood of large bodies from filling memory.
      bodyLimit: 8 * 1024 * 1024,
      schema: { tags: ["tasks"], summary: "Records the start of an attempt and facts about it (task metadata)", params: AttemptParams, body: StartBody, response: { 204: z.null(), ...errors } },
    },
    async ({ params, body: { metadata, ...attempt } }, reply) => {
      checkAttempt(params.attempt, attempt.attempt);
      if (!(await attempts.record(params, { phase: "start", attempt, metadata }))) throw notFound(runPath(params));
      return reply.code(204).send(null);
    },
  );

  app.put(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/attempts/:attempt/finish",
    {
      // Up to 10,000 artifacts of ~1,600 characters each, plus a failure: the one large body.
      bodyLimit: 32 * 1024 * 1024,
      schema: { tags: ["tasks"], summary: "Records the end of an attempt and the artifacts it saved", params: AttemptParams, body: FinishBody, response: { 204: z.null(), ...errors } },
    },
    async ({ params, body: { artifacts, ...attempt } }, reply) => {
      checkAttempt(params.attempt, attempt.attempt);
      if (!(await attempts.record(params, { phase: "finish", attempt, artifacts }))) throw notFound(runPath(params));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/heartbeat",
    { schema: { tags: ["heartbeats"], summary: "Says the task, and so its run, is alive", params: TaskParams, response: { 204: z.null(), ...errors } } },
    async ({ params }, reply) => {
      if (!(await tasks.heartbeat(params))) throw notFound(taskPath(params));
      return reply.code(204).send(null);
    },
  );
}
