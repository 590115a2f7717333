import { CARD_RESPONSE_CSP, findCard, liveReports, MAX_CARD_BYTES } from "../../ui/reports.ts";
import type { UiSource } from "../../ui/types.ts";
import { ApiError, notFound, taskPath } from "../api-error.ts";
import { ErrorBody, TaskParams } from "../schemas.ts";
import { CardParams, CardQuery, LiveReports, LiveReportsQuery } from "../ui-schemas.ts";
import type { App } from "./context.ts";
import { datastore } from "./ui-datastore.ts";

const base = "/flows/:flow/runs/:run/steps/:step/tasks/:task";

/**
 * A card's HTML, for the UI's sandboxed iframe (the cards route says where cards are,
 * never their HTML), and what a running attempt has written so far: its live cards and
 * metrics. Served by the metadata service and `weft ui` alike, over their UiSource.
 */
export function uiReportRoutes(app: App, source: UiSource): void {
  app.get(
    `${base}/cards/:id`,
    {
      schema: {
        tags: ["ui"],
        summary: `One card as HTML, with a Content-Security-Policy that sandboxes it (no network, no same-origin access): attempt \`attempt\`'s finished card, else the one it last wrote while running. Without \`attempt\`, the latest attempt's. At most ${MAX_CARD_BYTES / 1024 / 1024} MiB.`,
        params: CardParams,
        querystring: CardQuery,
        produces: ["text/html"],
      },
    },
    async ({ params: { id, ...ref }, query }, reply) => {
      const store = await datastore(source, ref);
      const [recorded, attempts] = await Promise.all([source.listCards(ref), source.listAttempts(ref)]);
      const card = await findCard(store, ref, recorded, id, query.attempt, attempts.at(-1)?.attempt);
      if (!card) throw notFound(`Card "${id}" of ${taskPath(ref)}${query.attempt === undefined ? "" : ` (attempt ${query.attempt})`}`);
      if (card.size > MAX_CARD_BYTES) {
        const pathspec = `${ref.flow}/${ref.run}/${ref.step}/${ref.task}`;
        throw new ApiError(413, "too_large", `Card "${id}" of ${taskPath(ref)} is ${card.size} bytes, more than the ${MAX_CARD_BYTES} the UI shows; read it with \`weft card get ${pathspec} --id ${id}\`.`);
      }
      const html = await card.read();
      return reply
        .header("content-type", "text/html; charset=utf-8")
        .header("content-security-policy", CARD_RESPONSE_CSP)
        .header("referrer-policy", "no-referrer")
        .header("cache-control", "no-cache")
        .header("x-weft-card", card.live ? "live" : "finished")
        .send(Buffer.from(html));
    },
  );

  app.get(
    `${base}/live-reports`,
    {
      schema: {
        tags: ["ui"],
        summary: "What attempt `attempt` (default: the latest) has written so far while running: its cards (id, size) and its metrics, at most `maxPoints` each",
        params: TaskParams,
        querystring: LiveReportsQuery,
        response: { 200: LiveReports, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async ({ params, query }) => {
      const store = await datastore(source, params);
      const attempt = query.attempt ?? (await source.listAttempts(params)).at(-1)?.attempt;
      if (attempt === undefined) throw notFound(`${taskPath(params)} with a started attempt`);
      return liveReports(store, params, attempt, query.maxPoints);
    },
  );
}
