import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WeftError } from "../errors/weft-error.ts";
import { checkChosenRunId, compareIds, ID_RULE, isValidId } from "./ids.ts";

describe("isValidId", () => {
  it("accepts allocated numbers, orchestrator run ids and foreach task ids", () => {
    for (const id of ["0", "1", "12", "argo-train-x7k2p", "2-10", "0-3-7", "_x", "Run_1.5", "a".repeat(128), "99999999999999999999"]) assert.ok(isValidId(id), id);
  });

  it("refuses empty, too long, path-like and punctuated ids", () => {
    for (const id of ["", "a".repeat(129), ".", "..", ".hidden", "-1", "a/b", "../x", "a b", "a\nb", "x\n", "é", "a:b", "a%2Fb", "🙂"]) assert.ok(!isValidId(id), JSON.stringify(id));
  });

  it("describes the rule with an example that obeys it", () => {
    assert.match(ID_RULE, /128/);
    for (const example of /e\.g\. (\S+) or (\S+)\)/.exec(ID_RULE)!.slice(1)) assert.ok(isValidId(example), example);
  });
});

describe("compareIds", () => {
  const sorted = (ids: string[]) => [...ids].sort(compareIds);

  it("orders numbers numerically, not as text", () => {
    assert.deepEqual(sorted(["10", "9", "100", "1", "0"]), ["0", "1", "9", "10", "100"]);
  });

  it("orders nested foreach positions part by part", () => {
    assert.deepEqual(sorted(["2-10", "2-9", "10-0", "2", "0", "7", "2-9-1"]), ["0", "2", "2-9", "2-9-1", "2-10", "7", "10-0"]);
  });

  it("compares numbers longer than 2^53 exactly", () => {
    assert.ok(compareIds("9007199254740993", "9007199254740992") > 0);
    assert.ok(compareIds("123456789012345678901", "99999999999999999999") > 0);
  });

  it("puts numbers before words and orders words as strings", () => {
    assert.deepEqual(sorted(["argo-b", "3", "argo-a", "Zeta", "_x"]), ["3", "Zeta", "_x", "argo-a", "argo-b"]);
    assert.deepEqual(sorted(["argo-10", "argo-9"]), ["argo-9", "argo-10"]);
  });

  it("orders loop iterations by their number, after numbers and before other words", () => {
    assert.deepEqual(sorted(["i10", "i9", "i0", "i2"]), ["i0", "i2", "i9", "i10"]);
    assert.deepEqual(sorted(["3-i10", "3-i9", "i1-4", "i1-10", "2"]), ["2", "3-i9", "3-i10", "i1-4", "i1-10"]);
    assert.deepEqual(sorted(["ia", "i10", "4", "i1x", "i9"]), ["4", "i9", "i10", "i1x", "ia"]);
  });

  it("is a total order: ids equal as numbers fall back to string order, and only equal ids compare 0", () => {
    assert.ok(compareIds("01", "1") < 0 && compareIds("1", "01") > 0);
    assert.ok(compareIds("1-2", "1.2") !== 0);
    assert.equal(compareIds("2-10", "2-10"), 0);
  });

  it("is transitive across numbers, words and mixed parts", () => {
    const ids = ["9", "10", "7k", "a", "1-a", "1-2", "1.10", "01", "x7k2p", "_", "i9", "i10", "i1x", "i01", "3-i2"];
    for (const a of ids) for (const b of ids) for (const c of ids) {
      if (compareIds(a, b) < 0 && compareIds(b, c) < 0) assert.ok(compareIds(a, c) < 0, `${a} < ${b} < ${c}`);
    }
  });
});

describe("checkChosenRunId", () => {
  const refused = (run: string, pattern: RegExp) => assert.throws(() => checkChosenRunId("TrainFlow", run), (err: unknown) => err instanceof WeftError && err.code === "USAGE" && pattern.test(err.describe()));

  it("accepts an id with a letter in it", () => {
    assert.doesNotThrow(() => checkChosenRunId("TrainFlow", "argo-train-x7k2p"));
    assert.doesNotThrow(() => checkChosenRunId("TrainFlow", "2024-01-01.a"));
  });

  it("refuses an invalid id, naming the rule", () => {
    refused("..", /Invalid run id "\.\." for flow TrainFlow: it is not a valid id\.\n {2}A run id is 1 to 128 letters/);
    refused("a/b", /not a valid id/);
  });

  it("refuses an id of only digits: those are Weft's to allocate", () => {
    refused("12", /only digits are reserved for the ids Weft allocates/);
    refused("007", /leave it out to get the next number/);
  });

  it("refuses the names of the flow's own folders", () => {
    refused("data", /names the flow's data folder/);
    refused("code", /code folder/);
  });
});
