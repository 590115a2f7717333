import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runWeft, tempProject } from "../helpers/weft-cli.ts";

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
