import { Command } from "commander";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { clientContext } from "../../client/context.ts";
import { parsePathspec } from "../../client/pathspec.ts";
import { Task } from "../../client/task.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { openRun, printTable } from "./list.ts";

interface CardOptions {
  id?: string;
  output?: string;
  open?: boolean;
  follow?: boolean;
  allUsers?: boolean;
}

/** How often `card view` re-reads a card whose task is still running. */
const FOLLOW_EVERY_MS = 1_000;

export function cardCommand(): Command {
  const card = new Command("card").description("read the cards (@card) of a task: one self-contained HTML file each, that works offline");
  const pathspec = "Flow/run/step/task, or Flow/run/step when the step has one task";
  card
    .command("get")
    .description("print a card's HTML (or write it to --output)")
    .argument("<pathspec>", pathspec)
    .option("--id <id>", "the card's id, when the task has several")
    .option("-o, --output <file>", "write the HTML to this file instead of stdout")
    .option("--all-users", "read another user's run (namespace(null))")
    .action(async (text: string, opts: CardOptions) => {
      const html = await (await taskOf(text, opts.allUsers)).card(opts.id);
      if (opts.output) await writeFile(opts.output, html);
      else process.stdout.write(html);
    });
  card
    .command("view")
    .description("write a card to a file under WEFT_HOME/cards and open it in the browser; while the task runs, keep the file up to date")
    .argument("<pathspec>", pathspec)
    .option("--id <id>", "the card's id, when the task has several")
    .option("--no-open", "only write the file and print its path")
    .option("--no-follow", "do not keep updating the file while the task runs")
    .option("--all-users", "read another user's run (namespace(null))")
    .action(async (text: string, opts: CardOptions) => view(text, opts));
  card
    .command("list")
    .description("list a task's cards")
    .argument("<pathspec>", pathspec)
    .option("--all-users", "read another user's run (namespace(null))")
    .action(async (text: string, opts: CardOptions) => {
      const cards = await (await taskOf(text, opts.allUsers)).cards();
      if (cards.length === 0) return void process.stderr.write("No cards.\n");
      printTable([["id", "type", "attempt", "state", "bytes"], ...cards.map((c) => [c.id, c.type, String(c.attempt), c.live ? "live" : "finished", c.live ? "" : String(c.size)])]);
    });
  return card;
}

async function view(text: string, opts: CardOptions): Promise<void> {
  const task = await taskOf(text, opts.allUsers);
  const { config } = await clientContext();
  const [entry] = (await task.cards()).filter((c) => opts.id === undefined || c.id === opts.id);
  const file = join(config.values.home, "cards", `${task.pathspec.replaceAll("/", "-")}-${entry?.id ?? opts.id ?? "card"}.html`);
  await mkdir(join(config.values.home, "cards"), { recursive: true });
  let html = await task.card(opts.id);
  await writeFile(file, html);
  process.stdout.write(`${file}\n`);
  if (opts.open !== false) openInBrowser(pathToFileURL(file).href);
  // A live card reloads itself in the browser; the file it reloads is kept current here until the task ends.
  let current = task;
  while (opts.follow !== false && !current.finished) {
    await sleep(FOLLOW_EVERY_MS);
    current = await Task.get(task.pathspec);
    const next = await current.card(opts.id);
    if (next !== html) await writeFile(file, (html = next));
  }
}

/** Opens a URL with the desktop's opener, if there is one; a machine without one just has the path printed. */
function openInBrowser(url: string): void {
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  const child = spawn(opener, [url], { stdio: "ignore", detached: true });
  child.on("error", () => process.stderr.write(`Open ${url} in a browser (${opener} is not available here).\n`));
  child.unref();
}

async function taskOf(text: string, allUsers: boolean | undefined): Promise<Task> {
  const path = parsePathspec(text, 3, 4);
  const run = await openRun(path, allUsers);
  if (path.task) return Task.get(text);
  const tasks = await run.step(path.step!).tasks().toArray();
  if (tasks.length !== 1) {
    throw new WeftError("USAGE", `Step ${text} has ${tasks.length} tasks; name one.`, { hint: `E.g. weft card get ${text}/${tasks[0]?.id ?? "0"}.` });
  }
  return tasks[0]!;
}
