// Weft's command-line, compiler and server stacks are optionalDependencies, so that an
// install for running tasks (`npm install --omit=optional`, the runtime image) leaves
// them out. A command that needs one of them then fails here with the package's name
// and the command that installs it, instead of Node's ERR_MODULE_NOT_FOUND stack.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WeftError } from "../errors/weft-error.ts";
import { weftPackage } from "../runtime/package-root.ts";

/**
 * Every optional dependency of Weft (package.json `optionalDependencies`), by the
 * stack it belongs to and what needs it. A task never imports any of them.
 */
export const OPTIONAL_STACKS = {
  // The build bundles the Azure SDKs into dist/ (scripts/build.mjs), so nothing imports
  // these at run time. They stay in a full install because src/ is the package's types,
  // and TypeScript reads the SDKs' own when it checks code that imports weft/client.
  azureTypes: { needs: "type-checking code that imports weft or weft/client (the Azure SDKs' types)", packages: ["@azure/identity", "@azure/keyvault-secrets", "@azure/storage-blob"] },
  cli: { needs: "the weft command line (every command but `weft step`)", packages: ["commander"] },
  compiler: { needs: "loading a flow (`weft run`, `resume`, `check`, `show`)", packages: ["esbuild", "@babel/parser"] },
  kubernetes: { needs: "Kubernetes: `weft kubernetes`, and steps run with @kubernetes", packages: ["@kubernetes/client-node"] },
  server: {
    needs: "the metadata service (`weft service`)",
    // light-my-request is fastify's, pinned here because package.json's `overrides` do not
    // reach an install of the published package: 6.8 pulls cookie 2 (Node >= 22), and npm
    // skips an optional package whose tree it cannot install, so fastify would be left out.
    packages: ["fastify", "@fastify/swagger", "fastify-type-provider-zod", "light-my-request", "@electric-sql/pglite", "pg", "umzug", "jose", "openapi-types"],
  },
} as const;

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/**
 * The missing optional package that `error` reports, or undefined when `error` is
 * anything else (another missing module is a broken install or a bug, and keeps its stack).
 */
export function missingOptionalPackage(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return undefined;
  // ESM: "Cannot find package 'esbuild' imported from …"; require.resolve: "Cannot find module 'esbuild/package.json'".
  const specifier = /Cannot find (?:package|module) '([^']+)'/.exec((error as Error).message)?.[1];
  if (!specifier || specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  const name = packageOf(specifier);
  return Object.values(OPTIONAL_STACKS).some((s) => (s.packages as readonly string[]).includes(name)) ? name : undefined;
}

/** The version package.json pins for `name`, if it can be read. */
function pinnedVersion(name: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(weftPackage().root, "package.json"), "utf8")) as { optionalDependencies?: Record<string, string> };
    return manifest.optionalDependencies?.[name];
  } catch {
    return undefined;
  }
}

/** A CONFIG WeftError (exit 2) for a missing optional package, or undefined (see missingOptionalPackage). */
export function missingPackageError(error: unknown): WeftError | undefined {
  const name = missingOptionalPackage(error);
  if (!name) return undefined;
  const stack = Object.values(OPTIONAL_STACKS).find((s) => (s.packages as readonly string[]).includes(name))!;
  const version = pinnedVersion(name);
  const spec = version ? `${name}@${version}` : name;
  return new WeftError("CONFIG", `The package "${name}" is not installed [${spec}]; Weft needs it for ${stack.needs}.`, {
    hint:
      `A task-only install (npm install --omit=optional) has only what \`weft step\` needs, and npm also skips an optional ` +
      `package it cannot install here. Install Weft without --omit=optional, or add the package beside it: npm install ${spec}`,
    cause: error,
  });
}

/**
 * Runs `load` (a dynamic import of a module that needs an optional package) and turns
 * a missing optional package into a WeftError; any other failure is rethrown as is.
 */
export async function importOptional<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw missingPackageError(error) ?? error;
  }
}
