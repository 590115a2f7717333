import { pathToFileURL } from "node:url";
import { WeftError } from "../../errors/weft-error.ts";
import { FlowSpec } from "../flow-spec.ts";
import { installRuntimeModules } from "./runtime-modules.ts";

export type FlowClass = new () => FlowSpec;

/** Imports a bundled flow and returns its default export, checked to be a FlowSpec subclass. */
export async function importFlowClass(path: string, file: string): Promise<FlowClass> {
  installRuntimeModules();
  // Stack traces from a step then point into the user's .ts file, not the bundle. Enabled
  // here rather than at start-up, so that a task does not read and parse the source maps
  // of Weft's own modules it loads before the flow.
  process.setSourceMapsEnabled(true);
  let module: { default?: unknown };
  const exits = trapExit();
  try {
    module = await import(pathToFileURL(path).href);
  } catch (cause) {
    if (exits.code !== undefined) throw exitError(file, exits.code);
    throw new WeftError("FLOW_LOAD", `${file} failed while loading: ${(cause as Error).message}`, {
      hint: "Code at the top level of the flow file runs when it loads; see the error above.",
      cause,
    });
  } finally {
    exits.restore();
  }
  // A flow that caught the throw below still called process.exit: it must not load as if it had not.
  if (exits.code !== undefined) throw exitError(file, exits.code);
  const flowClass = module.default;
  if (typeof flowClass !== "function" || !(flowClass.prototype instanceof FlowSpec)) {
    throw new WeftError("FLOW_INVALID", `${file}: the default export is not a FlowSpec subclass.`, {
      hint: 'Write `import { FlowSpec } from "weft"; export default class MyFlow extends FlowSpec { … }`.',
    });
  }
  return flowClass as FlowClass;
}


/** Thrown in place of exiting, so that the module's evaluation stops where it called exit. */
class ExitWhileLoading extends Error {}

/**
 * Replaces process.exit while the flow module evaluates: an exit at the top level of
 * a flow file would otherwise end `weft run` (with code 0, for `process.exit(0)`) before
 * any step ran, saying nothing. Only the import is covered; steps run later, untouched.
 */
function trapExit(): { code: number | string | undefined; restore: () => void } {
  const original = process.exit;
  const trap = {
    code: undefined as number | string | undefined,
    restore: () => void (process.exit = original),
  };
  process.exit = ((code?: number | string | null) => {
    trap.code = code ?? process.exitCode ?? 0;
    throw new ExitWhileLoading(`process.exit(${String(trap.code)}) called while loading the flow`);
  }) as typeof process.exit;
  return trap;
}

function exitError(file: string, code: number | string): WeftError {
  return new WeftError("FLOW_LOAD", `${file} called process.exit(${JSON.stringify(code)}) while loading, so the flow never ran.`, {
    hint: "Remove process.exit from the top level of the flow file: code there runs whenever the flow is loaded. To fail a step, throw an error in it.",
  });
}
