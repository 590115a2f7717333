import { WeftError, type ErrorCode } from "../errors/weft-error.ts";

/** One `@secrets` source after normalization: a known backend key, its id, and the options. */
export interface SecretSourceSpec { type: string; id: string; options: { envVarName?: string; json?: boolean } }

/** A parsed Key Vault secret id. */
export interface KeyVaultSecretId {
  /** `https://<host>` with no trailing slash, e.g. "https://team-kv.vault.azure.net". */
  vaultUrl: string;
  /** e.g. "team-kv" or "127.0.0.1:8443" */
  vaultName: string;
  name: string;
  /** `undefined` means the latest version. */
  version: string | undefined;
}

export type RawSource = string | { type?: string; id: string; options?: { envVarName?: string; json?: boolean } };

/** The backend keys a source may name, as typed in `<type>.<id>` and in WEFT_DEFAULT_SECRETS_BACKEND_TYPE. */
export const SECRET_SOURCE_TYPES: readonly string[] = ["az-key-vault", "env"];

/** Key Vault DNS suffixes of the public, China, US Government and German clouds. */
export const KEY_VAULT_CLOUD_DOMAINS: readonly string[] = ["vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net", "vault.microsoftazure.de"];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOOPBACK = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::(\d*))?$/i;
const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(.*)$/s;
const EXAMPLE_URL = "https://team-kv.vault.azure.net/secrets/my-api-key";
const EXAMPLE_PREFIX = "https://team-kv.vault.azure.net";
const URL_FORM = `"https://<vault>.vault.azure.net/secrets/<name>" or ".../secrets/<name>/<version>", e.g. "${EXAMPLE_URL}"`;
const BARE_FORM = '"<name>" or "<name>/<version>", e.g. "my-api-key" or "my-api-key/0123456789abcdef0123456789abcdef"';
const ANY_SOURCE = 'a source such as "az-key-vault.my-api-key" or { type: "env", id: "MY_API_KEY" }';
const ENV_RULE = "letters, digits and underscores, not starting with a digit";

/** A broken rule; `expected` replaces the default "Expected …" text of the form being parsed. */
interface Problem { rule: string; expected?: string; hint?: string }
type Parsed<T> = T | Problem;
const isProblem = <T extends object>(r: Parsed<T>): r is Problem => "rule" in r;

/**
 * Normalizes one @secrets source: "az-key-vault.<id>", "env.<NAME>", a bare id (uses defaultType), a string
 * starting with https:// (a Key Vault id), or an object { type?, id, options? }. A string is split on its first
 * dot only when the part before it is a known type, so a bare id containing a dot keeps it. An object's id is
 * taken literally. Checks the type, env ids and the options; Key Vault ids are checked by `parseKeyVaultId`,
 * which needs the configured prefix and domains. Throws FLOW_INVALID for a bad source and CONFIG for an
 * unknown WEFT_DEFAULT_SECRETS_BACKEND_TYPE.
 */
