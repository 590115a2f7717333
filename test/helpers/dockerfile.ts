// A small reader of the repository's Dockerfile and .dockerignore, for tests that check
// the runtime image without a Docker engine (these machines have none).

/** One Dockerfile instruction, continuation lines joined, in file order. */
export interface Instruction {
  keyword: string;
  args: string;
  /** Index of the build stage (FROM) it belongs to, from 0. */
  stage: number;
}

/** Parses a Dockerfile into instructions: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!pending && (line === "" || line.startsWith("#"))) continue;
    if (pending && line.startsWith("#")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(pending + line);
    pending = "";
  }
  if (pending) logical.push(pending.trim());
  let stage = -1;
  return logical.map((line) => {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === "FROM") stage++;
    return { keyword: upper, args: rest.join(" "), stage };
  });
}

/** A COPY's flags (`--from=deps`) and its sources; the destination is last. */
export function copySources(args: string): { flags: Record<string, string>; sources: string[]; destination: string } {
  const words = args.startsWith("[") ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith("--")) {
    const [name, value = ""] = words.shift()!.slice(2).split("=");
    flags[name!] = value;
  }
  return { flags, sources: words.slice(0, -1), destination: words.at(-1) ?? "" };
}

/** A .dockerignore pattern as a regular expression over slash-separated relative paths. */
function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+|\/+$/g, "")
    .split("")
    .map((c) => (/[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c))
    .join("")
    .replace(/\*\*/g, "\u0000")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]")
    .replace(/\u0000/g, ".*");
  // A pattern naming a folder also matches everything below it.
  return new RegExp(`^${body}(/.*)?$`);
}

/**
 * Whether `path` (relative to the context, e.g. "dist/cli.js") is sent to the build:
 * the last .dockerignore pattern that matches it decides, `!` re-including.
 */
export function inBuildContext(dockerignore: string, path: string): boolean {
  let included = true;
  for (const raw of dockerignore.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const exception = line.startsWith("!");
    if (patternRegExp(exception ? line.slice(1) : line).test(path.replace(/^\.\//, "").replace(/\/+$/, ""))) included = exception;
  }
  return included;
}
