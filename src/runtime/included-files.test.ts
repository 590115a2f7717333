import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { includeFileSpecs } from "../flow/include-file-specs.ts";
import { readIncludedFiles } from "./included-files.ts";

describe("readIncludedFiles", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-include-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "rows.csv"), "a,b\n1,2\n");
  writeFileSync(join(dir, "latin.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café" in latin1
  const specs = (options: Record<string, unknown>) => includeFileSpecs([{ field: "data", options }], dir, "F");
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => undefined, (e: Error & { code?: string }) => e);
    assert.ok(error, "expected a refusal");
    return error;
  };

  test("a given path wins over the default, which is taken from the flow's folder; text or bytes as declared", async () => {
    const [byDefault] = await readIncludedFiles(specs({ default: "rows.csv" }), {});
    assert.deepEqual(byDefault, { field: "data", file: join(dir, "rows.csv"), size: 8, value: "a,b\n1,2\n" });
    const [bytes] = await readIncludedFiles(specs({ default: "rows.csv", isText: false }), { data: join(dir, "latin.txt") });
    assert.deepEqual(bytes!.value, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  });

  test("text in another encoding decodes with it, and bytes invalid in the declared one are refused, naming the file", async () => {
    const [latin] = await readIncludedFiles(specs({ required: true, encoding: "latin1" }), { data: join(dir, "latin.txt") });
    assert.equal(latin!.value, "café");
    const error = await refusal(readIncludedFiles(specs({ required: true }), { data: join(dir, "latin.txt") }));
    assert.equal(error.message, `File ${join(dir, "latin.txt")} (--data) is not valid utf-8 text.`);
  });

  test("a folder, or a missing default, is refused naming the file and where its path came from", async () => {
    assert.equal((await refusal(readIncludedFiles(specs({ required: true }), { data: dir }))).message, `Cannot read file ${dir} (--data): it is a folder.`);
    assert.equal((await refusal(readIncludedFiles(specs({ default: "gone.csv" }), {}))).message, `Cannot read file ${join(dir, "gone.csv")} (the default of --data): it does not exist.`);
  });

  test("a file a resumed run already stored is not read again", async () => {
    const stored = { data: { file: join(dir, "deleted.csv"), size: 1, record: { sha: "x", serializer: "v8", type: "string", size: 1 } } };
    assert.deepEqual(await readIncludedFiles(specs({ required: true }), {}, stored), []);
  });

  test("an encoding Node cannot decode, or a field with neither default nor required, is refused when the flow loads", () => {
    assert.throws(() => specs({ required: true, encoding: "klingon" }), /names the encoding "klingon", which is not one Node decodes/);
    assert.throws(() => specs({}), /has no default file and is not required/);
  });
});
