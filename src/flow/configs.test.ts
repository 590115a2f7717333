import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { weftError } from "../../test/helpers/weft-error.ts";
import { bindDecoratorUse } from "./config-bind.ts";
import { configExpr } from "./config.ts";
import { configSpecs, parseConfigOption, resolveConfigs, type ConfigSpec } from "./configs.ts";

/** An in-memory file system: what resolution reads, and nothing else. */
const files = (contents: Record<string, string>) => (path: string) => {
  if (!Object.hasOwn(contents, path)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  return contents[path]!;
};

const spec = (field: string, extra: Partial<ConfigSpec> = {}): ConfigSpec => ({ field, help: undefined, required: false, defaultFile: undefined, defaultValue: undefined, parser: undefined, ...extra });

describe("resolveConfigs", () => {
  test("a given file or text wins over the default file, which wins over defaultValue", () => {
    const read = files({ "/flow/config.json": '{"lr":0.1}', "/cwd/prod.json": '{"lr":0.5}' });
    const specs = [spec("a", { defaultFile: "/flow/config.json", defaultValue: { lr: 9 } }), spec("b", { defaultFile: "/flow/config.json" }), spec("c", { defaultValue: { lr: 9 } }), spec("d", { defaultValue: '{"lr":7}' })];
    const resolved = resolveConfigs(specs, [{ name: "a", file: "/cwd/prod.json" }], read);
    assert.deepEqual(resolved.values, { a: { lr: 0.5 }, b: { lr: 0.1 }, c: { lr: 9 }, d: { lr: 7 } });
    assert.deepEqual(resolved.origins, { a: { kind: "file", file: "/cwd/prod.json" }, b: { kind: "default-file", file: "/flow/config.json" }, c: { kind: "default-value" }, d: { kind: "default-value" } });
    const text = resolveConfigs(specs, [{ name: "b", text: '{"lr":2}' }], read);
    assert.deepEqual([text.values.b, text.origins.b], [{ lr: 2 }, { kind: "value" }]);
  });

  test("values are deeply frozen, so a step cannot change a config in place", () => {
    const { values } = resolveConfigs([spec("s")], [{ name: "s", text: '{"layers":[1,2],"opt":{"lr":1}}' }], files({}));
    const s = values.s as { layers: number[]; opt: { lr: number } };
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.layers) && Object.isFrozen(s.opt));
    assert.throws(() => s.layers.push(3), TypeError);
  });

  test("a required config that is not given fails naming it and both flags; an optional one is null", () => {
    const error = weftError(() => resolveConfigs([spec("settings", { required: true, help: "model settings" })], [], files({})), "PARAMETER");
    assert.match(error.message, /Config "settings" is required and was not given/);
    assert.match(error.hint!, /--config settings=<file.json> or --config-value settings='\{…\}' \(model settings\)/);
    assert.deepEqual(resolveConfigs([spec("extra")], [], files({})).values, { extra: null });
  });

  test("a missing file names the config and the file; a default file says it can be created", () => {
    const given = weftError(() => resolveConfigs([spec("settings")], [{ name: "settings", file: "/cwd/nope.json" }], files({})), "PARAMETER");
    assert.equal(given.message, 'Config "settings": cannot read /cwd/nope.json: it does not exist.');
    const fallback = weftError(() => resolveConfigs([spec("settings", { defaultFile: "/flow/config.json" })], [], files({})), "PARAMETER");
    assert.match(fallback.hint!, /or create the default file/);
  });

  test("invalid JSON names the config, the file, the line and the column", () => {
    const error = weftError(() => resolveConfigs([spec("settings")], [{ name: "settings", file: "/c.json" }], files({ "/c.json": '{\n  "lr": 0.1,\n}' })), "PARAMETER");
    assert.match(error.message, /^Config "settings": \/c.json is not valid JSON at line 3, column 1: /);
  });

  test("a parser reads other formats; what it returns must be plain JSON, named by its path when it is not", () => {
    // A toy "key = value" format standing in for a TOML package the flow would import.
    const parser = (text: string) => Object.fromEntries(text.trim().split("\n").map((l) => l.split(" = ")).map(([k, v]) => [k, Number(v)]));
    assert.deepEqual(resolveConfigs([spec("s", { parser })], [{ name: "s", file: "/s.toml" }], files({ "/s.toml": "memory = 512\ncpu = 2\n" })).values, { s: { memory: 512, cpu: 2 } });
    const dated = weftError(() => resolveConfigs([spec("s", { parser: () => ({ when: new Date(0) }) })], [{ name: "s", text: "x" }], files({})), "PARAMETER");
    assert.match(dated.message, /Config "s" \(from --config-value\) holds a Date at s\.when, which JSON cannot keep/);
    const toml = weftError(() => resolveConfigs([spec("s")], [{ name: "s", file: "/s.toml" }], files({ "/s.toml": "memory = 512" })), "PARAMETER");
    assert.match(toml.hint!, /A \.toml file needs a parser/);
  });

  test("a source naming no config, or a config given twice, is refused with the flow's configs", () => {
    const unknown = weftError(() => resolveConfigs([spec("settings")], [{ name: "setings", text: "{}" }], files({})), "PARAMETER");
    assert.equal(unknown.message, 'No config named "setings".');
    assert.equal(unknown.hint, "The flow's configs: settings.");
    weftError(() => resolveConfigs([spec("settings")], [{ name: "settings", text: "{}" }, { name: "settings", text: "{}" }], files({})), "PARAMETER");
  });
});

