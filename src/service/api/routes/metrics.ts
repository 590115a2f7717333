import { z } from "zod";
import { notFound, runPath, taskPath } from "../api-error.ts";
import { AttemptParams, ErrorBody, MetricsBody, MetricsQuery, RunMetrics, RunParams, TaskMetrics, TaskParams } from "../schemas.ts";
import type { PointTuple } from "../../repositories/metrics-repository.ts";
import type { App, Repositories } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

/**
 * Metrics (`current.logMetric`): every point is kept; a reader asks for at most
 * `maxPoints` per series to draw it (first and last kept, spikes kept), or 0 for the
 * summary alone (count and last point).
 */
export function metricRoutes(app: App, { tasks, metrics }: Repositories): void {
  app.put(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/attempts/:attempt/metrics",
    {
      // A million points of ~40 bytes: the largest series a task may log.
      bodyLimit: 64 * 1024 * 1024,
      schema: { tags: ["metrics"], summary: "Records every point an attempt logged, replacing what it recorded before", params: AttemptParams, body: MetricsBody, response: { 204: z.null(), ...errors } },
    },
    async ({ params: { attempt, ...ref }, body }, reply) => {
      const file = Object.fromEntries(Object.entries(body.metrics).map(([name, points]) => [name, (points as PointTuple[]).map(([step, value, time]) => ({ step, value, time }))]));
      if (!(await metrics.record(ref, attempt, file))) throw notFound(runPath(ref));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/metrics",
    { schema: { tags: ["metrics"], summary: "Every attempt's metrics, by attempt then name, each in step order", params: TaskParams, querystring: MetricsQuery, response: { 200: TaskMetrics, ...errors } } },
    async ({ params, query }) => {
      const list = await metrics.listTask(params, query);
      if (list.length === 0 && !(await tasks.get(params))) throw notFound(taskPath(params));
      return list;
    },
  );

  app.get(
    "/flows/:flow/runs/:run/metrics",
    { schema: { tags: ["metrics"], summary: "The metrics of every task of the run, by step, task, attempt and name", params: RunParams, querystring: MetricsQuery, response: { 200: RunMetrics, ...errors } } },
    async ({ params, query }) => {
      const list = await metrics.listRun(params.flow, params.run, query);
      if (list.length === 0 && !(await tasks.listSteps(params.flow, params.run))) throw notFound(runPath(params));
      return list;
    },
  );
}
