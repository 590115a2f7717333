import { Command } from "commander";
import { existsSync, unlinkSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { CONFIG_KEYS, type ConfigKey } from "../../config/keys.ts";
import { activeProfile, resolveConfig, type WeftConfig } from "../../config/resolve.ts";
import { chooseAuth, describeAuth } from "../../datastore/azure/credentials.ts";
import { configureAzureCommand } from "./configure-azure.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { printJson, printTable } from "./list.ts";

export function configureCommand(): Command {
  const configure = new Command("configure").description("show or reset Weft's configuration (flag, environment variable, profile file, default)");
  configure
    .command("show")
    .description("every setting: its environment variable, resolved value (secrets masked) and where it came from; and the profile file in use")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const config = resolveConfig();
      const profile = activeProfile();
      const rows = Object.entries(CONFIG_KEYS).map(([name, key]: [string, ConfigKey]) => {
        const value = config.values[name as keyof typeof config.values];
        return { name, env: key.env, value: value === undefined ? null : key.secret ? mask(value) : value, source: config.sources[name as keyof typeof config.sources] ?? "unset", secret: key.secret === true };
      });
      const azureAuth = azureAuthLine(config);
      if (opts.json) return printJson({ profile: profile.name ?? null, profilePath: config.profilePath ?? null, azureAuth, keys: rows });
      const where = config.profilePath ?? `none (${profile.path} does not exist)`;
      process.stdout.write(`Profile: ${where}${profile.name ? ` [WEFT_PROFILE=${profile.name}]` : ""}\n`);
      process.stdout.write(`Azure authentication: ${azureAuth}\n\n`);
      printTable([["variable", "value", "source"], ...rows.map((r) => [r.env, r.value ?? "-", r.source])]);
    });
  configure
    .command("reset")
    .description("delete the active profile file: ~/.weft/config.json, or ~/.weft/config_<WEFT_PROFILE>.json")
    .option("--yes", "do not ask for confirmation (required when not on a terminal)")
    .action(async (opts: { yes?: boolean }) => {
      const { path } = activeProfile();
      if (!existsSync(path)) return void process.stdout.write(`Nothing to reset: ${path} does not exist.\n`);
      if (!opts.yes && !(await confirm(`Delete ${path}? [y/N] `))) return void process.stdout.write("Nothing deleted.\n");
      unlinkSync(path);
      process.stdout.write(`Deleted ${path}.\n`);
    });
  configure.addCommand(configureAzureCommand());
  return configure;
}

/** Which credential the Azure datastore would use with this configuration. */
function azureAuthLine(config: WeftConfig): string {
  const v = config.values;
  if (v.storageCredentialSecret) return `connection string or SAS token from Key Vault secret ${v.storageCredentialSecret} (WEFT_AZURE_STORAGE_CREDENTIAL_SECRET)`;
  try {
    return describeAuth(chooseAuth({ connectionString: v.azureStorageConnectionString, accountName: v.azureStorageAccountName, accountKey: v.azureStorageAccountKey, sasToken: v.azureStorageSasToken, authorityHost: v.azureAuthorityHost }));
  } catch (error) {
    return `not usable: ${(error as Error).message}`;
  }
}

/** A secret as shown: never more than its last two characters, and those only when it is long. */
export function mask(secret: string): string {
  return secret.length > 8 ? `****${secret.slice(-2)}` : "****";
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new WeftError("USAGE", "weft configure reset needs confirmation, and there is no terminal to ask on.", { hint: "Pass --yes to delete the profile file without asking." });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
