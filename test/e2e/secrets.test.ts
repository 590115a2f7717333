import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { findSecretValues } from "../helpers/secret-scan.ts";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const SECRETS = { DB_PASSWORD: "s3cr3t-db-password-42", API_TOKEN: "tok_9f8e7d6c5b4a", APP_CONFIG: JSON.stringify({ DB_USER: "analyst", DB_HOST: "db.internal.example" }) };

const FLOW = `import { FlowSpec, step, secrets, catchError } from "weft";
export default class SecretFlow extends FlowSpec {
  seen!: string[];
  @secrets({ sources: [
    { type: "env", id: "DB_PASSWORD", options: { envVarName: "PASSWORD" } },
    "env.API_TOKEN",
    { type: "env", id: "APP_CONFIG", options: { json: true } },
  ] })
  @step start() {
    console.log("password is", process.env.PASSWORD, "token is", process.env.API_TOKEN);
    console.error("user", process.env.DB_USER, "host", process.env.DB_HOST);
    this.seen = Object.keys(process.env).filter((k) => ["PASSWORD", "API_TOKEN", "DB_USER", "DB_HOST"].includes(k)).sort();
    this.next(this.later);
  }
  @step later() {
    console.log("later sees", process.env.PASSWORD ?? "no password");
    if (process.env.FAIL_WITH_SECRET) throw new Error("cannot connect with " + process.env.API_TOKEN);
    this.next(this.end);
  }
  @step end() { console.log("seen", this.seen.join(",")); }
}
`;


test("secrets reach only their step's environment, are masked everywhere Weft writes, and never reach the datastore", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "secret.ts", FLOW);
  const result = await runWeft(["run", file], { cwd: dir, env: { ...SECRETS, FAIL_WITH_SECRET: "1" } });
  assert.equal(result.code, 1, "the flow fails on purpose");
  assert.match(result.stdout, /password is \*\*\*\* token is \*\*\*\*/);
  assert.match(result.stderr, /user \*\*\*\* host \*\*\*\*/, "values expanded from a JSON secret are masked too");
  assert.match(result.stdout, /later sees no password/, "the next step does not inherit the secrets");
  assert.match(result.stderr, /Error: cannot connect with undefined/, "a step that does not declare the secret does not get its variable");
  const values = [SECRETS.DB_PASSWORD, SECRETS.API_TOKEN, "analyst", "db.internal.example"];
  assert.deepEqual(findSecretValues(join(dir, ".weft"), values), [], "no secret value anywhere in the datastore or metadata");
  const logs = await runWeft(["logs", "SecretFlow/1/start"], { cwd: dir });
  assert.match(logs.stdout, /password is \*\*\*\*/);
});

test("a step sees its secrets under the configured names", async () => {
  const dir = tempProject();
  const result = await runWeft(["run", writeFlow(dir, "secret.ts", FLOW)], { cwd: dir, env: SECRETS });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /seen API_TOKEN,DB_HOST,DB_USER,PASSWORD/);
});

test("an artifact holding a secret is refused, naming the secret but not its value", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "leak.ts", `import { FlowSpec, step, secrets } from "weft";
export default class LeakFlow extends FlowSpec {
  config!: { url: string };
  @secrets({ sources: ["env.API_TOKEN"] })
  @step start() { this.config = { url: "https://api.example/?token=" + process.env.API_TOKEN }; this.next(this.end); }
  @step end() {}
}
`);
  const result = await runWeft(["run", file], { cwd: dir, env: SECRETS });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Artifact "config" holds the value of secret env\.API_TOKEN; secrets are never saved/);
  assert.deepEqual(findSecretValues(join(dir, ".weft"), [SECRETS.API_TOKEN]), []);
});

test("two sources setting one variable, or replacing an existing one, fail before the step runs", async () => {
  const dir = tempProject();
  const flow = (sources: string, extra = "") => `import { FlowSpec, step, secrets } from "weft";
export default class ClashFlow extends FlowSpec {
  @secrets({ sources: [${sources}]${extra} })
  @step start() { console.log("step ran"); this.next(this.end); }
  @step end() {}
}
`;
  const twice = await runWeft(["run", writeFlow(dir, "twice.ts", flow(`{ type: "env", id: "DB_PASSWORD", options: { envVarName: "X_SECRET" } }, { type: "env", id: "API_TOKEN", options: { envVarName: "X_SECRET" } }`))], { cwd: dir, env: SECRETS });
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /Secrets env\.DB_PASSWORD and env\.API_TOKEN both set the variable X_SECRET/);
  assert.doesNotMatch(twice.stdout, /step ran/);
  const clash = await runWeft(["run", writeFlow(dir, "clash.ts", flow(`{ type: "env", id: "DB_PASSWORD", options: { envVarName: "HOME" } }`))], { cwd: dir, env: SECRETS });
  assert.equal(clash.code, 1);
  assert.match(clash.stderr, /would replace the variable HOME[\s\S]*allowOverride: true/);
  const allowed = await runWeft(["run", writeFlow(dir, "allowed.ts", flow(`{ type: "env", id: "DB_PASSWORD", options: { envVarName: "HOME" } }`, ", allowOverride: true"))], { cwd: dir, env: SECRETS });
  assert.equal(allowed.code, 0, allowed.stderr);
});

test("a malformed Key Vault id is refused by weft check and before any step runs", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "badid.ts", `import { FlowSpec, step, secrets } from "weft";
export default class BadIdFlow extends FlowSpec {
  @secrets({ sources: ["az-key-vault.https://team--kv.vault.azure.net/secrets/db-password"] })
  @step start() { console.log("step ran"); this.next(this.end); }
  @step end() {}
}
`);
  const check = await runWeft(["check", file], { cwd: dir });
  assert.equal(check.code, 1);
  assert.match(check.stderr, /team--kv/);
  const run = await runWeft(["run", file], { cwd: dir });
  assert.equal(run.code, 1);
  assert.doesNotMatch(run.stdout, /step ran/);
});

test("weft check lists every problem: two bad secret ids in two steps, a bad decorator option and an unknown transition", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "many.ts", `import { FlowSpec, step, secrets, retry } from "weft";
export default class ManyProblemsFlow extends FlowSpec {
  @secrets({ sources: ["az-key-vault.https://team--kv.vault.azure.net/secrets/db-password"] })
  @step start() { this.next(this.middle); }
  @retry({ times: "three" as unknown as number })
  @secrets({ sources: ["env.not a name"] })
  @step middle() { this.next(this.nowhere); }
  @step end() {}
}
`);
  const check = await runWeft(["check", file], { cwd: dir });
  assert.equal(check.code, 1, check.stderr);
  assert.match(check.stderr, /4 problems found/);
  assert.match(check.stderr, /many\.ts:3 \[start\] Secret source 1 of @secrets: .*team--kv/);
  assert.match(check.stderr, /many\.ts:5 \[middle\] Invalid option "times" of @retry/);
  assert.match(check.stderr, /many\.ts:6 \[middle\] Secret source 1 of @secrets: .*not a name/);
  assert.match(check.stderr, /many\.ts:7 \[middle\] Step "middle" transitions to unknown step "nowhere"/);
});
