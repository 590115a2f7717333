import { createHash } from "node:crypto";
import type { StorageBackend } from "../datastore/types.ts";
import { layout } from "../datastore/layout.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { StepDecorators } from "../flow/decorators/specs.ts";
import type { FlowGraph } from "../flow/graph/graph.ts";
import type { ResolvedConfigs } from "../flow/configs.ts";
import type { ParamSpec } from "../flow/params.ts";
import type { ProjectInfo } from "../flow/project.ts";
import type { SecretsPlan } from "../secrets/inject.ts";
import type { ProviderSettings } from "../secrets/types.ts";
import type { IncludedFile } from "./run-spec.ts";

/**
 * What every run of one version of a flow shares, decided before any run exists: the
 * graph, validated decorators, parameter declarations, the stored code package, the
 * project branch and the secrets plan. `createRun` makes one and records a run of it at
 * once; `weft argo-workflows create` stores one as a *deployment*, from which the first
 * template of each Argo workflow records its run (`weft step --create-run`), since the
 * flow file is not in the pod.
 */
export interface RunBlueprint {
  flow: string;
  /** Who made it: the user of every run of it. */
  user: string;
  codePackage: { sha: string; key: string; startsProcesses?: boolean };
  graph: FlowGraph;
  decorators: Record<string, StepDecorators>;
  /** The flow's parameters: a run's values are validated against them, defaults filled in. */
  params: ParamSpec[];
  /** `@config` values, resolved when the blueprint was made (run start, or deploy time): every run of it has the same. */
  configs?: ResolvedConfigs;
  /** `@includeFile` contents, read and stored when the blueprint was made. */
  includedFiles?: Record<string, IncludedFile>;
  maxNumSplits: number;
  project?: ProjectInfo;
  secrets?: Record<string, SecretsPlan>;
  secretSettings?: ProviderSettings;
}

/** Stores a blueprint as a deployment under the SHA-256 of its bytes; storing it again is a no-op. Returns the hash. */
export async function storeDeployment(backend: StorageBackend, blueprint: RunBlueprint): Promise<string> {
  const { bytes, sha } = deploymentBytes(blueprint);
  await backend.putBytes([{ key: layout.deployment(blueprint.flow, sha), data: bytes, durable: true }]);
  return sha;
}

/** A blueprint's bytes as a deployment and their SHA-256: the deployment's id. */
export function deploymentBytes(blueprint: RunBlueprint): { bytes: Buffer; sha: string } {
  const bytes = Buffer.from(JSON.stringify(blueprint));
  return { bytes, sha: createHash("sha256").update(bytes).digest("hex") };
}

/** The deployment `sha` of `flow`; a NOT_FOUND WeftError when the datastore has none. */
export async function readDeployment(backend: StorageBackend, flow: string, sha: string): Promise<RunBlueprint> {
  const [bytes] = await backend.getBytes([layout.deployment(flow, sha)]);
  if (!bytes) {
    throw new WeftError("NOT_FOUND", `Flow ${flow} has no deployment ${sha} in the datastore at ${backend.root}.`, {
      hint: "Deploy the flow again (`weft argo-workflows create FLOW`) with the datastore its pods use.",
    });
  }
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== sha) throw new WeftError("ARTIFACT_CORRUPT", `The deployment ${sha} of ${flow} at ${backend.root} does not match its hash (it hashes to ${actual}).`, { hint: "Deploy the flow again." });
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as RunBlueprint;
}
