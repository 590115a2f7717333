import { Readable } from "node:stream";
import { z } from "zod";
import type { TaskRef } from "../../../datastore/layout.ts";
import { readRange } from "../../../datastore/read-range.ts";
import type { StorageBackend } from "../../../datastore/types.ts";
import { addForeachInputs } from "../../ui/foreach-inputs.ts";
import { logKey, MAX_LOG_READ, readLog, searchLog } from "../../ui/logs.ts";
import { previewArtifact } from "../../ui/preview/artifact-preview.ts";
import { tailLog } from "../../ui/tail.ts";
import type { UiSource } from "../../ui/types.ts";
import { ApiError, notFound, runPath, taskPath } from "../api-error.ts";
import { ErrorBody, RunOutline, RunParams } from "../schemas.ts";
import { AcrossRunsQuery, ArtifactParams, ArtifactPreview, LogChunk, LogDownloadQuery, LogMatches, LogParams, LogQuery, LogSearchQuery, LogTailQuery, PreviewQuery, RunsAcrossPage, TaskSummariesQuery, TaskSummary } from "../ui-schemas.ts";
import type { App } from "./context.ts";
import { datastore } from "./ui-datastore.ts";
import { uiReportRoutes } from "./ui-reports.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

/**
 * What the web UI reads beyond the resource routes: runs across flows, a run's outline
 * and task summaries, logs by byte range, search, download and live tail, artifact
 * previews. Served by the metadata service and by `weft ui` on local metadata alike,
 * each over its own UiSource.
 */
