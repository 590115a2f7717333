import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { WeftError } from "../errors/weft-error.ts";
import { fetchSecrets } from "./inject.ts";
import { MASK, Redactor } from "./redactor.ts";
import type { ResolvedSecretSource } from "./types.ts";

const envSource = (name: string, extra: Partial<ResolvedSecretSource> = {}): ResolvedSecretSource => ({ type: "env", id: name, name, json: false, envVarName: name, ...extra });

describe("fetchSecrets", () => {
  const set: string[] = [];
  const setEnv = (name: string, value: string) => {
    process.env[name] = value;
    set.push(name);
  };
  afterEach(() => {
    for (const name of set.splice(0)) delete process.env[name];
  });

  it("expands a JSON object into one variable per key, and lists every value for masking", async () => {
    setEnv("WEFT_UNIT_CFG", JSON.stringify({ WEFT_UNIT_USER: "svc", WEFT_UNIT_PORT: 5432 }));
    const { vars, values } = await fetchSecrets({ sources: [envSource("WEFT_UNIT_CFG", { json: true, envVarName: undefined })], allowOverride: false }, {}, {});
    assert.deepEqual(vars, { WEFT_UNIT_USER: "svc", WEFT_UNIT_PORT: "5432" });
    assert.deepEqual(values.map((v) => v.value).sort(), ["5432", "svc", process.env.WEFT_UNIT_CFG!].sort());
  });

  it("refuses json: true on a value that is not a JSON object, without showing the value", async () => {
    setEnv("WEFT_UNIT_PLAIN", "not-json-secret");
    await assert.rejects(fetchSecrets({ sources: [envSource("WEFT_UNIT_PLAIN", { json: true })], allowOverride: false }, {}, {}), (e: unknown) => e instanceof WeftError && /is not a JSON object/.test(e.message) && !e.message.includes("not-json-secret"));
  });

  it("refuses a JSON key that cannot be a variable name", async () => {
    setEnv("WEFT_UNIT_BADKEY", JSON.stringify({ "my-key": "x" }));
    await assert.rejects(fetchSecrets({ sources: [envSource("WEFT_UNIT_BADKEY", { json: true })], allowOverride: false }, {}, {}), /has the key "my-key", which is not a valid variable name/);
  });

  it("says an env secret is missing from the shell that ran weft", async () => {
    await assert.rejects(fetchSecrets({ sources: [envSource("WEFT_UNIT_NOT_SET")], allowOverride: false }, {}, {}), /no variable WEFT_UNIT_NOT_SET in the environment that ran weft/);
  });
});

describe("Redactor", () => {
  it("masks every occurrence, the longest secret first, and ignores values too short to mask", () => {
    const r = new Redactor();
    r.add("abc", "short");
    r.add("token-1234", "a");
    r.add("token-1234-extended", "b");
    assert.equal(r.redact("x token-1234-extended y token-1234 z abc"), `x ${MASK} y ${MASK} z abc`);
  });

  it("finds a secret in serialized bytes as UTF-8, Latin-1 or UTF-16, and names its label", () => {
    const r = new Redactor();
    r.add("pässwort-9", "env.PW");
    assert.equal(r.findIn([Buffer.from("…pässwort-9…", "utf16le")]), "env.PW");
    assert.equal(r.findIn([Buffer.from("xx pässwort-9 yy", "latin1")]), "env.PW");
    assert.equal(r.findIn([Buffer.from("nothing here")]), undefined);
  });
});
