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
