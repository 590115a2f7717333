import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseCreateRunArgv } from "./run-control.ts";

const base = ["--create-run", "--flow", "F", "--run", "argo-f-x7k2p", "--deployment", "a".repeat(64), "--datastore", "azure", "--datastore-root", "flows/weft"];

describe("weft step --create-run --resume", () => {
  test("an empty --resume, as Argo passes the parameter's default, creates a new run", () => {
    assert.equal(parseCreateRunArgv([...base, "--resume", ""]).resume, undefined);
  });

  test("a resume names the origin and the steps that run again", () => {
    const parsed = parseCreateRunArgv([...base, "--resume", '{"origin":"argo-f-abcde","rerun":["work","end"]}']);
    assert.deepEqual(parsed.resume, { origin: "argo-f-abcde", rerun: ["work", "end"] });
  });

  test("a malformed resume is refused, saying what it takes", () => {
    assert.throws(() => parseCreateRunArgv([...base, "--resume", "argo-f-abcde"]), /--resume takes JSON like/);
    assert.throws(() => parseCreateRunArgv([...base, "--resume", '{"origin":"argo-f-abcde"}']), /needs "origin" \(a run id\) and "rerun"/);
  });
});
