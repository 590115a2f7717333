import { Command } from "commander";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline/promises";
import { activeProfile, resolveConfig } from "../../config/resolve.ts";
import { profileFromTerraformOutputs, readTerraformOutputs, TERRAFORM_PROFILE_OUTPUTS } from "../../config/terraform-outputs.ts";
import { azureSettings } from "../../datastore/azure/settings.ts";
import { WeftError } from "../../errors/weft-error.ts";

interface AzureAnswers {
  root?: string;
  account?: string;
  endpoint?: string;
  workloadType?: string;
}

const QUESTIONS: ["root" | "account" | "endpoint" | "workloadType", string, string][] = [
  ["root", "WEFT_DATASTORE_SYSROOT_AZURE", "Datastore root (container/prefix, az://, abfss:// or wasbs://)"],
  ["account", "AZURE_STORAGE_ACCOUNT_NAME", "Storage account name (blank if the root names it)"],
  ["endpoint", "WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", "Blob endpoint (blank for the public cloud's)"],
  ["workloadType", "WEFT_AZURE_STORAGE_WORKLOAD_TYPE", "Workload type: default, highCpu or highMemory"],
];

/**
 * `weft configure azure`: writes the Azure datastore settings into the active profile,
 * from flags, from the outputs of deploy/azure/terraform (`--from-terraform`), or, on a
 * terminal, by asking. Secrets are not taken here (shell history would keep them):
 * credentials come from the environment, the Azure CLI login, or a Key Vault secret.
 */
export function configureAzureCommand(): Command {
  return new Command("azure")
    .description("write the Azure Blob datastore settings into the active profile (from flags, or asked on a terminal)")
    .option("--root <root>", "datastore root, e.g. mycontainer/weft or abfss://c@acct.dfs.core.windows.net/weft")
    .option("--account <name>", "storage account name")
    .option("--endpoint <url>", "blob endpoint (Azurite, Azure Stack, sovereign clouds)")
    .option("--workload-type <type>", "default, highCpu or highMemory")
    .option("--make-default", "also set WEFT_DEFAULT_DATASTORE=azure")
    .option("--from-terraform <dir|file>", "take every setting from the outputs of deploy/azure/terraform: its folder (runs `terraform output -json` there) or a file saved from that command")
    .action(async (flags: AzureAnswers & { makeDefault?: boolean; fromTerraform?: string }) => {
      if (flags.fromTerraform !== undefined) return fromTerraform(flags.fromTerraform, flags);
      const given = QUESTIONS.some(([name]) => flags[name] !== undefined);
      if (!given && !process.stdin.isTTY) {
        throw new WeftError("USAGE", "weft configure azure needs flags when not run on a terminal.", { hint: "Example: weft configure azure --root mycontainer/weft --account myaccount --make-default" });
      }
      const answers = given ? flags : await ask();
      const entries: Record<string, string> = {};
      for (const [name, variable] of QUESTIONS) if (answers[name]) entries[variable] = answers[name]!;
      if (flags.makeDefault) entries.WEFT_DEFAULT_DATASTORE = "azure";
      const { path, settings } = writeProfile(entries);
      process.stdout.write(`Wrote ${path}: container "${settings.container}"${settings.prefix ? `, prefix "${settings.prefix}"` : ""}, endpoint ${settings.endpoint ?? "from the connection string"}.\n`);
    });
}

/** `--from-terraform`: the stack's outputs become the profile's Azure, service and Kubernetes settings. */
function fromTerraform(from: string, flags: AzureAnswers): void {
  const mixed = (["root", "account", "endpoint"] as const).filter((name) => flags[name] !== undefined);
  if (mixed.length) {
    throw new WeftError("USAGE", `--from-terraform takes the datastore from the stack; it cannot be combined with ${mixed.map((m) => `--${m}`).join(", ")}.`, {
      hint: "Drop those flags, or run `weft configure azure --root …` without --from-terraform.",
    });
  }
  const { text, source } = readTerraformOutputs(from);
  const entries = profileFromTerraformOutputs(text, source);
  if (flags.workloadType) entries.WEFT_AZURE_STORAGE_WORKLOAD_TYPE = flags.workloadType;
  const { path } = writeProfile(entries);
  const rows = Object.entries(entries).map(([variable, value]) => {
    const output = TERRAFORM_PROFILE_OUTPUTS.find((o) => o.env === variable)?.output;
    return `  ${variable}=${value}${output ? `  (output ${output})` : ""}`;
  });
  process.stdout.write(`Wrote ${path} from ${source}:\n${rows.join("\n")}\n`);
}

/**
 * Merges `entries` into the active profile and writes it atomically (mode 0600), after
 * validating the result as a run would read it: nothing is written if it is invalid.
 */
function writeProfile(entries: Record<string, string>): { path: string; settings: ReturnType<typeof azureSettings> } {
  const { path } = activeProfile();
  const profile: Record<string, string> = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, string>) : {};
  Object.assign(profile, entries);
  // The profile is passed as the environment, so the file it will be need not exist yet.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in profile) && k !== "WEFT_PROFILE"));
  const settings = azureSettings(resolveConfig({ env: { ...env, ...profile } }));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
  return { path, settings };
}

async function ask(): Promise<AzureAnswers> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answers: AzureAnswers = {};
    for (const [name, , question] of QUESTIONS) {
      const answer = (await rl.question(`${question}: `)).trim();
      if (answer) answers[name] = answer;
    }
    return answers;
  } finally {
    rl.close();
  }
}
