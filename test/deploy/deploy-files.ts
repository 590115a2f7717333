import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { repoRoot } from "../helpers/weft-cli.ts";

/** Every file under `dir` (relative to the repository) whose name passes `keep`, as POSIX path → text. Skips .terraform folders. */
export function readTree(dir: string, keep: (name: string) => boolean = () => true): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== ".terraform") walk(full);
      } else if (keep(entry.name)) files[relative(repoRoot, full).split("\\").join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(join(repoRoot, dir));
  return files;
}

export type Block = Record<string, unknown>;

/** One resource (or data source) block found in the parsed tree. */
export interface FoundBlock {
  file: string;
  name: string;
  body: Block;
}

/** The parsed Terraform files, searchable by resource type. */
export class TerraformTree {
  private constructor(readonly parsed: { file: string; body: Block }[]) {}

  static async load(files: Record<string, string>): Promise<TerraformTree> {
    const parsed = [];
    for (const [file, text] of Object.entries(files)) if (file.endsWith(".tf")) parsed.push({ file, body: (await parse(file, text)) as Block });
    return new TerraformTree(parsed);
  }

  /** Every block of `kind` (resource, data, module, output, variable) and `type`. */
  blocks(kind: string, type?: string): FoundBlock[] {
    const found: FoundBlock[] = [];
    for (const { file, body } of this.parsed) {
      const group = body[kind] as Record<string, unknown> | undefined;
      if (!group) continue;
      const byName = (type === undefined ? group : group[type]) as Record<string, unknown[]> | undefined;
      for (const [name, blocks] of Object.entries(byName ?? {})) found.push({ file, name, body: (blocks[0] ?? {}) as Block });
    }
    return found;
  }

  /** The one block of `type` named `name` in files under `dirPrefix`; throws when there is not exactly one. */
  one(kind: string, type: string | undefined, name: string, dirPrefix = ""): FoundBlock {
    const found = this.blocks(kind, type).filter((b) => b.name === name && b.file.startsWith(dirPrefix));
    if (found.length !== 1) throw new Error(`expected one ${kind} ${type ?? ""} "${name}" under ${dirPrefix || "the tree"}, found ${found.length}`);
    return found[0]!;
  }
}

/** A nested block's first body: `block(b, "blob_properties", "delete_retention_policy")`. */
export function block(body: Block, ...path: string[]): Block | undefined {
  let current: unknown = body;
  for (const key of path) {
    const next = (current as Block | undefined)?.[key];
    current = Array.isArray(next) ? next[0] : next;
  }
  return current as Block | undefined;
}
