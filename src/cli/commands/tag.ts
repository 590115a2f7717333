import { Command } from "commander";
import { parsePathspec } from "../../client/pathspec.ts";
import type { Run } from "../../client/run.ts";
import { SYSTEM_TAG_PREFIXES } from "../../client/tags.ts";
import { openRun, printJson } from "./list.ts";

const RUNPATH = "the run, Flow/run";
const ALL_USERS = "a run of another user (namespace(null))";

interface TagOptions {
  json?: boolean;
  allUsers?: boolean;
}

export function tagCommand(): Command {
  const tag = new Command("tag").description(
    `add, remove or list a run's tags. User tags are yours to change; system tags (${SYSTEM_TAG_PREFIXES.map((p) => `${p}…`).join(", ")}) are set by Weft and cannot be changed`,
  );
  tag
    .command("add")
    .description("add user tags to a run (tags it already has are kept once)")
    .argument("<runpath>", RUNPATH)
    .argument("<tags...>", "tags: at most 256 characters each, no control characters, no system prefix")
    .option("--json", "print the run's tags as JSON")
    .option("--all-users", ALL_USERS)
    .action(async (text: string, tags: string[], opts: TagOptions) => {
      const run = await runOf(text, opts);
      const before = run.userTags;
      await run.addTags(...tags);
      const unique = [...new Set(tags)];
      const had = unique.filter((t) => before.includes(t));
      const added = unique.filter((t) => !had.includes(t));
      if (!opts.json) process.stderr.write(`${added.length ? `Added to ${run.pathspec}: ${list(added)}.` : ""}${had.length ? ` ${run.pathspec} already had: ${list(had)}.` : ""}`.trim() + "\n");
      show(run, opts.json);
    });
  tag
    .command("remove")
    .description("remove user tags from a run; all or nothing, each must be on the run")
    .argument("<runpath>", RUNPATH)
    .argument("<tags...>", "user tags to remove")
    .option("--json", "print the run's tags as JSON")
    .option("--all-users", ALL_USERS)
    .action(async (text: string, tags: string[], opts: TagOptions) => {
      const run = await runOf(text, opts);
      await run.removeTags(...tags);
      if (!opts.json) process.stderr.write(`Removed from ${run.pathspec}: ${list([...new Set(tags)])}.\n`);
      show(run, opts.json);
    });
  tag
    .command("list")
    .description("a run's system tags and user tags")
    .argument("<runpath>", RUNPATH)
    .option("--json", "print JSON")
    .option("--all-users", ALL_USERS)
    .action(async (text: string, opts: TagOptions) => show(await runOf(text, opts), opts.json));
  return tag;
}

function runOf(text: string, opts: TagOptions): Promise<Run> {
  return openRun(parsePathspec(text, 2, 2), opts.allUsers);
}

function show(run: Run, json: boolean | undefined): void {
  if (json) return printJson({ pathspec: run.pathspec, systemTags: run.systemTags, userTags: run.userTags });
  process.stdout.write(`${run.pathspec}\n  system tags: ${list(run.systemTags)}\n  user tags:   ${list(run.userTags)}\n`);
}

/** Tags as shown: JSON-quoted only when they hold a comma, quote or space, to keep the list readable. */
function list(tags: string[]): string {
  return tags.length ? tags.map((t) => (/[\s,"]/.test(t) ? JSON.stringify(t) : t)).join(", ") : "(none)";
}