export function normalizeSource(source: RawSource, defaultType: string | undefined): SecretSourceSpec {
  if (typeof source === "string") {
    const label = JSON.stringify(source);
    // http:// too, so it reaches the Key Vault parser and gets the "use https://" message.
    if (/^https?:\/\//i.test(source)) return finish(label, "az-key-vault", source, undefined, false);
    const dot = source.indexOf(".");
    const head = dot < 0 ? undefined : source.slice(0, dot);
    if (head !== undefined && SECRET_SOURCE_TYPES.includes(head)) return finish(label, head, source.slice(dot + 1), undefined, false);
    return finish(label, resolveDefault(label, source, defaultType), source, undefined, true);
  }
  if (source === null || typeof source !== "object") throw fail(String(source), "a source is a string or an object { type, id, options }", ANY_SOURCE);
  const label = JSON.stringify({ type: source.type, id: source.id });
  if (typeof source.id !== "string") throw fail(label, "an object source needs a string id", 'an object such as { type: "az-key-vault", id: "my-api-key" }');
  const https = /^https?:\/\//i.test(source.id);
  const type = source.type ?? (https ? "az-key-vault" : resolveDefault(label, source.id, defaultType));
  return finish(label, type, source.id, source.options, source.type === undefined && !https);
}

function resolveDefault(label: string, id: string, defaultType: string | undefined): string {
  if (defaultType !== undefined) return defaultType;
  const vault = checkName(id) ? "my-api-key" : id;
  const env = ENV_NAME.test(id) ? id : "MY_API_KEY";
  throw fail(label, "it names no backend type and no default type is configured", `"<type>.<id>", e.g. "az-key-vault.${vault}" or "env.${env}"`, {
    hint: `Prefix the type (${SECRET_SOURCE_TYPES.join(", ")}) or set WEFT_DEFAULT_SECRETS_BACKEND_TYPE; setting WEFT_AZURE_KEY_VAULT_PREFIX makes az-key-vault the default.`,
  });
}

function finish(label: string, type: string, id: string, options: RawOptions, fromDefault: boolean): SecretSourceSpec {
  if (!SECRET_SOURCE_TYPES.includes(type)) {
    const where = fromDefault ? ` [WEFT_DEFAULT_SECRETS_BACKEND_TYPE]` : "";
    throw fail(label, `unknown secrets backend type "${type}"${where}; known types: ${SECRET_SOURCE_TYPES.join(", ")}`, ANY_SOURCE, {
      code: fromDefault ? "CONFIG" : "FLOW_INVALID",
    });
  }
  const form = type === "env" ? '"env.<NAME>", e.g. "env.MY_API_KEY"' : '"az-key-vault.<id>", e.g. "az-key-vault.my-api-key"';
  if (id === "") throw fail(label, `the ${type} id may not be empty`, form);
  if (type === "env" && !ENV_NAME.test(id)) throw fail(label, `an env source id is an environment variable name: ${ENV_RULE} (got "${id}")`, form);
  return { type, id, options: checkOptions(label, options) };
}

type RawOptions = { envVarName?: unknown; json?: unknown } | undefined;

function checkOptions(label: string, options: RawOptions): SecretSourceSpec["options"] {
  const { envVarName, json } = options ?? {};
  if (envVarName !== undefined && (typeof envVarName !== "string" || !ENV_NAME.test(envVarName))) {
    throw fail(label, `options.envVarName ${JSON.stringify(envVarName)} must be an environment variable name: ${ENV_RULE}`, 'options such as { envVarName: "DB_PASSWORD" }');
  }
  if (json !== undefined && typeof json !== "boolean") throw fail(label, `options.json must be true or false (got ${JSON.stringify(json)})`, "options such as { json: true }");
  return { ...(envVarName === undefined ? {} : { envVarName }), ...(json === undefined ? {} : { json }) };
}

function fail(label: string, rule: string, expected: string, extra: { hint?: string; code?: ErrorCode } = {}): WeftError {
  const message = `Invalid @secrets source ${label}: ${rule}. Expected ${expected}.`;
  return new WeftError(extra.code ?? "FLOW_INVALID", message, extra.hint ? { hint: extra.hint } : {});
}

/**
 * Parses and validates a Key Vault id: bare `name` (needs prefix), `name/version`,
 * `https://<vault>.<domain>/secrets/<name>`, and that with `/<version>`. Throws FLOW_INVALID naming the first
 * broken rule of the id, or CONFIG when the prefix (WEFT_AZURE_KEY_VAULT_PREFIX) is invalid.
 * `extraDomains` (WEFT_AZURE_KEY_VAULT_DOMAINS) are DNS suffixes accepted beside the cloud ones.
 */
export function parseKeyVaultId(id: string, options: { prefix?: string; extraDomains?: string[] }): KeyVaultSecretId {
  const domains = [...KEY_VAULT_CLOUD_DOMAINS, ...(options.extraDomains ?? []).map((d) => d.replace(/^\./, "").toLowerCase()).filter(Boolean)];
  const isUrl = URL_PARTS.test(id);
  const parsed = isUrl ? parseUrl(id, domains) : parseBare(id, options.prefix, domains);
  if (!isProblem(parsed)) return parsed;
  const expected = parsed.expected ?? `Expected ${isUrl ? URL_FORM : BARE_FORM}.`;
  throw new WeftError("FLOW_INVALID", `Invalid Key Vault secret id "${id}": ${parsed.rule}. ${expected}`, parsed.hint ? { hint: parsed.hint } : {});
}

function parseUrl(value: string, domains: string[]): Parsed<KeyVaultSecretId> {
  const url = splitUrl(value, domains);
  if (isProblem(url)) return url;
  const segments = url.path.split("/");
  if (segments.length < 3 || segments.length > 4 || segments[0] !== "" || segments[1] !== "secrets") {
    return { rule: `the path "${url.path}" must be "/secrets/<name>" or "/secrets/<name>/<version>"` };
  }
  return withNameAndVersion(url, segments[2] ?? "", segments[3]);
}

function parseBare(value: string, prefix: string | undefined, domains: string[]): Parsed<KeyVaultSecretId> {
  const parts = value.split("/");
  if (parts.length > 2) return { rule: 'a bare id is a name or "name/version", with at most one "/"' };
  const nameOrVersion = checkName(parts[0] ?? "") ?? (parts[1] === undefined ? undefined : checkVersion(parts[1]));
  if (nameOrVersion) return nameOrVersion;
  if (prefix === undefined || prefix === "") {
    return {
      rule: "a bare secret name needs WEFT_AZURE_KEY_VAULT_PREFIX (the vault URL), which is not set",
      expected: `Expected the full URL instead, e.g. "https://team-kv.vault.azure.net/secrets/${value}".`,
      hint: `Set WEFT_AZURE_KEY_VAULT_PREFIX=${EXAMPLE_PREFIX}, or give the full secret URL.`,
    };
  }
  return withNameAndVersion(parsePrefix(prefix, value, domains), parts[0] ?? "", parts[1]);
}

/** The vault of WEFT_AZURE_KEY_VAULT_PREFIX: an https URL of an accepted host with no path; a bad one is a CONFIG error. */
function parsePrefix(prefix: string, secret: string, domains: string[]): VaultUrl {
  const vault = splitUrl(prefix, domains);
  if (!isProblem(vault) && (vault.path === "" || vault.path === "/")) return vault;
  const problem = isProblem(vault) ? vault : { rule: `it may not have a path ("${vault.path}")`, hint: undefined };
  throw new WeftError("CONFIG", `Invalid Key Vault prefix "${prefix}" [WEFT_AZURE_KEY_VAULT_PREFIX], needed by secret "${secret}": ${problem.rule}. Expected a vault URL, e.g. "${EXAMPLE_PREFIX}".`, {
    hint: problem.hint ?? `Set WEFT_AZURE_KEY_VAULT_PREFIX to the vault URL, e.g. ${EXAMPLE_PREFIX}.`,
  });
}

interface VaultUrl { vaultUrl: string; vaultName: string; path: string }

function withNameAndVersion(vault: VaultUrl, name: string, version: string | undefined): Parsed<KeyVaultSecretId> {
  const problem = checkName(name) ?? (version === undefined ? undefined : checkVersion(version));
  return problem ?? { vaultUrl: vault.vaultUrl, vaultName: vault.vaultName, name, version };
}

/** Scheme, query and host of a vault URL; the path is returned unchecked. */
function splitUrl(value: string, domains: string[]): Parsed<VaultUrl> {
  const [, scheme = "", host = "", path = "", rest = ""] = URL_PARTS.exec(value) ?? [];
  if (scheme.toLowerCase() !== "https") {
    const fixed = scheme.toLowerCase() === "http" ? ` Use "https://${value.slice(scheme.length + 3)}".` : "";
    return { rule: `Key Vault is reached over https:// only, not "${scheme}://"`, hint: `Key Vault and its emulators serve TLS.${fixed}` };
  }
  if (rest !== "") return { rule: `it may not have a query string or fragment ("${rest}")` };
  const hostProblem = checkHost(host, domains);
  if (hostProblem) return hostProblem;
  const loopback = LOOPBACK.test(host);
  return { vaultUrl: `https://${host}`, vaultName: loopback ? host : host.slice(0, host.indexOf(".")), path };
}

function checkHost(host: string, domains: string[]): Problem | undefined {
  const loopback = LOOPBACK.exec(host);
  if (loopback) {
    const port = loopback[1];
    const ok = port === undefined || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
    return ok ? undefined : { rule: `the port in "${host}" must be a number from 1 to 65535`, hint: 'A local emulator URL looks like "https://127.0.0.1:8443/secrets/my-api-key".' };
  }
  const accepted = `Accepted hosts: ${domains.map((d) => `<vault>.${d}`).join(", ")}, or a loopback host (127.0.0.1, localhost, [::1]) with any port.`;
  if (host.includes(":")) return { rule: `a port is accepted only on a loopback host, not on "${host}"`, hint: accepted };
  const dot = host.indexOf(".");
  const suffix = host.slice(dot + 1).toLowerCase();
  if (dot <= 0 || !domains.includes(suffix)) {
    return { rule: `"${host}" is not a Key Vault host`, hint: `${accepted} Add other DNS suffixes (Azure Stack Hub, private clouds) to WEFT_AZURE_KEY_VAULT_DOMAINS.` };
  }
  return checkVaultName(host.slice(0, dot));
}

function checkVaultName(vault: string): Problem | undefined {
  const hint = 'Vault names are 3–24 letters, digits and single hyphens, starting with a letter and ending with a letter or digit, e.g. "team-kv".';
  const rule = (text: string): Problem => ({ rule: `the vault name "${vault}" ${text}`, hint });
  if (vault.length < 3 || vault.length > 24) return rule(`must be 3–24 characters long (it has ${vault.length})`);
  const bad = badCharacters(vault);
  if (bad) return rule(`may contain only letters, digits and hyphens (found "${bad}")`);
  if (!/^[A-Za-z]/.test(vault)) return rule("must start with a letter");
  if (!/[A-Za-z0-9]$/.test(vault)) return rule("must end with a letter or digit");
  if (vault.includes("--")) return rule('may not contain consecutive hyphens ("--")');
  return undefined;
}

/** Azure's (and Metaflow's) secret name rules, each with its own message. */
function checkName(name: string): Problem | undefined {
  const hint = 'Secret names are 1–127 letters, digits and hyphens, starting with a letter, e.g. "my-api-key".';
  if (name === "") return { rule: "the secret name may not be empty", hint };
  if (name.length > 127) return { rule: `the secret name has ${name.length} characters; at most 127 are allowed`, hint };
  const bad = badCharacters(name);
  if (bad) return { rule: `the secret name "${name}" may contain only letters, digits and hyphens (found "${bad}")`, hint };
  if (!/^[A-Za-z]/.test(name)) return { rule: `the secret name "${name}" must start with a letter`, hint };
  return undefined;
}

function checkVersion(version: string): Problem | undefined {
  const hint = 'A version is the 32-character id Key Vault gives each value, e.g. "0123456789abcdef0123456789abcdef"; omit it for the latest.';
  if (version.length !== 32) return { rule: `the version "${version}" must be exactly 32 letters or digits (it has ${version.length})`, hint };
  const bad = [...new Set(version.match(/[^A-Za-z0-9]/g) ?? [])].join("");
  return bad ? { rule: `the version "${version}" must be exactly 32 letters or digits (found "${bad}")`, hint } : undefined;
}

const badCharacters = (value: string): string => [...new Set(value.match(/[^A-Za-z0-9-]/g) ?? [])].join("");

/** The environment variable a secret sets: the secret name with - . / turned into _, case kept, or options.envVarName. */
export function envVarNameFor(spec: SecretSourceSpec, secretName: string): string {
  return spec.options.envVarName ?? secretName.replace(/[-./]/g, "_");
}
