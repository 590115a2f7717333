import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ApiError } from "./api-error.ts";

/** `/body/tags/0` in `body` → `body.tags.0`: the field as a user would name it. */
const fieldOf = (context: string | undefined, instancePath: string) => [context ?? "request", ...instancePath.split("/").filter(Boolean)].join(".");

/**
 * Every failure leaves as `{ error, message, field? }` with the right status; a bug
 * is a 500 whose details stay in the service's log, never in the answer.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ApiError) return reply.code(error.status).send({ error: error.error, message: error.message, ...(error.field ? { field: error.field } : {}) });
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({ field: fieldOf(error.validationContext, v.instancePath), message: v.message ?? "is invalid" }));
    const first = issues[0]!;
    return reply.code(400).send({ error: "bad_request", message: issues.map((i) => `${i.field}: ${i.message}`).join("; ") + ".", field: first.field });
  }
  const sqlState = (error as { code?: unknown }).code;
  if (typeof sqlState === "string" && /^(08|53|57P0|40001|40P01)/.test(sqlState)) {
    // The database is restarting, failing over, full or broke a deadlock: worth a retry, which clients make on 503.
    return reply.code(503).header("retry-after", "1").send({ error: "unavailable", message: "The metadata service's database is briefly unavailable; retry the request." });
  }
  if (typeof sqlState === "string" && sqlState.startsWith("22")) {
    return reply.code(400).send({ error: "bad_request", message: `The database refused a value in the request (${error.message}).` });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own refusals: malformed JSON, wrong content type, body too large.
    const message = error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" ? "Send the body as JSON with `Content-Type: application/json`." : `${error.message.replace(/\.?$/, ".")}`;
    return reply.code(status).send({ error: status === 413 ? "payload_too_large" : "bad_request", message });
  }
  process.stderr.write(`weft service: ${request.method} ${request.url} failed: ${error.stack ?? error.message}\n`);
  return reply.code(500).send({ error: "internal", message: "The metadata service failed to answer; its log has the details." });
}
