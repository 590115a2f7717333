import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { repoRoot, runWeft, tempProject } from "../helpers/weft-cli.ts";

test("weft configure azure writes a validated profile that later commands read", async () => {
  const home = tempProject("weft-home-");
  const env = { HOME: home };
  const wrote = await runWeft(["configure", "azure", "--root", "abfss://flows@myacct.dfs.core.windows.net/weft", "--workload-type", "highCpu", "--make-default"], { cwd: home, env });
  assert.equal(wrote.code, 0, wrote.stderr);
  assert.match(wrote.stdout, /container "flows", prefix "weft", endpoint https:\/\/myacct\.blob\.core\.windows\.net/);
  const profile = JSON.parse(readFileSync(join(home, ".weft", "config.json"), "utf8"));
  assert.deepEqual(profile, { WEFT_DATASTORE_SYSROOT_AZURE: "abfss://flows@myacct.dfs.core.windows.net/weft", WEFT_AZURE_STORAGE_WORKLOAD_TYPE: "highCpu", WEFT_DEFAULT_DATASTORE: "azure" });
  const shown = await runWeft(["configure", "show"], { cwd: home, env });
  assert.match(shown.stdout, /WEFT_DEFAULT_DATASTORE\s+azure\s+profile/);
  assert.match(shown.stdout, /Azure authentication: DefaultAzureCredential/);
});

test("weft configure azure refuses a bad root and writes nothing", async () => {
  const home = tempProject("weft-home-");
  const result = await runWeft(["configure", "azure", "--root", "https://myacct.blob.core.windows.net/flows/weft"], { cwd: home, env: { HOME: home } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /drop the https:\/\/ prefix/);
  assert.equal(existsSync(join(home, ".weft", "config.json")), false);
});

test("weft configure azure needs flags when not on a terminal", async () => {
  const home = tempProject("weft-home-");
  const result = await runWeft(["configure", "azure"], { cwd: home, env: { HOME: home } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /needs flags when not run on a terminal/);
});

// A `terraform output -json` of deploy/azure/terraform (staging workspace, prefix ml-team),
// with the sensitive database URL that such a file always holds in clear.
const OUTPUTS = join(repoRoot, "test", "fixtures", "terraform", "outputs.json");
const FIXTURE_PASSWORD = "fixture-not-a-real-password-7Qx";
const EXPECTED_PROFILE = {
  WEFT_DEFAULT_DATASTORE: "azure",
  WEFT_DEFAULT_METADATA: "service",
  WEFT_DATASTORE_SYSROOT_AZURE: "weft/weft",
  AZURE_STORAGE_ACCOUNT_NAME: "stmlteamstaginga1b2c",
  WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: "https://stmlteamstaginga1b2c.blob.core.windows.net",
  WEFT_AZURE_KEY_VAULT_PREFIX: "https://kvmlteamstaginga1b2c.vault.azure.net/",
  WEFT_SERVICE_URL: "http://127.0.0.1:8080",
  WEFT_KUBERNETES_NAMESPACE: "weft",
  WEFT_KUBERNETES_SERVICE_ACCOUNT: "weft-tasks",
  WEFT_KUBERNETES_CONTAINER_REGISTRY: "acrmlteamstaginga1b2c.azurecr.io",
  WEFT_KUBERNETES_CONTAINER_IMAGE: "acrmlteamstaginga1b2c.azurecr.io/weft-runtime:0.1.0",
};

interface ShownKey {
  env: string;
  value: string | null;
  source: string;
}

test("weft configure azure --from-terraform writes the stack's outputs into the profile, and configure show reports each from the profile", async () => {
  const home = tempProject("weft-home-");
  const env = { HOME: home, WEFT_PROFILE: "staging" };
  const wrote = await runWeft(["configure", "azure", "--from-terraform", OUTPUTS], { cwd: home, env });
  assert.equal(wrote.code, 0, wrote.stderr);
  assert.match(wrote.stdout, /Wrote .*config_staging\.json from .*outputs\.json:/);
  assert.match(wrote.stdout, /WEFT_SERVICE_URL=http:\/\/127\.0\.0\.1:8080 {2}\(output service_url\)/);
  const path = join(home, ".weft", "config_staging.json");
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), EXPECTED_PROFILE);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  // The sensitive output is never copied nor printed.
  assert.doesNotMatch(readFileSync(path, "utf8") + wrote.stdout + wrote.stderr, new RegExp(FIXTURE_PASSWORD));

  const shown = await runWeft(["configure", "show", "--json"], { cwd: home, env });
  assert.equal(shown.code, 0, shown.stderr);
  const report = JSON.parse(shown.stdout) as { profilePath: string; keys: ShownKey[] };
  assert.equal(report.profilePath, path);
  const key = (variable: string) => report.keys.find((k) => k.env === variable);
  for (const [variable, value] of Object.entries(EXPECTED_PROFILE)) {
    assert.deepEqual([key(variable)?.value, key(variable)?.source], [value, "profile"], variable);
  }
  // Bare Key Vault names go to the stack's vault by default.
  assert.deepEqual([key("WEFT_DEFAULT_SECRETS_BACKEND_TYPE")?.value, key("WEFT_DEFAULT_SECRETS_BACKEND_TYPE")?.source], ["az-key-vault", "default"]);
  const table = await runWeft(["configure", "show"], { cwd: home, env });
  assert.match(table.stdout, /WEFT_DATASTORE_SYSROOT_AZURE\s+weft\/weft\s+profile/);
  assert.match(table.stdout, /WEFT_KUBERNETES_CONTAINER_REGISTRY\s+acrmlteamstaginga1b2c\.azurecr\.io\s+profile/);
});

