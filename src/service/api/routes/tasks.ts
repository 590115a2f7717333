import { z } from "zod";
import { notFound, runPath, stepPath, taskPath } from "../api-error.ts";
import { Attempt, AttemptBody, AttemptParams, ErrorBody, RegisterTaskBody, RunParams, Step, StepParams, Task, TaskParams } from "../schemas.ts";
import type { App, Repositories } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

/** Steps, tasks, attempts and task heartbeats. */
export function taskRoutes(app: App, { tasks }: Repositories): void {
  app.get("/flows/:flow/runs/:run/steps", { schema: { tags: ["steps"], params: RunParams, response: { 200: z.array(Step), ...errors } } }, async ({ params }) => {
    const steps = (await tasks.listSteps(params.flow, params.run)) ?? Promise.reject(notFound(runPath(params)));
    return (await steps).map((step) => ({ flow: params.flow, run: params.run, step }));
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
      const attempts = await tasks.listAttempts(params);
      if (attempts.length === 0 && !(await tasks.get(params))) throw notFound(taskPath(params));
      return attempts;
    },
  );

  for (const phase of ["start", "finish"] as const) {
    app.put(
      `/flows/:flow/runs/:run/steps/:step/tasks/:task/attempts/:attempt/${phase}`,
      { schema: { tags: ["tasks"], summary: `Records the ${phase} of an attempt`, params: AttemptParams, body: AttemptBody, response: { 204: z.null(), ...errors } } },
      async ({ params, body }, reply) => {
        if (body.attempt !== params.attempt) return reply.code(400).send({ error: "bad_request", message: `body.attempt: is ${body.attempt} but the path names attempt ${params.attempt}.`, field: "body.attempt" });
        if (!(await tasks.recordAttempt(params, phase, body))) throw notFound(runPath(params));
        return reply.code(204).send(null);
      },
    );
  }

  app.post(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/heartbeat",
    { schema: { tags: ["heartbeats"], summary: "Says the task, and so its run, is alive", params: TaskParams, response: { 204: z.null(), ...errors } } },
    async ({ params }, reply) => {
      if (!(await tasks.heartbeat(params))) throw notFound(taskPath(params));
      return reply.code(204).send(null);
    },
  );
}
