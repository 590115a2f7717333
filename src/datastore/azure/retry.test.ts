import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WeftError } from "../../errors/weft-error.ts";
import { isTransient, retryTransient, type RetryPolicy } from "./retry.ts";

const FAST: RetryPolicy = { tries: 4, firstDelayMs: 1, maxDelayMs: 2 };
const status = (statusCode: number) => Object.assign(new Error(`status ${statusCode}`), { statusCode });
const network = (code: string) => Object.assign(new Error("request failed"), { code });

describe("isTransient", () => {
  for (const s of [408, 429, 500, 502, 503, 504]) it(`is true for HTTP ${s}`, () => assert.equal(isTransient(status(s)), true));
  for (const s of [400, 403, 404, 409, 412, 416]) it(`is false for HTTP ${s}`, () => assert.equal(isTransient(status(s)), false));
  for (const c of ["ECONNRESET", "ETIMEDOUT", "REQUEST_SEND_ERROR", "EPIPE"]) it(`is true for a ${c} below HTTP`, () => assert.equal(isTransient(network(c)), true));

  it("is true for a cut response body and a try timeout", () => {
    assert.equal(isTransient(new Error("aborted")), true);
    assert.equal(isTransient(Object.assign(new Error("The operation was aborted."), { name: "AbortError" })), true);
  });

  it("is false for credential errors, Weft errors and bugs", () => {
    assert.equal(isTransient(Object.assign(new Error("no credential"), { name: "CredentialUnavailableError" })), false);
    assert.equal(isTransient(new WeftError("DATASTORE", "conflict")), false);
    assert.equal(isTransient(new TypeError("x is not a function")), false);
  });
});

describe("retryTransient", () => {
  it("tries again after transient failures and returns the first success", async () => {
    const failures = [network("ECONNRESET"), status(429), status(503)];
    let calls = 0;
    assert.equal(await retryTransient(async () => (calls++ < failures.length ? Promise.reject(failures[calls - 1]) : "landed"), FAST), "landed");
    assert.equal(calls, 4);
  });

  it("throws a final failure at once", async () => {
    let calls = 0;
    await assert.rejects(retryTransient(async () => { calls++; throw status(409); }, FAST), /status 409/);
    assert.equal(calls, 1);
  });

  it("throws the last failure when the tries are used up", async () => {
    let calls = 0;
    await assert.rejects(retryTransient(async () => { calls++; throw status(503); }, FAST), /status 503/);
    assert.equal(calls, FAST.tries);
  });
});