export function uiRoutes(app: App, source: UiSource): void {
  app.get(
    "/runs",
    { schema: { tags: ["ui"], summary: "Runs of every flow (or `flow`), newest first, filtered, a page at a time", querystring: AcrossRunsQuery, response: { 200: RunsAcrossPage, 400: ErrorBody } } },
    async ({ query }) => {
      const { tag, limit, ...filter } = query;
      return source.listRuns({ ...filter, ...(tag ? { tags: tag } : {}), limit: limit ?? 100 });
    },
  );

  app.get(
    "/flows/:flow/runs/:run/outline",
    { schema: { tags: ["ui"], summary: "The run's graph, parameter values and datastore (kind, root)", params: RunParams, response: { 200: RunOutline, ...errors } } },
    async ({ params }) => {
      const outline = await source.getOutline(params.flow, params.run);
      if (outline === undefined) throw notFound(runPath(params));
      if (outline === null) throw new ApiError(404, "not_found", `${runPath(params)} has no outline on record: it was started by a Weft without the web UI.`);
      return outline;
    },
  );

  app.get(
    "/flows/:flow/runs/:run/tasks",
    {
      schema: { tags: ["ui"], summary: "Every task of the run (or of `step`) with its attempts, latest status and foreach input, in one call", params: RunParams, querystring: TaskSummariesQuery, response: { 200: z.array(TaskSummary), ...errors } },
    },
    async ({ params, query }) => {
      const tasks = await source.listTaskSummaries(params.flow, params.run, query.step);
      if (!tasks) throw notFound(runPath(params));
      const [outline, store] = await Promise.all([source.getOutline(params.flow, params.run), source.datastoreOf(params.flow, params.run).catch(() => undefined)]);
      if (outline && store) await addForeachInputs(source, store, params, outline, tasks);
      return tasks;
    },
  );

  const base = "/flows/:flow/runs/:run/steps/:step/tasks/:task";
  app.get(
    `${base}/logs/:stream`,
    { schema: { tags: ["ui"], summary: "Up to `length` bytes (at most 1 MiB) of an attempt's log from `offset` (negative: from the end), as whole UTF-8 characters", params: LogParams, querystring: LogQuery, response: { 200: LogChunk, ...errors } } },
    async ({ params, query }) => {
      const { store, attempt } = await logTarget(source, params, query.attempt);
      return (await readLog(store, params, attempt, params.stream, query.offset ?? 0, query.length ?? 64 * 1024)) ?? Promise.reject(noLog(params, attempt));
    },
  );

  app.get(
    `${base}/logs/:stream/search`,
    { schema: { tags: ["ui"], summary: "Lines of an attempt's log containing `q` (case-insensitive), with their byte offsets", params: LogParams, querystring: LogSearchQuery, response: { 200: LogMatches, ...errors } } },
    async ({ params, query }) => {
      const { store, attempt } = await logTarget(source, params, query.attempt);
      const found = await searchLog(store, params, attempt, params.stream, query.q, query.limit ?? 200);
      return found ? { attempt, ...found } : Promise.reject(noLog(params, attempt));
    },
  );

  app.get(
    `${base}/logs/:stream/download`,
    { schema: { tags: ["ui"], summary: "An attempt's whole log as text/plain, streamed", params: LogParams, querystring: LogDownloadQuery, produces: ["text/plain"] } },
    async ({ params, query }, reply) => {
      const { store, attempt } = await logTarget(source, params, query.attempt);
      const [size] = await store.sizes([logKey(params, attempt, params.stream)]);
      if (size === null || size === undefined) throw noLog(params, attempt);
      const name = `${params.flow}-${params.run}-${params.step}-${params.task}-${attempt}.${params.stream}.txt`;
      return reply
        .header("content-type", "text/plain; charset=utf-8")
        .header("content-disposition", `attachment; filename="${name}"`)
        .header("content-length", String(size))
        .send(Readable.from(pages(store, logKey(params, attempt, params.stream), size)));
    },
  );

  app.get(
    `${base}/logs/:stream/tail`,
    {
      schema: {
        tags: ["ui"],
        summary: "Server-sent events: `log` events ({ offset, end, size, text }) as the attempt's log grows from `offset`, then one `end` event when the attempt has finished",
        params: LogParams,
        querystring: LogTailQuery,
        produces: ["text/event-stream"],
        response: { ...errors },
      },
    },
    async (request, reply) => {
      const { params, query } = request;
      const { store, attempt } = await logTarget(source, params, query.attempt);
      reply.hijack();
      reply.raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-content-type-options": "nosniff" });
      const finished = async () => {
        const attempts = await source.listAttempts(params);
        const mine = attempts.find((a) => a.attempt === attempt);
        const run = await source.getRun(params.flow, params.run);
        return Boolean(mine && (mine.finishedAt !== undefined || mine.ok !== undefined)) || (run?.state?.status ?? "running") !== "running";
      };
      await tailLog({ store, ref: params, attempt, stream: params.stream, offset: query.offset ?? 0, finished, out: reply.raw, closed: request.raw });
    },
  );

  app.get(
    `${base}/artifacts/:name/preview`,
    {
      schema: {
        tags: ["ui"],
        summary: "A preview of an artifact's value, from at most `bytes` (default 1 MiB, at most 16 MiB) of it streamed from the datastore",
        params: ArtifactParams,
        querystring: PreviewQuery,
        response: { 200: ArtifactPreview, ...errors },
      },
    },
    async ({ params, query }) => {
      const { name, ...ref } = params;
      const artifacts = (await source.listArtifacts(ref)).filter((a) => a.name === name && (query.attempt === undefined || a.attempt === query.attempt));
      const artifact = artifacts.at(-1);
      if (!artifact) throw notFound(`Artifact "${name}" of ${taskPath(ref)}${query.attempt === undefined ? "" : ` (attempt ${query.attempt})`}`);
      const store = await datastore(source, ref);
      return (await previewArtifact(store, ref.flow, artifact, query.bytes)) ?? Promise.reject(new ApiError(404, "not_found", `Artifact "${name}" of ${taskPath(ref)}: its data ${artifact.sha.slice(0, 12)} is missing from the datastore at ${store.root}.`));
    },
  );

  uiReportRoutes(app, source);
}

/** The datastore and the attempt asked for (default: the latest started). */
async function logTarget(source: UiSource, ref: TaskRef, asked: number | undefined): Promise<{ store: StorageBackend; attempt: number }> {
  const store = await datastore(source, ref);
  if (asked !== undefined) return { store, attempt: asked };
  const latest = (await source.listAttempts(ref)).at(-1);
  if (!latest) throw notFound(`${taskPath(ref)} with a started attempt`);
  return { store, attempt: latest.attempt };
}

const noLog = (ref: TaskRef, attempt: number) => notFound(`A log of ${taskPath(ref)}, attempt ${attempt},`);

/** The object's bytes a page at a time. */
async function* pages(store: StorageBackend, key: string, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < size; offset += MAX_LOG_READ) {
    const piece = await readRange(store, key, offset, Math.min(MAX_LOG_READ, size - offset));
    if (!piece || piece.byteLength === 0) return;
    yield piece;
  }
}
