// Resolving configuration keys: flag, environment variable, profile file, default.
// Imports no zod and no key table, so that a task process can resolve the core keys
// alone (core-config.ts); resolve.ts resolves them all.
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { checkFolder } from "../errors/fs-errors.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { ConfigKey, CoreKeyName } from "./core-keys.ts";

export type ConfigSource = "flag" | "env" | "profile" | "default";

/** A resolved configuration of the keys `K`: each key's value (undefined when unset) and where it came from. */
export interface ResolvedKeys<K extends string> {
  values: { [P in K]: P extends RequiredKey ? string : string | undefined };
  sources: Record<K, ConfigSource | undefined>;
  /** The profile file that was read, if any. */
  profilePath: string | undefined;
}

/** The keys that always have a value: each has a default. */
type RequiredKey = "home" | "user" | "datastore" | "datastoreSysrootLocal" | "metadata" | "azureWorkloadType" | "azureClientProvider";

export interface ResolveOptions<K extends string = string> {
  /** Values given as command-line flags, by key name. */
  flags?: Partial<Record<K, string | undefined>>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  userHome?: string;
}

/**
 * Resolves every key of `keys` in the order flag, environment variable, profile file,
 * default. Throws a CONFIG WeftError naming the variable and the expected form on a
 * bad value. `keys` holds every key with a default (core-keys.ts).
 */
export function resolveKeys<K extends string>(keys: Record<K, ConfigKey>, options: ResolveOptions<K> = {}): ResolvedKeys<K> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { profile, profilePath } = readProfile(env, options.userHome ?? homedir());
  const values: Record<string, string | undefined> = {};
  const sources: Record<string, ConfigSource | undefined> = {};

  for (const [name, key] of Object.entries<ConfigKey>(keys)) {
    const candidates: [ConfigSource, string | undefined][] = [
      ["flag", options.flags?.[name as K]],
      ["env", env[key.env]],
      ["profile", profile[key.env]],
    ];
    const found = candidates.find(([, v]) => v !== undefined && v !== "");
    if (!found) continue;
    const checked = key.check(found[1]!);
    if ("problem" in checked) {
      const where = found[0] === "profile" ? `in ${profilePath}` : found[0] === "flag" ? "given as a flag" : "in the environment";
      const shown = key.secret ? "(hidden)" : JSON.stringify(found[1]);
      throw new WeftError("CONFIG", `Invalid value ${shown} for ${key.env} (${where}): ${checked.problem}.`, {
        hint: `Set ${key.env} to a valid value, or unset it to use the default.`,
      });
    }
    values[name] = checked.value;
    sources[name] = found[0];
  }
  applyDefaults(values, sources, cwd, env);
  return { values: values as ResolvedKeys<K>["values"], sources: sources as ResolvedKeys<K>["sources"], profilePath };
}

function applyDefaults(values: Record<string, string | undefined>, sources: Record<string, ConfigSource | undefined>, cwd: string, env: NodeJS.ProcessEnv): void {
  const defaults: Partial<Record<CoreKeyName, () => string>> = {
    home: () => findHome(cwd),
    user: () => defaultUser(env),
    datastore: () => "local",
    datastoreSysrootLocal: () => join(values.home!, "datastore"),
    metadata: () => "local",
    azureWorkloadType: () => "default",
    azureClientProvider: () => "azure-default",

  };
  for (const [name, make] of Object.entries(defaults)) {
    if (values[name] !== undefined) continue;
    values[name] = make();
    sources[name] = "default";
  }
  // SPEC §5: bare secret ids go to Key Vault when a vault prefix is set; otherwise they must name their type.
  if (values.secretsBackend === undefined && values.keyVaultPrefix !== undefined) {
    values.secretsBackend = "az-key-vault";
    sources.secretsBackend = "default";
  }
  values.home = resolve(cwd, values.home!);
  values.datastoreSysrootLocal = resolve(cwd, values.datastoreSysrootLocal!);
  // Every command writes under WEFT_HOME (cache, local metadata): a file there is refused now, not as ENOTDIR later.
  checkFolder({ root: values.home, variable: "WEFT_HOME" });
}

/** The nearest `.weft` folder in `cwd` or its parents, else `cwd/.weft`. */
export function findHome(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, ".weft");
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(dir) === dir) return join(resolve(cwd), ".weft");
  }
}

function defaultUser(env: NodeJS.ProcessEnv): string {
  try {
    return env.USER || userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}

/** Profile names: kept to one file name inside ~/.weft, so no `/`, `..` or leading `.`. */
const PROFILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;
const PROFILE_NAME_RULE = "1 to 64 letters, digits, _, - or ., not starting with .";

/**
 * The profile file Weft reads, whether or not it exists: `~/.weft/config.json`, or
 * `~/.weft/config_<name>.json` with WEFT_PROFILE=name. Works even when the file is not
 * valid JSON, so that `weft configure reset` can remove it.
 */
export function activeProfile(env: NodeJS.ProcessEnv = process.env, userHome: string = homedir()): { name: string | undefined; path: string } {
  const name = env.WEFT_PROFILE || undefined;
  // The name becomes part of a file name that `configure reset` deletes: `../x` must not reach outside ~/.weft.
  if (name !== undefined && !PROFILE_NAME.test(name)) {
    throw new WeftError("CONFIG", `Invalid profile name ${JSON.stringify(name)} [WEFT_PROFILE]: a profile name is ${PROFILE_NAME_RULE}.`, {
      hint: `Use a name such as "staging" or "team-a.prod" (read from ~/.weft/config_<name>.json), or unset WEFT_PROFILE.`,
    });
  }
  return { name, path: join(userHome, ".weft", name ? `config_${name}.json` : "config.json") };
}

function readProfile(env: NodeJS.ProcessEnv, userHome: string): { profile: Record<string, string>; profilePath: string | undefined } {
  const { name, path } = activeProfile(env, userHome);
  if (!existsSync(path)) {
    if (name) throw new WeftError("CONFIG", `Profile "${name}" not found: ${path} does not exist [WEFT_PROFILE].`, {
      hint: `Create it with \`weft configure azure\`, or unset WEFT_PROFILE to use ~/.weft/config.json.`,
    });
    return { profile: {}, profilePath: undefined };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    // The parser's own message quotes the file around the error, which may be a secret.
    const position = /position (\d+)/.exec((cause as Error).message)?.[1];
    const where = position === undefined ? "" : ` at ${lineAndColumn(readFileSync(path, "utf8"), Number(position))}`;
    throw new WeftError("CONFIG", `Profile file ${path} is not valid JSON${where}.`, {
      hint: `Fix the file, or remove it and run \`weft configure reset\`.`,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WeftError("CONFIG", `Profile file ${path} must hold a JSON object of variable names to values.`, {
      hint: `Example: {"WEFT_DEFAULT_DATASTORE": "local"}`,
    });
  }
  const profile: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) profile[k] = typeof v === "string" ? v : JSON.stringify(v);
  return { profile, profilePath: path };
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}