test("weft configure azure --from-terraform on a folder runs `terraform output -json` there", async () => {
  const home = tempProject("weft-home-");
  const stack = tempProject("weft-stack-");
  const bin = tempProject("weft-bin-");
  // A stand-in for terraform: answers only `output -json`, and only in the stack's folder.
  writeFileSync(join(bin, "terraform"), `#!/bin/sh\n[ "$*" = "output -json" ] && [ "$(pwd -P)" = "$(cd ${JSON.stringify(stack)} && pwd -P)" ] || { echo "unexpected: $* in $(pwd)" >&2; exit 1; }\ncat ${JSON.stringify(OUTPUTS)}\n`, { mode: 0o755 });
  const result = await runWeft(["configure", "azure", "--from-terraform", stack], { cwd: home, env: { HOME: home, PATH: `${bin}:${process.env.PATH}` } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`from terraform output -json in ${stack}:`));
  assert.deepEqual(JSON.parse(readFileSync(join(home, ".weft", "config.json"), "utf8")), EXPECTED_PROFILE);
});

describe("weft configure azure --from-terraform refuses, exits 2 and writes nothing for", () => {
  const refuse = async (content: string, expected: RegExp) => {
    const home = tempProject("weft-home-");
    const file = join(home, "outputs.json");
    writeFileSync(file, content);
    const result = await runWeft(["configure", "azure", "--from-terraform", file], { cwd: home, env: { HOME: home } });
    assert.equal(result.code, 2, result.stdout);
    assert.match(result.stderr, expected);
    assert.equal(existsSync(join(home, ".weft", "config.json")), false);
  };
  const outputs = JSON.parse(readFileSync(OUTPUTS, "utf8")) as Record<string, { value: unknown }>;

  test("a file that is not JSON", async () => {
    await refuse("Outputs:\n\nservice_url = \"http://127.0.0.1:8080\"\n", /outputs\.json is not the JSON of `terraform output -json`/);
  });

  test("outputs missing some the profile needs, naming each", async () => {
    const { service_url: _s, key_vault_uri: _k, ...rest } = outputs;
    await refuse(JSON.stringify(rest), /is missing the Terraform outputs "key_vault_uri", "service_url" that weft configure azure needs/);
  });

  test("an output that is not a string", async () => {
    await refuse(JSON.stringify({ ...outputs, kubernetes_namespace: { value: ["weft"] } }), /Terraform output "kubernetes_namespace" in .* must be \{"value": "<non-empty string>"\}/);
  });

  test("a stack with no outputs yet", async () => {
    await refuse("{}\n", /has no outputs: the stack has not been applied in this workspace/);
  });

  test("a datastore root the stack got wrong", async () => {
    await refuse(JSON.stringify({ ...outputs, datastore_sysroot: { value: "https://acct.blob.core.windows.net/weft" } }), /drop the https:\/\/ prefix/);
  });
});

test("weft configure azure --from-terraform cannot be mixed with --root", async () => {
  const home = tempProject("weft-home-");
  const result = await runWeft(["configure", "azure", "--from-terraform", OUTPUTS, "--root", "c/p"], { cwd: home, env: { HOME: home } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /cannot be combined with --root/);
});
