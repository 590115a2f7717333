// A static checker for deploy/azure/terraform, run by `npm test` without terraform or
// providers: every .tf parses (HashiCorp's own HCL parser, compiled to wasm in
// @cdktf/hcl2json), every reference names something declared, variables are typed and
// described, providers and module sources are pinned, and outputs carrying secrets are
// sensitive. It works on a map of path → text so tests can feed it broken snippets.
import { posix } from "node:path";
import { getReferencesInExpression, parse } from "@cdktf/hcl2json";

export interface Finding {
  file: string;
  message: string;
}

/** One Terraform module: the .tf files of one folder, parsed. */
interface Module {
  dir: string;
  files: { path: string; body: Body }[];
  variables: Map<string, Body>;
  locals: Set<string>;
  outputs: Map<string, Body>;
  resources: Set<string>;
  data: Set<string>;
  calls: Map<string, { body: Body; file: string }>;
}

type Body = Record<string, unknown>;

/** Names a reference may start with that are not declared anywhere. */
const BUILTINS = new Set(["each", "count", "path", "terraform", "self"]);
/** Meta-arguments of a module block, which are not the module's variables. */
const MODULE_META = new Set(["source", "version", "count", "for_each", "depends_on", "providers"]);
/** `~> 4.30`, `~> 4.30.1`, `4.30.1`, `= 4.30.1`: a major (and minor) that cannot move. */
const PINNED = /^(~>\s*\d+\.\d+(\.\d+)?|=?\s*\d+\.\d+\.\d+)$/;

/** Checks every module under the paths of `files` (keys are POSIX paths, values file text). */
export async function checkTerraform(files: Record<string, string>): Promise<Finding[]> {
  const findings: Finding[] = [];
  const modules = new Map<string, Module>();
  for (const dir of new Set(Object.keys(files).filter((p) => p.endsWith(".tf")).map((p) => posix.dirname(p)))) {
    modules.set(dir, await loadModule(dir, files, findings));
  }
  for (const module of modules.values()) {
    checkDeclarations(module, findings);
    checkProviders(module, findings);
    checkModuleCalls(module, modules, findings);
    await checkReferences(module, modules, findings);
    await checkSensitiveOutputs(module, modules, findings);
  }
  return findings;
}

async function loadModule(dir: string, files: Record<string, string>, findings: Finding[]): Promise<Module> {
  const module: Module = { dir, files: [], variables: new Map(), locals: new Set(), outputs: new Map(), resources: new Set(), data: new Set(), calls: new Map() };
  for (const path of Object.keys(files).filter((p) => p.endsWith(".tf") && posix.dirname(p) === dir).sort()) {
    let body: Body;
    try {
      body = (await parse(path, files[path]!)) as Body;
    } catch (error) {
      findings.push({ file: path, message: `does not parse: ${(error as Error).message}` });
      continue;
    }
    module.files.push({ path, body });
    for (const [name, blocks] of entries(body.variable)) module.variables.set(name, first(blocks));
    for (const block of list(body.locals)) for (const name of Object.keys(block as Body)) module.locals.add(name);
    for (const [name, blocks] of entries(body.output)) module.outputs.set(name, first(blocks));
    for (const [type, named] of entries(body.resource)) for (const name of Object.keys(named as Body)) module.resources.add(`${type}.${name}`);
    for (const [type, named] of entries(body.data)) for (const name of Object.keys(named as Body)) module.data.add(`${type}.${name}`);
    for (const [name, blocks] of entries(body.module)) module.calls.set(name, { body: first(blocks), file: path });
  }
  return module;
}

function checkDeclarations(module: Module, findings: Finding[]): void {
  for (const { path, body } of module.files) {
    for (const [name, blocks] of entries(body.variable)) {
      const variable = first(blocks);
      if (variable.type === undefined) findings.push({ file: path, message: `variable "${name}" has no type` });
      if (typeof variable.description !== "string" || variable.description.trim() === "") findings.push({ file: path, message: `variable "${name}" has no description` });
    }
    for (const [name, blocks] of entries(body.output)) {
      const output = first(blocks);
      if (typeof output.description !== "string" || output.description.trim() === "") findings.push({ file: path, message: `output "${name}" has no description` });
    }
  }
}

