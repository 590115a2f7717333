import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WeftError } from "../errors/weft-error.ts";
import { parsePathspec } from "./pathspec.ts";
import { NAME_RULE } from "../metadata/names.ts";

function usageError(message: string, expected: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${err}`);
    assert.equal(err.code, "USAGE");
    assert.equal(err.exitCode, 2);
    assert.equal(err.message, message);
    assert.ok(err.hint?.startsWith(`Expected ${expected}, e.g. "`), `hint: ${err.hint}`);
    return true;
  };
}

describe("parsePathspec", () => {
  it("parses each depth from flow to task", () => {
    assert.deepEqual(parsePathspec("TrainFlow", 1), { flow: "TrainFlow" });
    assert.deepEqual(parsePathspec("TrainFlow/12", 1), { flow: "TrainFlow", run: "12" });
    assert.deepEqual(parsePathspec("TrainFlow/12/train", 1), { flow: "TrainFlow", run: "12", step: "train" });
    assert.deepEqual(parsePathspec("TrainFlow/12/train/3", 1), { flow: "TrainFlow", run: "12", step: "train", task: "3" });
  });

  it("accepts ids with letters, dashes and underscores, and run id 0", () => {
    assert.deepEqual(parsePathspec("_Flow-2/argo-abc_1/_join/t-7", 4), { flow: "_Flow-2", run: "argo-abc_1", step: "_join", task: "t-7" });
    assert.deepEqual(parsePathspec("F/0/s/0", 4), { flow: "F", run: "0", step: "s", task: "0" });
  });

  it("accepts orchestrator run ids and foreach task ids, as weft dump and weft list tasks take them", () => {
    assert.deepEqual(parsePathspec("TrainFlow/argo-train-x7k2p/train/2-10", 2, 4), { flow: "TrainFlow", run: "argo-train-x7k2p", step: "train", task: "2-10" });
    assert.deepEqual(parsePathspec("TrainFlow/argo-train-x7k2p/train", 2, 3), { flow: "TrainFlow", run: "argo-train-x7k2p", step: "train" });
    assert.deepEqual(parsePathspec("TrainFlow/run.2024-01-31/s/0-7", 4), { flow: "TrainFlow", run: "run.2024-01-31", step: "s", task: "0-7" });
    assert.deepEqual(parsePathspec(`F/${"r".repeat(128)}`, 2, 2), { flow: "F", run: "r".repeat(128) });
  });

  it("rejects fewer parts than the minimum depth, showing the expected forms", () => {
    assert.throws(
      () => parsePathspec("TrainFlow/12", 3),
      usageError('Invalid pathspec "TrainFlow/12": it has 2 parts.', '"Flow/run/step" or "Flow/run/step/task"'),
    );
  });

  it("says 1 part, not 1 parts", () => {
    assert.throws(() => parsePathspec("TrainFlow", 2), usageError('Invalid pathspec "TrainFlow": it has 1 part.', '"Flow/run" or "Flow/run/step" or "Flow/run/step/task"'));
  });

  it("rejects more parts than the maximum depth", () => {
    assert.throws(() => parsePathspec("TrainFlow/12/train/3", 2, 3), usageError('Invalid pathspec "TrainFlow/12/train/3": it has 4 parts.', '"Flow/run" or "Flow/run/step"'));
  });

  it("rejects more than four parts", () => {
    assert.throws(() => parsePathspec("A/1/s/2/extra", 1), usageError('Invalid pathspec "A/1/s/2/extra": it has 5 parts.', '"Flow" or "Flow/run" or "Flow/run/step" or "Flow/run/step/task"'));
  });

  it("with equal minimum and maximum depth shows one expected form", () => {
    assert.throws(() => parsePathspec("F/1", 4, 4), usageError('Invalid pathspec "F/1": it has 2 parts.', '"Flow/run/step/task"'));
    assert.deepEqual(parsePathspec("F/1/s/2", 4, 4), { flow: "F", run: "1", step: "s", task: "2" });
  });

  it("rejects a flow name that is not a class name", () => {
    assert.throws(() => parsePathspec("1Flow/2", 1), usageError(`Invalid pathspec "1Flow/2": the flow name must be ${NAME_RULE}.`, '"Flow" or "Flow/run" or "Flow/run/step" or "Flow/run/step/task"'));
    assert.throws(() => parsePathspec("", 1), (err: unknown) => err instanceof WeftError && err.code === "USAGE" && /flow name/.test(err.message));
  });

  const RULE = "1 to 128 letters, digits, _, - or ., starting with a letter, digit or _ (e.g. 12 or argo-train-x7k2p)";

  it("rejects a run id with other characters, saying what a valid id looks like", () => {
    assert.throws(() => parsePathspec("F/1 5", 2, 2), usageError(`Invalid pathspec "F/1 5": the run id must be ${RULE}.`, '"Flow/run"'));
    assert.throws(() => parsePathspec("F//s", 3, 3), (err: unknown) => err instanceof WeftError && /run id/.test(err.message));
  });

  it("rejects run ids that are . or .., start with - or exceed 128 characters", () => {
    for (const run of [".", "..", ".x", "-1", "r".repeat(129)]) {
      assert.throws(() => parsePathspec(`F/${run}/s`, 3, 3), (err: unknown) => err instanceof WeftError && err.code === "USAGE" && err.message.includes("the run id must be 1 to 128"), run);
    }
  });

  it("rejects a step name that is not an identifier", () => {
    assert.throws(() => parsePathspec("F/1/2nd", 3, 3), usageError(`Invalid pathspec "F/1/2nd": the step name must be ${NAME_RULE}.`, '"Flow/run/step"'));
  });

  it("rejects flow and step names the metadata service would refuse: non-ASCII, or over 255 characters", () => {
    assert.throws(() => parsePathspec("Flüsse/1", 1), usageError(`Invalid pathspec "Flüsse/1": the flow name must be ${NAME_RULE}.`, '"Flow" or "Flow/run" or "Flow/run/step" or "Flow/run/step/task"'));
    const long = `F${"x".repeat(255)}`;
    assert.throws(() => parsePathspec(`${long}/1`, 1), (err: unknown) => err instanceof WeftError && err.code === "USAGE" && /the flow name must be 1 to 255 ASCII letters/.test(err.message));
    assert.throws(() => parsePathspec(`F/1/${long}`, 3, 3), (err: unknown) => err instanceof WeftError && /the step name must be 1 to 255/.test(err.message));
  });

  it("rejects a task id with other characters", () => {
    assert.throws(() => parsePathspec("F/1/s/a b", 4), usageError(`Invalid pathspec "F/1/s/a b": the task id must be ${RULE}.`, '"Flow/run/step/task"'));
  });

  it("the example in the hint is itself a pathspec of an accepted depth", () => {
    for (const [min, max] of [[1, 1], [2, 2], [2, 3], [3, 3], [4, 4]] as const) {
      let hint = "";
      try {
        parsePathspec("A/1/s/2/extra", min, max);
      } catch (err) {
        hint = (err as WeftError).hint ?? "";
      }
      const example = /e\.g\. "([^"]+)"/.exec(hint)?.[1];
      assert.ok(example, `no example in hint ${JSON.stringify(hint)}`);
      assert.doesNotThrow(() => parsePathspec(example, min, max), `depth ${min}-${max}: hint ${JSON.stringify(hint)}`);
    }
  });
});
