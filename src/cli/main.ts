import { exitCodeOf, formatError } from "../errors/format.ts";
import { missingPackageError } from "./optional-import.ts";

process.setSourceMapsEnabled(true);

// `weft logs … | head`: the reader went away; stop quietly, as other CLI tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(Number(process.exitCode ?? 0));
    throw error;
  });
}

// The program is loaded dynamically: commander is an optional dependency, left out of a
// task-only install, and a missing package must read as a WeftError, not a stack.
let program: typeof import("./program.ts");
try {
  program = await import("./program.ts");
} catch (error) {
  const missing = missingPackageError(error);
  if (!missing) throw error;
  process.stderr.write(`${formatError(missing)}\n`);
  process.exit(exitCodeOf(missing));
}
process.exitCode = await program.main(process.argv.slice(2));
