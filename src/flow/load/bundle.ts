import { createRequire } from "node:module";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { importOptional } from "../../cli/optional-import.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { virtualModuleSource, WEFT_SPECIFIERS } from "./runtime-modules.ts";

export interface FlowBundle {
  /** An ES module with every dependency of the flow but Weft inlined. */
  code: string;
  map: string;
  /** Absolute paths of every file the bundle was built from. */
  inputs: string[];
}

// CommonJS dependencies inside an ES module bundle still call require().
const REQUIRE_SHIM = `import { createRequire as __weftCreateRequire } from "node:module"; const require = __weftCreateRequire(import.meta.url);`;

/**
 * Bundles a flow file once per run. The user needs no build step or tsconfig: the
 * flow is TypeScript with stage-3 decorators, and `weft` resolves to this Weft.
 */
export async function bundleFlow(file: string): Promise<FlowBundle> {
  const { build } = await importOptional(() => import("esbuild"));
  const absolute = resolve(file);
  try {
    const result = await build({
      entryPoints: [absolute],
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outfile: "flow.mjs",
      sourcemap: "linked",
      sourcesContent: true,
      banner: { js: REQUIRE_SHIM },
      logLevel: "silent",
      nodePaths: weftNodePaths(),
      // The user's tsconfig might ask for legacy decorators; flows use the standard ones.
      tsconfigRaw: { compilerOptions: { experimentalDecorators: false, useDefineForClassFields: true } },
      plugins: [
        {
          name: "weft-runtime",
          setup(b) {
            const filter = new RegExp(`^(${WEFT_SPECIFIERS.map((s) => s.replace("/", "\\/")).join("|")})$`);
            b.onResolve({ filter }, (args) => ({ path: args.path, namespace: "weft-runtime" }));
            b.onLoad({ filter: /.*/, namespace: "weft-runtime" }, async (args) => ({ contents: await virtualModuleSource(args.path), loader: "js" }));
          },
        },
      ],
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".mjs"))!.text;
    const map = JSON.parse(result.outputFiles.find((f) => f.path.endsWith(".map"))!.text) as { sources: string[] };
    // Sources are relative to the bundle's nominal folder; the bundle moves, so make them
    // absolute and stack traces keep naming the user's own files.
    map.sources = map.sources.map((source) => (isAbsolute(source) || source.includes(":") ? source : resolve(source)));
    const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes(":")).map((p) => resolve(p));
    return { code, map: JSON.stringify(map), inputs };
  } catch (cause) {
    const errors = (cause as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    const detail = errors.map((e) => `  ${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`).join("\n");
    throw new WeftError("FLOW_LOAD", `Could not build ${basename(file)}:\n${detail || (cause as Error).message}`, {
      hint: "Fix the import or syntax error above; flows may import any package installed beside them or beside Weft.",
      cause,
    });
  }
}

/** The node_modules folder holding Weft's dependencies, for flows outside any package. */
function weftNodePaths(): string[] {
  return [dirname(dirname(createRequire(import.meta.url).resolve("esbuild/package.json")))];
}
