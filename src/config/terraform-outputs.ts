import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { WeftError } from "../errors/weft-error.ts";

/**
 * The outputs of deploy/azure/terraform that `weft configure azure --from-terraform`
 * copies into the profile, each under its configuration key. Sensitive outputs (the
 * database URL) are never among them: a profile holds no secret.
 */
export const TERRAFORM_PROFILE_OUTPUTS = [
  { output: "datastore_sysroot", env: "WEFT_DATASTORE_SYSROOT_AZURE" },
  { output: "storage_account_name", env: "AZURE_STORAGE_ACCOUNT_NAME" },
  { output: "storage_blob_endpoint", env: "WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT" },
  { output: "key_vault_uri", env: "WEFT_AZURE_KEY_VAULT_PREFIX" },
  { output: "service_url", env: "WEFT_SERVICE_URL" },
  { output: "kubernetes_namespace", env: "WEFT_KUBERNETES_NAMESPACE" },
  { output: "kubernetes_service_account", env: "WEFT_KUBERNETES_SERVICE_ACCOUNT" },
  { output: "container_registry", env: "WEFT_KUBERNETES_CONTAINER_REGISTRY" },
  { output: "kubernetes_container_image", env: "WEFT_KUBERNETES_CONTAINER_IMAGE" },
] as const;

/** Set alongside: a stack deployed this way keeps artifacts in Azure and metadata in its service. */
const STACK_DEFAULTS = { WEFT_DEFAULT_DATASTORE: "azure", WEFT_DEFAULT_METADATA: "service" } as const;

const HINT = "Apply deploy/azure/terraform of this Weft version, then pass its folder, or a file saved there with `terraform output -json > outputs.json`.";

/**
 * The JSON of `terraform output -json`: from the file at `path`, or, when `path` is a
 * folder, by running `terraform output -json` there (the user named the folder, so
 * running Terraform in it is what they asked for).
 */
export function readTerraformOutputs(path: string): { text: string; source: string } {
  let folder: boolean;
  try {
    folder = statSync(path).isDirectory();
  } catch {
    throw new WeftError("USAGE", `No such file or folder: ${path} [--from-terraform].`, { hint: HINT });
  }
  if (!folder) return { text: readFileSync(path, "utf8"), source: path };
  const result = spawnSync("terraform", ["output", "-json"], { cwd: path, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : result.stderr.trim().split("\n").slice(-3).join(" ");
    throw new WeftError("CONFIG", `\`terraform output -json\` failed in ${path}: ${why}.`, {
      hint: "Install Terraform and run `terraform init` there (with its -backend-config), or pass a file saved with `terraform output -json > outputs.json`.",
    });
  }
  return { text: result.stdout, source: `terraform output -json in ${path}` };
}

/**
 * Profile keys from the JSON of `terraform output -json`. Refuses text that is not that
 * JSON, and names every output that is missing or is not a non-empty string.
 */
export function profileFromTerraformOutputs(text: string, source: string): Record<string, string> {
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch (cause) {
    throw new WeftError("CONFIG", `${source} is not the JSON of \`terraform output -json\`: ${(cause as Error).message}.`, { hint: HINT, cause });
  }
  if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
    throw new WeftError("CONFIG", `${source} is not the JSON of \`terraform output -json\`: expected an object of outputs, each {"value": …}.`, { hint: HINT });
  }
  if (Object.keys(outputs).length === 0) {
    throw new WeftError("CONFIG", `${source} has no outputs: the stack has not been applied in this workspace.`, { hint: HINT });
  }
  const byName = outputs as Record<string, unknown>;
  const missing = TERRAFORM_PROFILE_OUTPUTS.map(({ output }) => output).filter((name) => !(name in byName));
  if (missing.length) {
    throw new WeftError("CONFIG", `${source} is missing the Terraform output${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} that weft configure azure needs.`, { hint: HINT });
  }
  const profile: Record<string, string> = { ...STACK_DEFAULTS };
  for (const { output, env } of TERRAFORM_PROFILE_OUTPUTS) {
    const entry = byName[output];
    const value = typeof entry === "object" && entry !== null && "value" in entry ? entry.value : undefined;
    if (typeof value !== "string" || value === "") {
      throw new WeftError("CONFIG", `Terraform output "${output}" in ${source} must be {"value": "<non-empty string>"}, got ${JSON.stringify(entry)?.slice(0, 80)}.`, { hint: HINT });
    }
    profile[env] = value;
  }
  return profile;
}
