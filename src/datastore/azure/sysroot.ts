import { WeftError } from "../../errors/weft-error.ts";

/** Where the Azure datastore keeps its blobs, parsed from `WEFT_DATASTORE_SYSROOT_AZURE`. */
export interface AzureSysroot {
  container: string;
  /** Blob-name prefix inside the container, without leading or trailing `/`; `""` for the container root. */
  prefix: string;
  /** from abfs/wasbs URLs */
  account?: string;
  /** https://<account>.blob.core.windows.net (or the cloud's blob suffix) when the URL names an account */
  blobEndpoint?: string;
}

/** A broken rule: what is wrong, the form that was expected, and a repaired value when one can be derived. */
interface Problem {
  rule: string;
  form: string;
  example: string;
  /** The whole value with this one rule fixed; shown only if it parses. */
  candidate?: string;
  /** Replaces the "Expected …" sentence. */
  expected?: string;
  hint?: string;
}

type Result = AzureSysroot | Problem;

const CLOUD_SUFFIXES = ["core.windows.net", "core.chinacloudapi.cn", "core.usgovcloudapi.net", "core.cloudapi.de"];
const HOST = new RegExp(`^([^.]+)\\.(blob|dfs)\\.(${CLOUD_SUFFIXES.map((s) => s.replaceAll(".", "\\.")).join("|")})$`);
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;
const BARE = { form: "container/prefix", example: "flows/weft" };
const FORMS =
  '"container/prefix", "az://container/prefix", "abfss://container@account.dfs.core.windows.net/prefix" or ' +
  '"wasbs://container@account.blob.core.windows.net/prefix"';
const ACCEPTED = `Accepted forms: ${FORMS}.`;
const CONTAINER_RULES = 'Azure container names are 3–63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit, e.g. "flows".';

const isProblem = (r: Result): r is Problem => "rule" in r;

/**
 * Parses an Azure datastore root. Accepts Metaflow's bare `container/prefix` (or just `container`),
 * `az://container/prefix`, `abfs[s]://container@account.dfs.<cloud>/prefix` (also `abfs://container/prefix`,
 * as ZenML writes it) and `wasb[s]://container@account.blob.<cloud>/prefix`. Pure: no I/O, nothing is
 * trimmed or rewritten on the user's behalf. Throws a `CONFIG` WeftError naming the first broken rule,
 * checked in Metaflow's order (trailing `/`, leading `/`, `//`, empty container), then Azure's naming rules.
 */