/** Every provider a resource or data source uses is declared with a source and a pinned version. */
function checkProviders(module: Module, findings: Finding[]): void {
  const required = new Map<string, { body: Body; file: string }>();
  for (const { path, body } of module.files) {
    for (const terraform of list(body.terraform)) {
      for (const block of list((terraform as Body).required_providers)) {
        for (const [name, spec] of Object.entries(block as Body)) required.set(name, { body: spec as Body, file: path });
      }
    }
  }
  for (const [name, { body, file }] of required) {
    if (typeof body.source !== "string") findings.push({ file, message: `provider "${name}" has no source in required_providers` });
    if (typeof body.version !== "string" || !PINNED.test(body.version.trim())) {
      findings.push({ file, message: `provider "${name}" version ${JSON.stringify(body.version ?? null)} is not pinned: use an exact version or "~> MAJOR.MINOR"` });
    }
  }
  const used = new Set([...module.resources, ...module.data].map((address) => address.split("_")[0]!));
  for (const provider of used) {
    if (!required.has(provider)) findings.push({ file: `${module.dir}/`, message: `provider "${provider}" is used but not in required_providers` });
  }
}

/** Module sources are local folders that exist, registry modules with a pinned version, or git at a ref. */
function checkModuleCalls(module: Module, modules: Map<string, Module>, findings: Finding[]): void {
  for (const [name, { body, file }] of module.calls) {
    const source = body.source;
    if (typeof source !== "string") {
      findings.push({ file, message: `module "${name}" has no source` });
      continue;
    }
    if (source.startsWith("./") || source.startsWith("../")) {
      const target = modules.get(posix.normalize(posix.join(module.dir, source)));
      if (!target) {
        findings.push({ file, message: `module "${name}" source ${source} is not a folder of .tf files` });
        continue;
      }
      for (const argument of Object.keys(body)) {
        if (!MODULE_META.has(argument) && !target.variables.has(argument)) findings.push({ file, message: `module "${name}" sets "${argument}", which ${source} does not declare as a variable` });
      }
      for (const [variable, declaration] of target.variables) {
        if (!("default" in declaration) && !(variable in body)) findings.push({ file, message: `module "${name}" does not set the required variable "${variable}" of ${source}` });
      }
    } else if (/^(git::|github\.com\/|git@)/.test(source)) {
      if (!/[?&]ref=[\w.-]+/.test(source)) findings.push({ file, message: `module "${name}" source ${source} is not pinned: add ?ref=<tag or commit>` });
    } else if (/^[\w-]+\/[\w-]+\/[\w-]+$/.test(source)) {
      if (typeof body.version !== "string" || !PINNED.test(body.version.trim())) findings.push({ file, message: `module "${name}" from the registry (${source}) has no pinned version` });
    } else {
      findings.push({ file, message: `module "${name}" source ${source} is neither a local folder, a registry module nor git at a ref` });
    }
  }
}

/** Every `${…}` expression's references name a declared variable, local, resource, data source or module output. */
async function checkReferences(module: Module, modules: Map<string, Module>, findings: Finding[]): Promise<void> {
  for (const { path, body } of module.files) {
    for (const { text, scope } of fileExpressions(body)) {
      for (const { value } of await referencesIn(path, text, findings)) {
        const problem = resolve(value.split("."), module, modules, scope);
        if (problem) findings.push({ file: path, message: `${value}: ${problem}` });
      }
    }
  }
}

/**
 * The references of every `${…}` in a string. Each interpolation is parsed on its own:
 * the parser wraps its input in quotes itself, so the text around an interpolation
 * (which may hold escaped quotes) must not reach it.
 */
async function referencesIn(path: string, text: string, findings: Finding[]): Promise<{ value: string }[]> {
  const found: { value: string }[] = [];
  for (const interpolation of interpolations(text)) {
    try {
      found.push(...(await getReferencesInExpression(path, interpolation)));
    } catch (error) {
      findings.push({ file: path, message: `expression ${interpolation} does not parse: ${(error as Error).message}` });
    }
  }
  return found;
}

/** Each `${…}` of a template string, braces balanced and quoted strings inside skipped. */
export function interpolations(text: string): string[] {
  const found: string[] = [];
  for (let start = text.indexOf("${"); start !== -1; start = text.indexOf("${", start + 2)) {
    let depth = 0;
    let quoted = false;
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === "\\") i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        found.push(text.slice(start, i + 1));
        start = i - 1;
        break;
      }
    }
  }
  return found;
}

