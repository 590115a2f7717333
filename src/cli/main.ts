import { Command, CommanderError } from "commander";
import { exitCodeOf, formatError } from "../errors/format.ts";
import { weftPackage } from "../runtime/package-root.ts";
import { checkCommand } from "./commands/check.ts";
import { logsCommand } from "./commands/logs.ts";
import { preloadRunFlow, resumeCommand, runCommand } from "./commands/run.ts";
import { showCommand } from "./commands/show.ts";

process.setSourceMapsEnabled(true);

async function main(argv: string[]): Promise<number> {
  const preloaded = await preloadRunFlow(argv);
  const program = new Command("weft")
    .description("Weft: ML and data pipelines in TypeScript, local-first and Azure-native")
    .version(weftPackage().version, "-v, --version")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)");
  program.command("version").description("print the version").action(() => console.log(weftPackage().version));
  for (const command of [runCommand(preloaded), resumeCommand(), checkCommand(), showCommand(), logsCommand()]) program.addCommand(command.exitOverride());
  try {
    await program.parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? 0 : 2;
    }
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