export function parseAzureSysroot(value: string | undefined, variable = "WEFT_DATASTORE_SYSROOT_AZURE"): AzureSysroot {
  if (value === undefined || value.trim() === "") {
    throw new WeftError("CONFIG", `The Azure datastore needs a root [${variable}]: it is ${value === undefined ? "not set" : `empty ("${value}")`}. Expected "container/prefix", e.g. "mycontainer/weft".`, {
      hint: "Set WEFT_DATASTORE_SYSROOT_AZURE=mycontainer/weft or pass --datastore-root mycontainer/weft.",
    });
  }
  const result = check(value);
  if (!isProblem(result)) return result;
  const fixed = result.candidate !== undefined && !isProblem(check(result.candidate)) ? result.candidate : undefined;
  const expected = result.expected ?? (fixed ? `Expected "${result.form}": did you mean "${fixed}"?` : `Expected "${result.form}", e.g. "${result.example}".`);
  // A pasted SAS URL carries a signature; quote the value without it.
  const shown = value.replace(/([?&]sig=)[^&#]*/gi, "$1<redacted>");
  throw new WeftError("CONFIG", `Invalid Azure datastore root "${shown}" [${variable}]: ${result.rule}. ${expected}`, {
    hint: result.hint ?? (fixed ? `Set ${variable}=${fixed}.` : ACCEPTED),
  });
}

function check(value: string): Result {
  const url = SCHEME.exec(value);
  if (!url) return checkPath(value, "", BARE);
  const scheme = (url[1] ?? "").toLowerCase();
  const rest = url[2] ?? "";
  // Checked before the slash rules so a pasted blob URL gets "drop the https:// prefix" whatever else is wrong.
  if (scheme === "https") return httpsProblem(rest.replace(/[?#].*$/s, ""));
  if (scheme === "az") return checkPath(rest, "az://", { form: "az://container/prefix", example: "az://flows/weft" });
  const service = scheme === "abfs" || scheme === "abfss" ? "dfs" : scheme === "wasb" || scheme === "wasbs" ? "blob" : undefined;
  if (!service) {
    const endpoint = scheme === "http" ? " For an emulator such as Azurite, put its URL in WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT." : "";
    return { rule: `unknown scheme "${scheme}://"`, ...BARE, expected: `Expected ${FORMS}.`, hint: `Point it at an Azure container, e.g. "flows/weft".${endpoint}` };
  }
  const form = `${scheme}://container@account.${service}.core.windows.net/prefix`;
  const example = `${scheme}://flows@myaccount.${service}.core.windows.net/weft`;
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf("@");
  // ZenML's `abfs://container/prefix` names no account; the endpoint then comes from the configuration.
  if (at < 0 && service === "dfs") return checkPath(rest, `${scheme}://`, { form, example });
  if (at < 0) return { rule: `a ${scheme}:// URL must name the storage account as "container@account.blob.core.windows.net"`, form, example };
  const container = authority.slice(0, at);
  const host = authority.slice(at + 1);
  if (container === "") return { rule: "the container name may not be empty", form, example };
  const hostProblem = checkHost(host, scheme, service, (h) => `${scheme}://${container}@${h}${rest.slice(authority.length)}`);
  if (hostProblem) return { form, example, ...hostProblem };
  const m = HOST.exec(host) ?? [];
  const parsed = checkPath(container + rest.slice(authority.length), `${scheme}://`, { form, example }, `@${host}`);
  if (isProblem(parsed)) return parsed;
  return { ...parsed, account: m[1] ?? "", blobEndpoint: `https://${m[1]}.blob.${m[3]}` };
}

/** Checks `container/prefix` in Metaflow's order, then Azure's container rules and path traversal. */
function checkPath(path: string, scheme: string, shape: { form: string; example: string }, host = ""): Result {
  const slash = path.indexOf("/");
  const rebuild = (p: string) => (host ? `${scheme}${p.replace(/^([^/]*)/, `$1${host}`)}` : `${scheme}${p}`);
  const problem = (rule: string, fixedPath?: string, hint?: string): Problem => ({
    rule, ...shape, ...(fixedPath === undefined ? {} : { candidate: rebuild(fixedPath) }), ...(hint ? { hint } : {}),
  });
  if (path.endsWith("/")) return problem('it may not end with "/"', path.replace(/\/+$/, ""));
  if (path.startsWith("/")) return problem('it may not start with "/"', path.replace(/^\/+/, ""));
  if (path.includes("//")) return problem('it may not contain consecutive slashes ("//")', path.replace(/\/{2,}/g, "/"));
  const container = slash < 0 ? path : path.slice(0, slash);
  const prefix = slash < 0 ? "" : path.slice(slash + 1);
  if (container === "") return problem("the container name may not be empty");
  const bad = containerProblem(container);
  if (bad) return problem(bad.rule, bad.fixed === undefined ? undefined : bad.fixed + path.slice(container.length), bad.fixed === undefined ? CONTAINER_RULES : undefined);
  if (prefix.split("/").some((s) => s === "." || s === "..")) {
    return problem('the prefix may not contain "." or ".." segments (path traversal)', undefined, "Name the folders plainly; the prefix is a blob-name prefix, not a filesystem path.");
  }
  return { container, prefix };
}

/** Azure's container naming rules, each with its own message. */
function containerProblem(name: string): { rule: string; fixed?: string } | undefined {
  if (name.length < 3 || name.length > 63) return { rule: `the container name "${name}" must be 3–63 characters long (it has ${name.length})` };
  if (/[^a-z0-9-]/.test(name)) {
    const lower = name.toLowerCase();
    if (/[A-Z]/.test(name) && !/[^a-z0-9-]/.test(lower)) {
      return { rule: `the container name "${name}" must be lowercase (only lowercase letters, digits and hyphens)`, fixed: lower };
    }
    const found = [...new Set(name.match(/[^a-z0-9-]/g) ?? [])].join("");
    return { rule: `the container name "${name}" may contain only lowercase letters, digits and hyphens (found "${found}")` };
  }
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return { rule: `the container name "${name}" must start and end with a letter or digit` };
  if (name.includes("--")) return { rule: `the container name "${name}" may not contain consecutive hyphens ("--")`, fixed: name.replace(/-{2,}/g, "-") };
  return undefined;
}

/** Validates `account.<service>.<cloud suffix>`; `rebuild` puts a repaired host back into the URL. */
function checkHost(host: string, scheme: string, service: "dfs" | "blob", rebuild: (host: string) => string): Omit<Problem, "form" | "example"> | undefined {
  const m = HOST.exec(host);
  if (!m) {
    return {
      rule: `the account host "${host}" is malformed; expected "<account>.${service}.core.windows.net"`,
      hint: `The host is the storage account name, then ".${service}." and the cloud's suffix: ${CLOUD_SUFFIXES.join(", ")}.`,
    };
  }
  const [, account = "", actual, suffix] = m;
  if (!/^[a-z0-9]{3,24}$/.test(account)) {
    const lower = account.toLowerCase();
    const candidate = /^[a-z0-9]{3,24}$/.test(lower)
      ? { candidate: rebuild(`${lower}.${service}.${suffix}`) }
      : { hint: 'Storage account names are 3–24 lowercase letters or digits, e.g. "myaccount"; see `az storage account list --query "[].name"`.' };
    return { rule: `the storage account name "${account}" must be 3–24 lowercase letters or digits`, ...candidate };
  }
  if (actual !== service) {
    return { rule: `${scheme}:// URLs name the ${service} endpoint ("<account>.${service}.${suffix}"), not "${host}"`, candidate: rebuild(`${account}.${service}.${suffix}`) };
  }
  return undefined;
}

/** `https://…` is not a root: say so, and translate a blob URL into the root it meant. */
function httpsProblem(rest: string): Problem {
  const slash = rest.indexOf("/");
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash + 1).replace(/\/+$/, "");
  const m = HOST.exec(host);
  const noScheme = 'A root is "container/prefix" with no scheme (it may not contain consecutive slashes)';
  if (!m || path === "") {
    return { rule: "drop the https:// prefix", ...BARE, hint: `${noScheme}; put the endpoint in WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT.` };
  }
  const [, account, , suffix] = m;
  const bare = check(path);
  const [container, ...prefix] = path.split("/");
  const wasbs = `wasbs://${container}@${account}.blob.${suffix}${prefix.length ? `/${prefix.join("/")}` : ""}`;
  const endpoint = `set WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://${account}.blob.${suffix} for account "${account}", or keep the account in the root with "${wasbs}"`;
  if (!isProblem(bare)) return { rule: "drop the https:// prefix", ...BARE, candidate: path, hint: `${noScheme}. Use "${path}" and ${endpoint}.` };
  // The bare form it meant is itself invalid: show it, but not as something to copy.
  return { rule: `drop the https:// prefix; this URL means "${path}" in account "${account}"`, ...BARE, hint: `${noScheme}. Also ${bare.rule}. Then ${endpoint}.` };
}
