import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { configSourcesOf } from "./run.ts";

test("configSourcesOf reads --config and --config-value in both spellings, files against the working directory, and stops at --", () => {
  const argv = ["run", "flow.ts", "--config", "a=conf/a.json", "--count", "3", "--config-value=b={\"x\":1}", "--config=c=/etc/c.json", "--", "--config", "d=x"];
  assert.deepEqual(configSourcesOf(argv), [
    { name: "a", file: resolve("conf/a.json") },
    { name: "b", text: '{"x":1}' },
    { name: "c", file: "/etc/c.json" },
  ]);
});

test("configSourcesOf refuses a flag without its value, or a value without a name", () => {
  assert.match(weftError(() => configSourcesOf(["run", "flow.ts", "--config"]), "USAGE").message, /--config needs a value: --config NAME=FILE/);
  assert.match(weftError(() => configSourcesOf(["run", "flow.ts", "--config-value", "{}"]), "USAGE").message, /expected NAME=TEXT/);
});
