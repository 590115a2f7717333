import { z } from "zod";
import type { UiSource } from "../../ui/types.ts";
import { notFound, runPath, taskPath } from "../api-error.ts";
import { Artifacts, Attempt, Cards, ErrorBody, Flow, Metadata, MetricsQuery, Run, RunMetrics, RunParams, TagsBody, TagsChange, TagsRemoval, Task, TaskMetrics, TaskParams } from "../schemas.ts";
import type { App } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

/**
 * The resource routes the web UI reads (and the tag changes it makes, and the cards and
 * metrics it lists), over a UiSource,
 * at the metadata service's paths and with its schemas: what `weft ui` on local
 * metadata serves where the service has its own.
 */
export function uiResourceRoutes(app: App, source: UiSource): void {
  app.get("/flows", { schema: { tags: ["flows"], response: { 200: z.array(Flow) } } }, () => source.listFlows());

  app.get("/flows/:flow/runs/:run", { schema: { tags: ["runs"], params: RunParams, response: { 200: Run, ...errors } } }, async ({ params }) => {
    return (await source.getRun(params.flow, params.run)) ?? Promise.reject(notFound(runPath(params)));
  });

  app.post("/flows/:flow/runs/:run/tags/add", { schema: { tags: ["runs"], params: RunParams, body: TagsBody, response: { 200: TagsChange, ...errors } } }, async ({ params, body }) => {
    const tags = await source.addTags(params.flow, params.run, body.tags);
    return tags ? { tags } : Promise.reject(notFound(runPath(params)));
  });

  app.post("/flows/:flow/runs/:run/tags/remove", { schema: { tags: ["runs"], params: RunParams, body: TagsBody, response: { 200: TagsRemoval, ...errors } } }, async ({ params, body }) => {
    return (await source.removeTags(params.flow, params.run, body.tags)) ?? Promise.reject(notFound(runPath(params)));
  });

  const task = "/flows/:flow/runs/:run/steps/:step/tasks/:task";
  app.get(task, { schema: { tags: ["tasks"], params: TaskParams, response: { 200: Task, ...errors } } }, async ({ params }) => {
    return (await source.getTask(params)) ?? Promise.reject(notFound(taskPath(params)));
  });
  const listed = <T>(read: (ref: z.infer<typeof TaskParams>) => Promise<T[]>) => async ({ params }: { params: z.infer<typeof TaskParams> }) => {
    const items = await read(params);
    if (items.length === 0 && !(await source.getTask(params)) && (await source.listAttempts(params)).length === 0) throw notFound(taskPath(params));
    return items;
  };
  app.get(`${task}/attempts`, { schema: { tags: ["tasks"], params: TaskParams, response: { 200: z.array(Attempt), ...errors } } }, listed((ref) => source.listAttempts(ref)));
  app.get(`${task}/artifacts`, { schema: { tags: ["artifacts"], params: TaskParams, response: { 200: Artifacts, ...errors } } }, listed((ref) => source.listArtifacts(ref)));
  app.get(`${task}/metadata`, { schema: { tags: ["metadata"], params: TaskParams, response: { 200: Metadata, ...errors } } }, listed((ref) => source.listMetadata(ref)));
  app.get(`${task}/cards`, { schema: { tags: ["cards"], summary: "Every attempt's cards, by attempt then id", params: TaskParams, response: { 200: Cards, ...errors } } }, listed((ref) => source.listCards(ref)));
  app.get(
    `${task}/metrics`,
    { schema: { tags: ["metrics"], summary: "Every attempt's metrics, by attempt then name, each in step order", params: TaskParams, querystring: MetricsQuery, response: { 200: TaskMetrics, ...errors } } },
    async ({ params, query }) => listed((ref) => source.listMetrics(ref, query))({ params }),
  );
  app.get(
    "/flows/:flow/runs/:run/metrics",
    { schema: { tags: ["metrics"], summary: "The metrics of every task of the run, by step, task, attempt and name", params: RunParams, querystring: MetricsQuery, response: { 200: RunMetrics, ...errors } } },
    async ({ params, query }) => {
      const list = await source.listRunMetrics(params.flow, params.run, query);
      if (list.length === 0 && !(await source.getRun(params.flow, params.run))) throw notFound(runPath(params));
      return list;
    },
  );
}
