import { z } from "zod";
import { notFound, runPath, taskPath } from "../api-error.ts";
import { AttemptParams, Cards, CardsBody, ErrorBody, TaskParams } from "../schemas.ts";
import type { App, Repositories } from "./context.ts";

const errors = { 400: ErrorBody, 404: ErrorBody };

/** Where each task's cards are: the HTML stays in the datastore, at each card's `location`. */
export function cardRoutes(app: App, { tasks, cards }: Repositories): void {
  app.put(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/attempts/:attempt/cards",
    { schema: { tags: ["cards"], summary: "Records the cards an attempt stored, replacing what it recorded before", params: AttemptParams, body: CardsBody, response: { 204: z.null(), ...errors } } },
    async ({ params: { attempt, ...ref }, body }, reply) => {
      if (!(await cards.record(ref, attempt, body.cards))) throw notFound(runPath(ref));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/flows/:flow/runs/:run/steps/:step/tasks/:task/cards",
    { schema: { tags: ["cards"], summary: "Every attempt's cards, by attempt then id", params: TaskParams, response: { 200: Cards, ...errors } } },
    async ({ params }) => {
      const list = await cards.list(params);
      if (list.length === 0 && !(await tasks.get(params))) throw notFound(taskPath(params));
      return list;
    },
  );
}
