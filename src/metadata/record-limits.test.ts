import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { truncateMiddle } from "./record-limits.ts";

describe("truncateMiddle", () => {
  it("leaves a text within the limit as it is", () => {
    assert.equal(truncateMiddle("short", 10), "short");
  });

  it("keeps the head and the tail around a marker naming how much was cut, within the limit", () => {
    const text = `HEAD${"x".repeat(300_000)}TAIL`;
    const cut = truncateMiddle(text, 100_000);
    assert.ok(cut.length <= 100_000, String(cut.length));
    assert.ok(cut.startsWith("HEAD") && cut.endsWith("TAIL"));
    const [, n] = /\[(\d+) characters cut by Weft/.exec(cut) ?? [];
    const kept = cut.indexOf("\n… [") + (cut.length - (cut.lastIndexOf("] …\n") + 4));
    assert.equal(kept + Number(n), text.length);
  });

  it("never leaves half of a surrogate pair at either edge of the cut", () => {
    const text = "😀".repeat(100_000);
    for (const max of [1000, 1001, 1002, 1003]) {
      const cut = truncateMiddle(text, max);
      assert.ok(cut.length <= max);
      assert.doesNotMatch(cut, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });
});
