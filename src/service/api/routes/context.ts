import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AttemptsRepository } from "../../repositories/attempts-repository.ts";
import type { CardsRepository } from "../../repositories/cards-repository.ts";
import type { MetricsRepository } from "../../repositories/metrics-repository.ts";
import type { RunsRepository } from "../../repositories/runs-repository.ts";
import type { TasksRepository } from "../../repositories/tasks-repository.ts";

/** The Fastify instance routes are declared on, typed by their zod schemas. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export interface Repositories {
  runs: RunsRepository;
  tasks: TasksRepository;
  attempts: AttemptsRepository;
  cards: CardsRepository;
  metrics: MetricsRepository;
}
