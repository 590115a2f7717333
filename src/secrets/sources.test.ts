import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WeftError } from "../errors/weft-error.ts";
import { envVarNameFor, normalizeSource, parseKeyVaultId, type SecretSourceSpec } from "./sources.ts";

const PREFIX = "https://team-kv.vault.azure.net";
const VERSION = "0123456789abcdef0123456789abcdef";

/** Runs `fn`, expecting a WeftError with `code`; checks it quotes `quoted`, names `phrase` and shows `example`. */
function assertRejected(fn: () => unknown, expected: { code: string; quoted: string; phrase: string; example: string }): WeftError {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof WeftError, `expected a WeftError, got ${String(error)}`);
  assert.equal(error.code, expected.code);
  const text = error.describe();
  for (const part of [expected.quoted, expected.phrase, expected.example]) assert.ok(text.includes(part), `${JSON.stringify(part)} not in: ${text}`);
  return error;
}

describe("normalizeSource accepts", () => {
  const cases: [string, Parameters<typeof normalizeSource>[0], string | undefined, SecretSourceSpec][] = [
    ["az-key-vault.<id>", "az-key-vault.my-api-key", undefined, { type: "az-key-vault", id: "my-api-key", options: {} }],
    ["az-key-vault.<name>/<version>", `az-key-vault.my-api-key/${VERSION}`, undefined, { type: "az-key-vault", id: `my-api-key/${VERSION}`, options: {} }],
    ["env.<NAME>", "env.MY_TOKEN", "az-key-vault", { type: "env", id: "MY_TOKEN", options: {} }],
    ["a bare id with the default type", "my-api-key", "az-key-vault", { type: "az-key-vault", id: "my-api-key", options: {} }],
    ["a bare id with the env default type", "MY_TOKEN", "env", { type: "env", id: "MY_TOKEN", options: {} }],
    ["a bare id containing a dot as a whole id", "team.my-key", "az-key-vault", { type: "az-key-vault", id: "team.my-key", options: {} }],
    ["an https:// string as a Key Vault id whatever the default", `${PREFIX}/secrets/db`, "env", { type: "az-key-vault", id: `${PREFIX}/secrets/db`, options: {} }],
    ["an https:// string with no default type", `${PREFIX}/secrets/db`, undefined, { type: "az-key-vault", id: `${PREFIX}/secrets/db`, options: {} }],
    [
      "an object with type and options",
      { type: "env", id: "DB_URL", options: { envVarName: "DATABASE_URL", json: false } },
      undefined,
      { type: "env", id: "DB_URL", options: { envVarName: "DATABASE_URL", json: false } },
    ],
    ["an object without type, using the default", { id: "db-creds", options: { json: true } }, "az-key-vault", { type: "az-key-vault", id: "db-creds", options: { json: true } }],
    ["an object with an https:// id and no type", { id: `${PREFIX}/secrets/db` }, undefined, { type: "az-key-vault", id: `${PREFIX}/secrets/db`, options: {} }],
  ];
  for (const [name, source, defaultType, expected] of cases) {
    it(name, () => assert.deepEqual(normalizeSource(source, defaultType), expected));
  }
});

