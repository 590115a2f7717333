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
  try {
    module = await import(pathToFileURL(path).href);
  } catch (cause) {
    throw new WeftError("FLOW_LOAD", `${file} failed while loading: ${(cause as Error).message}`, {
      hint: "Code at the top level of the flow file runs when it loads; see the error above.",
      cause,
    });
  }
  const flowClass = module.default;
  if (typeof flowClass !== "function" || !(flowClass.prototype instanceof FlowSpec)) {
    throw new WeftError("FLOW_INVALID", `${file}: the default export is not a FlowSpec subclass.`, {
      hint: 'Write `import { FlowSpec } from "weft"; export default class MyFlow extends FlowSpec { … }`.',
    });
  }
  return flowClass as FlowClass;
}

