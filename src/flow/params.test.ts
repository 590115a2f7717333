import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { weftError } from "../../test/helpers/weft-error.ts";
import { paramSpecs, parseParamValue, resolveParamValues, type ParamSpec } from "./params.ts";


const spec = (field: string, type: ParamSpec["type"], extra: Partial<ParamSpec> = {}): ParamSpec => ({
  field,
  flag: field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
  type,
  help: undefined,
  required: false,
  defaultValue: undefined,
  ...extra,
});

describe("paramSpecs", () => {
  test("paramSpecs takes the type and default from the field initializer", () => {
    const specs = paramSpecs(
      [
        { field: "testSize", options: { help: "Fraction held out" } },
        { field: "model", options: {} },
        { field: "verbose", options: {} },
      ],
      { testSize: 0.2, model: "knn", verbose: false },
      "TrainFlow",
    );
    assert.deepEqual(specs, [
      { field: "testSize", flag: "test-size", type: "number", help: "Fraction held out", required: false, defaultValue: 0.2 },
      { field: "model", flag: "model", type: "string", help: undefined, required: false, defaultValue: "knn" },
      { field: "verbose", flag: "verbose", type: "boolean", help: undefined, required: false, defaultValue: false },
    ]);
  });

  test("paramSpecs infers json for an array or object initializer", () => {
    const specs = paramSpecs(
      [
        { field: "kinds", options: {} },
        { field: "grid", options: {} },
      ],
      { kinds: ["knn", "rf"], grid: { depth: 3 } },
      "TrainFlow",
    );
    assert.deepEqual(specs.map((s) => [s.field, s.type, s.defaultValue]), [
      ["kinds", "json", ["knn", "rf"]],
      ["grid", "json", { depth: 3 }],
    ]);
  });

  test("paramSpecs accepts a required parameter without a default and takes its declared type", () => {
    const [kinds] = paramSpecs([{ field: "kinds", options: { required: true, type: "json" } }], {}, "TrainFlow");
    assert.deepEqual(kinds, { field: "kinds", flag: "kinds", type: "json", help: undefined, required: true, defaultValue: undefined });
  });

  test("paramSpecs types a required parameter without type or default as string", () => {
    const [name] = paramSpecs([{ field: "datasetName", options: { required: true } }], {}, "TrainFlow");
    assert.equal(name!.type, "string");
    assert.equal(name!.flag, "dataset-name");
  });

  test("paramSpecs uses the default option when the field has no initializer", () => {
    const [seed] = paramSpecs([{ field: "seed", options: { default: 42 } }], {}, "TrainFlow");
    assert.deepEqual([seed!.type, seed!.defaultValue, seed!.required], ["number", 42, false]);
  });

  test("paramSpecs prefers the initializer to the default option", () => {
    const [seed] = paramSpecs([{ field: "seed", options: { default: 42 } }], { seed: 7 }, "TrainFlow");
    assert.equal(seed!.defaultValue, 7);
  });

  test("paramSpecs rejects a parameter with no default that is not required", () => {
    const err = weftError(() => paramSpecs([{ field: "kinds", options: { type: "json" } }], {}, "TrainFlow"), "FLOW_INVALID");
    assert.equal(err.message, 'Parameter "kinds" of TrainFlow has no default and is not required.');
    assert.match(err.hint ?? "", /kinds = …/);
  });

  test("paramSpecs rejects a declared type that the default does not match", () => {
    const err = weftError(() => paramSpecs([{ field: "rows", options: { type: "number" } }], { rows: "ten" }, "TrainFlow"), "FLOW_INVALID");
    assert.equal(err.message, 'Parameter "rows" of TrainFlow is declared as number but its default "ten" is string.');
  });

  test("paramSpecs rejects a json type whose default option is a string", () => {
    const err = weftError(() => paramSpecs([{ field: "kinds", options: { type: "json", default: "[1]" } }], {}, "TrainFlow"), "FLOW_INVALID");
    assert.match(err.message, /declared as json but its default "\[1\]" is string/);
  });
});

describe("parseParamValue", () => {
  test("parseParamValue reads a number", () => {
    assert.equal(parseParamValue(spec("testSize", "number"), "0.3"), 0.3);
    assert.equal(parseParamValue(spec("testSize", "number"), "-2"), -2);
  });

  test("parseParamValue rejects a value that is not a number and names the flag", () => {
    for (const raw of ["abc", "", "  "]) {
      const err = weftError(() => parseParamValue(spec("testSize", "number"), raw), "PARAMETER");
      assert.equal(err.message, `Invalid value ${JSON.stringify(raw)} for --test-size: expected a number, e.g. 0.3.`);
      assert.equal(err.exitCode, 2);
    }
  });

  test("parseParamValue rejects a number flag given without a value", () => {
    const err = weftError(() => parseParamValue(spec("testSize", "number"), true), "PARAMETER");
    assert.match(err.message, /--test-size/);
  });

  test("parseParamValue reads booleans from a switch and from true/false text", () => {
    const verbose = spec("verbose", "boolean");
    assert.deepEqual([true, false, "true", "false"].map((raw) => parseParamValue(verbose, raw)), [true, false, true, false]);
  });

  test("parseParamValue rejects other boolean text and shows both switches", () => {
    const err = weftError(() => parseParamValue(spec("verbose", "boolean"), "yes"), "PARAMETER");
    assert.equal(err.message, 'Invalid value "yes" for --verbose: expected --verbose or --no-verbose.');
  });

  test("parseParamValue reads JSON", () => {
    assert.deepEqual(parseParamValue(spec("kinds", "json"), '["a","b"]'), ["a", "b"]);
    assert.deepEqual(parseParamValue(spec("grid", "json"), '{"depth":3}'), { depth: 3 });
  });

  test("parseParamValue rejects malformed JSON and shows an example", () => {
    const err = weftError(() => parseParamValue(spec("kinds", "json"), "[a, b]"), "PARAMETER");
    assert.match(err.message, /for --kinds: expected JSON, e\.g\. '\["a","b"\]'/);
  });

  test("parseParamValue keeps a string as given, including digits", () => {
    assert.equal(parseParamValue(spec("model", "string"), "042"), "042");
    assert.equal(parseParamValue(spec("model", "string"), ""), "");
  });

  test("parseParamValue rejects a string flag given without a value", () => {
    const err = weftError(() => parseParamValue(spec("model", "string"), true), "PARAMETER");
    assert.equal(err.message, "Invalid value true for --model: expected a value.");
  });
});

describe("resolveParamValues", () => {
  const specs = [spec("testSize", "number", { defaultValue: 0.2 }), spec("verbose", "boolean", { defaultValue: true }), spec("kinds", "json", { required: true, help: "Model kinds" })];

  test("resolveParamValues takes given values over defaults, even falsy ones", () => {
    assert.deepEqual(resolveParamValues(specs, { verbose: false, kinds: [] }), { testSize: 0.2, verbose: false, kinds: [] });
  });

  test("resolveParamValues fails with PARAMETER on a missing required parameter", () => {
    const err = weftError(() => resolveParamValues(specs, { testSize: 0.5 }), "PARAMETER");
    assert.equal(err.message, "Missing required parameter --kinds.");
    assert.equal(err.hint, "--kinds: Model kinds");
  });

  test("resolveParamValues ignores given values for unknown parameters", () => {
    assert.deepEqual(resolveParamValues([spec("seed", "number", { defaultValue: 1 })], { other: 5 }), { seed: 1 });
  });
});