describe("normalizeSource rejects", () => {
  const flow = (source: Parameters<typeof normalizeSource>[0], defaultType: string | undefined) => () => normalizeSource(source, defaultType);

  it("a bare id when no default type is configured, naming both variables", () => {
    const error = assertRejected(flow("my-api-key", undefined), { code: "FLOW_INVALID", quoted: '"my-api-key"', phrase: "names no backend type", example: '"az-key-vault.my-api-key"' });
    assert.match(error.describe(), /WEFT_DEFAULT_SECRETS_BACKEND_TYPE.*WEFT_AZURE_KEY_VAULT_PREFIX/s);
  });
  it("an object with an unknown type, listing the known types", () => {
    assertRejected(flow({ type: "vault", id: "x" }, "env"), { code: "FLOW_INVALID", quoted: '"id":"x"', phrase: 'unknown secrets backend type "vault"; known types: az-key-vault, env', example: '"az-key-vault.my-api-key"' });
  });
  it("an unknown default type as a configuration error naming the variable", () => {
    assertRejected(flow("x", "aws-secrets-manager"), { code: "CONFIG", quoted: '"x"', phrase: '"aws-secrets-manager" [WEFT_DEFAULT_SECRETS_BACKEND_TYPE]; known types', example: '"az-key-vault.my-api-key"' });
  });
  it("a type with an empty id", () => {
    assertRejected(flow("env.", undefined), { code: "FLOW_INVALID", quoted: '"env."', phrase: "the env id may not be empty", example: '"env.MY_API_KEY"' });
  });
  it("an env id that is not an environment variable name", () => {
    assertRejected(flow("env.1-token", undefined), { code: "FLOW_INVALID", quoted: '"env.1-token"', phrase: "letters, digits and underscores, not starting with a digit", example: '"env.MY_API_KEY"' });
  });
  it("an object whose id is not a string", () => {
    assertRejected(flow({ type: "env", id: 7 } as never, undefined), { code: "FLOW_INVALID", quoted: '"id":7', phrase: "needs a string id", example: 'id: "my-api-key"' });
  });
  it("a source that is neither a string nor an object", () => {
    assertRejected(flow(42 as never, "env"), { code: "FLOW_INVALID", quoted: "42", phrase: "a string or an object", example: '"az-key-vault.my-api-key"' });
  });
  it("an envVarName that is not an environment variable name", () => {
    assertRejected(flow({ type: "env", id: "A", options: { envVarName: "db-url" } }, undefined), { code: "FLOW_INVALID", quoted: '"id":"A"', phrase: 'options.envVarName "db-url" must be an environment variable name', example: 'envVarName: "DB_PASSWORD"' });
  });
  it("a json option that is not a boolean", () => {
    assertRejected(flow({ type: "env", id: "A", options: { json: "yes" as never } }, undefined), { code: "FLOW_INVALID", quoted: '"id":"A"', phrase: 'options.json must be true or false (got "yes")', example: "{ json: true }" });
  });
});

describe("parseKeyVaultId accepts", () => {
  const cases: [string, string, Parameters<typeof parseKeyVaultId>[1], object][] = [
    ["a bare name with the prefix", "my-api-key", { prefix: PREFIX }, { vaultUrl: PREFIX, vaultName: "team-kv", name: "my-api-key", version: undefined }],
    ["a bare name with a prefix ending in a slash", "DatabasePassword", { prefix: `${PREFIX}/` }, { vaultUrl: PREFIX, vaultName: "team-kv", name: "DatabasePassword", version: undefined }],
    ["name/version with the prefix", `api-key-v2/${VERSION}`, { prefix: PREFIX }, { vaultUrl: PREFIX, vaultName: "team-kv", name: "api-key-v2", version: VERSION }],
    ["the full URL", `${PREFIX}/secrets/my-api-key`, {}, { vaultUrl: PREFIX, vaultName: "team-kv", name: "my-api-key", version: undefined }],
    ["the full URL with a version", `${PREFIX}/secrets/my-api-key/${VERSION}`, {}, { vaultUrl: PREFIX, vaultName: "team-kv", name: "my-api-key", version: VERSION }],
    ["a full URL over the prefix", "https://other-kv.vault.azure.net/secrets/a", { prefix: PREFIX }, { vaultUrl: "https://other-kv.vault.azure.net", vaultName: "other-kv", name: "a", version: undefined }],
    ["a China cloud vault", "https://cn-kv.vault.azure.cn/secrets/a", {}, { vaultUrl: "https://cn-kv.vault.azure.cn", vaultName: "cn-kv", name: "a", version: undefined }],
    ["a US Government cloud vault", "https://gov-kv.vault.usgovcloudapi.net/secrets/a", {}, { vaultUrl: "https://gov-kv.vault.usgovcloudapi.net", vaultName: "gov-kv", name: "a", version: undefined }],
    ["a German cloud vault", "https://de-kv.vault.microsoftazure.de/secrets/a", {}, { vaultUrl: "https://de-kv.vault.microsoftazure.de", vaultName: "de-kv", name: "a", version: undefined }],
    [
      "a vault under an extra domain",
      "https://hub-kv.vault.local.azurestack.external/secrets/a",
      { extraDomains: [".vault.local.azurestack.external"] },
      { vaultUrl: "https://hub-kv.vault.local.azurestack.external", vaultName: "hub-kv", name: "a", version: undefined },
    ],
    ["127.0.0.1 with a port, named host:port", "https://127.0.0.1:8443/secrets/a", {}, { vaultUrl: "https://127.0.0.1:8443", vaultName: "127.0.0.1:8443", name: "a", version: undefined }],
    ["localhost without a port", "https://localhost/secrets/a", {}, { vaultUrl: "https://localhost", vaultName: "localhost", name: "a", version: undefined }],
    ["[::1] with a port", `https://[::1]:8443/secrets/a/${VERSION}`, {}, { vaultUrl: "https://[::1]:8443", vaultName: "[::1]:8443", name: "a", version: VERSION }],
    ["a bare name with a loopback prefix", "a", { prefix: "https://localhost:9000" }, { vaultUrl: "https://localhost:9000", vaultName: "localhost:9000", name: "a", version: undefined }],
    ["a name of 127 characters", `a${"b".repeat(126)}`, { prefix: PREFIX }, { vaultUrl: PREFIX, vaultName: "team-kv", name: `a${"b".repeat(126)}`, version: undefined }],
  ];
  for (const [name, id, options, expected] of cases) {
    it(name, () => assert.deepEqual(parseKeyVaultId(id, options), expected));
  }
});

