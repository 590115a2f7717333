import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { missingBytes } from "./lost-output.ts";

const missing = (saved: string, lines: string[], first = 0) => missingBytes(Buffer.from(saved), lines, first)?.bytes.toString();

describe("missingBytes", () => {
  test("missingBytes adds every line when the task saved nothing", () => {
    assert.equal(missing("", ["a", "b"]), "a\nb\n");
  });

  test("missingBytes adds only the lines after those the task saved", () => {
    assert.equal(missing("a\n", ["a", "b", "c"]), "b\nc\n");
    assert.equal(missing("a\r\nb\r\n", ["a", "b", "c"]), "c\n");
  });

  test("missingBytes adds nothing when the task saved every line", () => {
    assert.equal(missing("a\nb\n", ["a", "b"]), undefined);
    assert.equal(missing("a\nb", ["a", "b"]), undefined, "a last line without its newline");
  });

  test("missingBytes completes a line the task saved only the start of", () => {
    assert.equal(missing("a\nhel", ["a", "hello", "c"]), "lo\nc\n");
  });

  test("missingBytes counts the lines the runner let go, and marks those neither saved nor held as lost", () => {
    assert.equal(missing("a\nb\n", ["c", "d"], 2), "c\nd\n", "held from line 2, the task saved 2");
    assert.equal(missing("a\nb\nc\n", ["c", "d"], 2), "d\n");
    assert.equal(missing("a\n", ["d", "e"], 3), "[weft: 2 lines of output were lost when the task ended]\nd\ne\n");
  });
});

describe("SeenOutput with a merged log (a pod's)", () => {
  test("saveMissing appends to stderr only the merged lines after those both streams saved", async () => {
    const { MemoryBackend } = await import("../../../test/helpers/memory-backend.ts");
    const { SeenOutput } = await import("./lost-output.ts");
    const { layout } = await import("../../datastore/layout.ts");
    const backend = new MemoryBackend();
    const ref = { flow: "F", run: "1", step: "s", task: "0" };
    await backend.putBytes([
      { key: layout.attemptFile(ref, 0, "stdout"), data: Buffer.from("out 1\n") },
      { key: layout.attemptFile(ref, 0, "stderr"), data: Buffer.from("err 1\n") },
    ]);
    const seen = new SeenOutput();
    for (const line of ["out 1", "err 1", "out 2", "Segmentation fault"]) seen.addCombined(line);
    assert.equal(await seen.saveMissing(backend, ref, 0), 2);
    const [out, err] = await backend.getBytes([layout.attemptFile(ref, 0, "stdout"), layout.attemptFile(ref, 0, "stderr")]);
    assert.equal(Buffer.from(out!).toString(), "out 1\n");
    assert.match(Buffer.from(err!).toString(), /^err 1\n\[weft: the task ended before saving this output; from its pod's log, stdout and stderr merged:\]\nout 2\nSegmentation fault\n$/);
    assert.equal(await seen.saveMissing(backend, ref, 0), 0, "nothing is added twice");
  });
});