describe("configSpecs and parseConfigOption", () => {
  test("a field initializer is the default value, unless defaultValue is given", () => {
    const specs = configSpecs([{ field: "a", options: {} }, { field: "b", options: { defaultValue: { lr: 2 } } }], "/flows", { a: { lr: 1 }, b: { lr: 3 } });
    assert.deepEqual(specs.map((s) => s.defaultValue), [{ lr: 1 }, { lr: 2 }]);
  });

  test("a relative default file is taken from the flow file's folder, an absolute one as written", () => {
    const specs = configSpecs([{ field: "a", options: { default: "conf/a.json" } }, { field: "b", options: { default: "/etc/b.json", required: true } }], "/home/me/flows");
    assert.deepEqual(specs.map((s) => [s.defaultFile, s.required]), [["/home/me/flows/conf/a.json", false], ["/etc/b.json", true]]);
  });

  test("NAME=VALUE splits at the first =, and a missing name says what the flag takes", () => {
    assert.deepEqual(parseConfigOption('settings={"a":"b=c"}', "--config-value"), { name: "settings", rest: '{"a":"b=c"}' });
    assert.match(weftError(() => parseConfigOption("config.json", "--config"), "USAGE").message, /expected NAME=FILE, e.g. --config settings=config.json/);
  });
});

describe("bindDecoratorUse", () => {
  const configs = { values: { settings: { memory: 2048, pools: ["a", "b"] } }, origins: { settings: { kind: "file" as const, file: "/cwd/prod.json" } } };

  test("configExpr in options, however deep, is replaced by the value at its path", () => {
    const use = { name: "kubernetes", options: { memory: configExpr("settings.memory"), nodeSelector: { pool: configExpr("settings.pools.1") }, image: "train:1" } };
    assert.deepEqual(bindDecoratorUse(use, configs, "@kubernetes of step train").options, { memory: 2048, nodeSelector: { pool: "b" }, image: "train:1" });
  });

  test("the function form is called with the config values", () => {
    const use = { name: "resources", options: {}, fromConfigs: (c: Readonly<Record<string, any>>) => ({ memory: c.settings.memory * 2 }) };
    assert.deepEqual(bindDecoratorUse(use, configs, "@resources of step train").options, { memory: 4096 });
  });

  test("a missing key names the expression, the decorator, the config, its file, the key and the keys there are", () => {
    const error = weftError(() => bindDecoratorUse({ name: "resources", options: { memory: configExpr("settings.memroy") } }, configs, '@resources of step "train"'), "FLOW_INVALID");
    assert.equal(error.message, 'configExpr("settings.memroy") in @resources of step "train": config "settings" (from file /cwd/prod.json) has no key "memroy" at settings.');
    assert.equal(error.hint, "Keys at settings: memory, pools.");
    const noConfig = weftError(() => bindDecoratorUse({ name: "resources", options: { memory: configExpr("setings.memory") } }, configs, "@resources"), "FLOW_INVALID");
    assert.match(noConfig.message, /names no config: the flow has no @config field "setings"/);
  });
});
