import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dependsTasks, evaluate, ExpressionError, splitResult } from "./expression.ts";

const scope = (values: Record<string, string | boolean>) => (name: string) => {
  if (!(name in values)) throw new ExpressionError(`unknown ${name}`);
  return values[name]!;
};

describe("Argo expressions", () => {
  test("the retry expression the compiler emits holds for exit codes 1, 3 and 137 and not for 2 or 4, compared as strings", () => {
    const expression = "!(lastRetry.exitCode in ['2', '4'])";
    assert.deepEqual(["1", "2", "3", "4", "137"].map((code) => evaluate(expression, scope({ "lastRetry.exitCode": code }))), [true, false, true, false, true]);
    assert.equal(evaluate("lastRetry.exitCode == '3'", scope({ "lastRetry.exitCode": "3" })), true);
    assert.equal(evaluate("'2' == 2", scope({})), false, "no coercion between strings and numbers");
  });

  test("depends terms name tasks with dashes, and && binds tighter than ||", () => {
    const values = { "create-run.Succeeded": true, "a.Succeeded": false, "b.Succeeded": true, "c.Succeeded": false };
    assert.equal(evaluate("create-run.Succeeded", scope(values)), true);
    assert.equal(evaluate("a.Succeeded || b.Succeeded && c.Succeeded", scope(values)), false);
    assert.equal(evaluate("(a.Succeeded || b.Succeeded) && create-run.Succeeded", scope(values)), true);
    assert.deepEqual(dependsTasks("(foreach-start.Succeeded || x.Skipped) && y"), ["foreach-start", "x", "y"]);
    assert.deepEqual(splitResult("foreach-start.Succeeded"), { task: "foreach-start", result: "Succeeded" });
  });

  test("a when after substitution compares quoted strings", () => {
    assert.equal(evaluate("'quick' == 'quick'", scope({})), true);
    assert.equal(evaluate("'careful' != 'quick'", scope({})), true);
  });

  test("what the subset does not cover is refused, not guessed", () => {
    for (const text of ["a + b", "'a' ==", "lastRetry.exitCode > 2", "a.Succeeded ||| b"]) {
      assert.throws(() => evaluate(text, scope({ a: "1", b: "2", "lastRetry.exitCode": "3", "a.Succeeded": true, "b.Succeeded": true })), ExpressionError, text);
    }
    assert.throws(() => evaluate("nope.Succeeded", scope({})), /unknown nope.Succeeded/);
  });
});