describe("parseKeyVaultId rejects", () => {
  const url = (host: string) => `https://${host}/secrets/my-api-key`;
  // [behaviour, id, rule phrase, more text shown]; each message also shows a valid id of the same form. Parsed with the prefix set.
  const cases: [string, string, string, string][] = [
    ["http:// and shows the https:// URL", "http://team-kv.vault.azure.net/secrets/a", 'https:// only, not "http://"', '"https://team-kv.vault.azure.net/secrets/a"'],
    ["a query string", `${url("team-kv.vault.azure.net")}?api-version=7.4`, 'may not have a query string or fragment ("?api-version=7.4")', "/secrets/my-api-key"],
    ["a host outside the accepted domains, listing them", url("team-kv.example.com"), '"team-kv.example.com" is not a Key Vault host', "WEFT_AZURE_KEY_VAULT_DOMAINS"],
    ["a port on a cloud host", url("team-kv.vault.azure.net:8443"), "a port is accepted only on a loopback host", "<vault>.vault.azure.cn"],
    ["a loopback port out of range", url("127.0.0.1:70000"), "must be a number from 1 to 65535", '"https://127.0.0.1:8443/secrets/my-api-key"'],
    ["a path that is not /secrets/<name>", "https://team-kv.vault.azure.net/keys/x", 'the path "/keys/x" must be "/secrets/<name>" or "/secrets/<name>/<version>"', "/secrets/my-api-key"],
    ["extra path segments", `https://team-kv.vault.azure.net/secrets/a/${VERSION}/x`, 'must be "/secrets/<name>" or', "/secrets/my-api-key"],
    ["a bare id with two slashes", "a/b/c", 'a bare id is a name or "name/version"', '"my-api-key"'],
    ["an empty secret name", "", "the secret name may not be empty", '"my-api-key"'],
    ["a secret name over 127 characters, saying its length", `a${"b".repeat(127)}`, "the secret name has 128 characters; at most 127", '"my-api-key"'],
    ["a character outside letters, digits and hyphens, naming it", url("team-kv.vault.azure.net").replace("my-api-key", "my_api_key"), '"my_api_key" may contain only letters, digits and hyphens (found "_")', '"my-api-key"'],
    ["a secret name not starting with a letter", "2fa-seed", '"2fa-seed" must start with a letter', '"my-api-key"'],
    ["a vault name under 3 characters", url("kv.vault.azure.net"), 'the vault name "kv" must be 3–24 characters long (it has 2)', '"team-kv"'],
    ["a vault name over 24 characters", url(`${"k".repeat(25)}.vault.azure.net`), "must be 3–24 characters long (it has 25)", '"team-kv"'],
    ["a vault name with an underscore", url("team_kv.vault.azure.net"), 'the vault name "team_kv" may contain only letters, digits and hyphens (found "_")', '"team-kv"'],
    ["a vault name starting with a digit", url("1team-kv.vault.azure.net"), '"1team-kv" must start with a letter', '"team-kv"'],
    ["a vault name ending with a hyphen", url("team-kv-.vault.azure.net"), '"team-kv-" must end with a letter or digit', '"team-kv"'],
    ["a vault name with consecutive hyphens", url("team--kv.vault.azure.net"), '"team--kv" may not contain consecutive hyphens ("--")', '"team-kv"'],
    ["a short version, saying its length", "my-api-key/abc123", 'the version "abc123" must be exactly 32 letters or digits (it has 6)', VERSION],
    ["a 32-character version with other characters", `my-api-key/${VERSION.slice(0, 31)}-`, 'must be exactly 32 letters or digits (found "-")', VERSION],
  ];
  for (const [behaviour, id, phrase, alsoShown] of cases) {
    it(behaviour, () => {
      const example = id.includes("://") ? `"${PREFIX}/secrets/my-api-key"` : '"my-api-key"';
      const error = assertRejected(() => parseKeyVaultId(id, { prefix: PREFIX }), { code: "FLOW_INVALID", quoted: `"${id}"`, phrase, example });
      assert.ok(error.message.startsWith(`Invalid Key Vault secret id "${id}": `), error.message);
      assert.ok(error.describe().includes(alsoShown), `${JSON.stringify(alsoShown)} not in: ${error.describe()}`);
    });
  }

  it("a bare name when WEFT_AZURE_KEY_VAULT_PREFIX is not set, showing the full URL", () => {
    assertRejected(() => parseKeyVaultId("my-api-key", {}), {
      code: "FLOW_INVALID", quoted: '"my-api-key"', phrase: "a bare secret name needs WEFT_AZURE_KEY_VAULT_PREFIX", example: '"https://team-kv.vault.azure.net/secrets/my-api-key"',
    });
  });
  for (const [behaviour, prefix, phrase] of [
    ["a prefix on a host that is not a vault", "https://team-kv.example.com", "is not a Key Vault host"],
    ["an http:// prefix", "http://team-kv.vault.azure.net", "https:// only"],
    ["a prefix with a path", `${PREFIX}/secrets`, 'it may not have a path ("/secrets")'],
  ] as const) {
    it(`${behaviour} as a configuration error naming WEFT_AZURE_KEY_VAULT_PREFIX`, () => {
      assertRejected(() => parseKeyVaultId("my-api-key", { prefix }), { code: "CONFIG", quoted: `"${prefix}" [WEFT_AZURE_KEY_VAULT_PREFIX], needed by secret "my-api-key"`, phrase, example: `"${PREFIX}"` });
    });
  }
});

describe("envVarNameFor", () => {
  const spec = (options: SecretSourceSpec["options"] = {}): SecretSourceSpec => ({ type: "az-key-vault", id: "x", options });
  it("turns hyphens into underscores and keeps the case", () => assert.equal(envVarNameFor(spec(), "my-api-Key"), "my_api_Key"));
  it("turns dots and slashes into underscores", () => assert.equal(envVarNameFor(spec(), "team.db/password"), "team_db_password"));
  it("uses options.envVarName when given", () => assert.equal(envVarNameFor(spec({ envVarName: "DB_PASSWORD" }), "db-password"), "DB_PASSWORD"));
});