/** Why a reference does not resolve, or undefined when it does. */
function resolve(parts: string[], module: Module, modules: Map<string, Module>, scope: string[]): string | undefined {
  const [head, second, third] = parts;
  if (head === undefined || BUILTINS.has(head) || scope.includes(head)) return undefined;
  if (head === "var") return module.variables.has(second!) ? undefined : `no variable "${second}" is declared in ${module.dir}`;
  if (head === "local") return module.locals.has(second!) ? undefined : `no local "${second}" is declared in ${module.dir}`;
  if (head === "data") return module.data.has(`${second}.${third}`) ? undefined : `no data source ${second}.${third} is declared in ${module.dir}`;
  if (head === "module") {
    const call = module.calls.get(second!);
    if (!call) return `no module "${second}" is called in ${module.dir}`;
    const source = call.body.source as string;
    const target = modules.get(posix.normalize(posix.join(module.dir, source)));
    if (third !== undefined && target && !target.outputs.has(third)) return `module "${second}" (${source}) declares no output "${third}"`;
    return undefined;
  }
  if (second === undefined) return `"${head}" is not a declared name`;
  return module.resources.has(`${head}.${second}`) ? undefined : `no resource ${head}.${second} is declared in ${module.dir}`;
}

/** Every string holding `${` in a file, skipping variables' type expressions. */
function* fileExpressions(body: Body): Generator<{ text: string; scope: string[] }> {
  for (const [kind, content] of Object.entries(body)) {
    if (kind !== "variable") {
      yield* expressions(content, []);
      continue;
    }
    for (const [, blocks] of entries(content)) {
      const { type: _type, ...rest } = first(blocks);
      yield* expressions(rest, []);
    }
  }
}

/** Every string holding `${`, with the names a dynamic block's iterator adds to its scope. */
function* expressions(value: unknown, scope: string[]): Generator<{ text: string; scope: string[] }> {
  if (typeof value === "string") {
    if (value.includes("${")) yield { text: value, scope };
  } else if (Array.isArray(value)) {
    for (const item of value) yield* expressions(item, scope);
  } else if (value && typeof value === "object") {
    for (const [name, child] of Object.entries(value)) {
      // ignore_changes lists attribute names, not references.
      if (name === "ignore_changes") continue;
      if (name !== "dynamic") {
        yield* expressions(child, scope);
        continue;
      }
      for (const [block, bodies] of entries(child)) {
        for (const dynamicBody of list(bodies)) {
          const iterator = (dynamicBody as Body).iterator;
          yield* expressions(dynamicBody, [...scope, typeof iterator === "string" ? iterator : block]);
        }
      }
    }
  }
}

/** An output whose value comes from a secret (a generated password, a Key Vault secret's value, a sensitive output) is marked sensitive. */
async function checkSensitiveOutputs(module: Module, modules: Map<string, Module>, findings: Finding[]): Promise<void> {
  for (const { path, body } of module.files) {
    for (const [name, blocks] of entries(body.output)) {
      const output = first(blocks);
      if (output.sensitive === true || typeof output.value !== "string") continue;
      const references = await referencesIn(path, output.value, []);
      const secret = references.find(({ value }) => carriesSecret(value.split("."), module, modules));
      if (secret) findings.push({ file: path, message: `output "${name}" holds a secret (${secret.value}) but is not marked sensitive` });
    }
  }
}

function carriesSecret(parts: string[], module: Module, modules: Map<string, Module>): boolean {
  const [head, second, third] = parts;
  if (head === "random_password") return true;
  if (head === "azurerm_key_vault_secret" && third === "value") return true;
  if (head === "module" && second && third) {
    const source = module.calls.get(second)?.body.source;
    const target = typeof source === "string" ? modules.get(posix.normalize(posix.join(module.dir, source))) : undefined;
    return target?.outputs.get(third)?.sensitive === true;
  }
  return false;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
const first = (blocks: unknown): Body => (list(blocks)[0] ?? {}) as Body;
const entries = (value: unknown): [string, unknown][] => (value && typeof value === "object" ? Object.entries(value) : []);
