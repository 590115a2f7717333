import * as weft from "../../index.ts";

/** The modules a flow bundle may import from Weft, by specifier. */
export interface RuntimeModules {
  weft: Record<string, unknown>;
  load(specifier: string): Promise<Record<string, unknown>>;
}

export const RUNTIME_MODULES = Symbol.for("weft.runtimeModules");

const LOADERS: Record<string, () => Promise<Record<string, unknown>>> = {
  weft: async () => weft,
  "weft/client": () => import("../../client/index.ts"),
  "weft/cards": () => import("../../cards/index.ts"),
};

export const WEFT_SPECIFIERS = Object.keys(LOADERS);

/**
 * Makes this process's Weft the one flow bundles import. A bundle reads `weft` from
 * here instead of carrying its own copy, so the flow's FlowSpec is the runtime's, and
 * the same bundle works wherever Weft is installed (a laptop, a pod).
 */
export function installRuntimeModules(): void {
  const modules: RuntimeModules = {
    weft,
    load: (specifier) => {
      const loader = LOADERS[specifier];
      if (!loader) throw new Error(`weft does not export "${specifier}"`);
      return loader();
    },
  };
  (globalThis as Record<symbol, unknown>)[RUNTIME_MODULES] = modules;
}

/** The source of the virtual module that stands for `specifier` inside a bundle. */
export async function virtualModuleSource(specifier: string): Promise<string> {
  const names = Object.keys(await LOADERS[specifier]!()).filter((n) => n !== "default");
  const access = `globalThis[Symbol.for("weft.runtimeModules")]`;
  const head = specifier === "weft" ? `const m = ${access}.weft;` : `const m = await ${access}.load(${JSON.stringify(specifier)});`;
  return `${head}\n${names.map((n) => `export const ${n} = m.${n};`).join("\n")}\n`;
}
