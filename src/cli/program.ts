import { Command, CommanderError } from "commander";
import { exitCodeOf, formatError } from "../errors/format.ts";
import { weftPackage } from "../runtime/package-root.ts";
import { argoWorkflowsCommand } from "./commands/argo-workflows.ts";
import { cardCommand } from "./commands/card.ts";
import { checkCommand } from "./commands/check.ts";
import { compareCommand } from "./commands/compare.ts";
import { configureCommand } from "./commands/configure.ts";
import { dumpCommand } from "./commands/dump.ts";
import { kubernetesCommand } from "./commands/kubernetes.ts";
import { listCommand } from "./commands/list.ts";
import { logsCommand } from "./commands/logs.ts";
import { metricsCommand } from "./commands/metrics.ts";
import { preloadRunFlow, resumeCommand, runCommand } from "./commands/run.ts";
import { serviceCommand } from "./commands/service.ts";
import { showCommand } from "./commands/show.ts";
import { tagCommand } from "./commands/tag.ts";
import { uiCommand } from "./commands/ui.ts";

/** Runs one weft command (argv without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const preloaded = await preloadRunFlow(argv);
  const program = new Command("weft")
    .description("Weft: ML and data pipelines in TypeScript, local-first and Azure-native")
    .version(weftPackage().version, "-v, --version")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)");
  program.command("version").description("print the version").action(() => console.log(weftPackage().version));
  for (const command of [runCommand(preloaded), resumeCommand(), checkCommand(), showCommand(), logsCommand(), serviceCommand(), uiCommand()]) program.addCommand(command.exitOverride());
  for (const command of [dumpCommand(), listCommand(), tagCommand(), configureCommand(), kubernetesCommand()]) program.addCommand(exitOverrideAll(command));
  for (const command of [cardCommand(), metricsCommand(), compareCommand(), argoWorkflowsCommand()]) program.addCommand(exitOverrideAll(command));
  try {
    await program.parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for is success; help shown because a subcommand is missing is a usage error.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || (error.code === "commander.help" && error.exitCode === 0) ? 0 : 2;
    }
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  }
}

/** Subcommands (`list runs`, `tag add`) must throw rather than exit, like their parents. */
function exitOverrideAll(command: Command): Command {
  command.exitOverride();
  command.commands.forEach(exitOverrideAll);
  return command;
}
