import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Redactor } from "./redactor.ts";
import { StreamMasker } from "./stream-masker.ts";

const masker = (...secrets: string[]) => {
  const redactor = new Redactor();
  secrets.forEach((s, i) => redactor.add(s, `s${i}`));
  return new StreamMasker(redactor);
};
const written = (m: StreamMasker, chunks: (string | Uint8Array)[]) => chunks.map((c) => m.push(c)).join("") + m.end();

describe("StreamMasker", () => {
  it("masks a secret written in pieces, and holds back only a possible prefix", () => {
    const m = masker("hunter2");
    assert.equal(m.push("pass: hunt"), "pass: ");
    assert.equal(m.push("er2!\n"), "****!\n");
  });

  it("writes a held prefix that never became a secret at the end", () => {
    assert.equal(written(masker("hunter2"), ["say hun", "ger"]), "say hunger");
    assert.equal(written(masker("hunter2"), ["ends with hunt"]), "ends with hunt");
  });

  it("masks a multi-line secret printed line by line", () => {
    assert.equal(written(masker("first\nsecond"), ["first\n", "second\n", "after\n"]), "****\nafter\n");
  });

  it("never cuts inside a whole secret that overlaps the start of another", () => {
    assert.equal(written(masker("abcd", "cdxy"), ["abcd", "zz"]), "****zz");
  });

  it("decodes UTF-8 split between writes", () => {
    const bytes = Buffer.from("é secret-é");
    assert.equal(written(masker("secret-é"), [bytes.subarray(0, 1), bytes.subarray(1, 7), bytes.subarray(7)]), "é ****");
  });
});
