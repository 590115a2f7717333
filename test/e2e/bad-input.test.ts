// Issue 11, "bad input": configuration and flows that are the user's to fix read as
// WeftErrors with the right exit code, never as "internal error (please report)".
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow, type CliResult } from "../helpers/weft-cli.ts";

const LINEAR = `import { FlowSpec, step } from "weft";
export default class LinearFlow extends FlowSpec {
  @step start() { this.next(this.end); }
  @step end() {}
}
`;

function assertUserError(result: CliResult, code: 1 | 2, message: RegExp): void {
  assert.equal(result.code, code, `exit ${result.code}\n${result.stderr}`);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /internal error|    at /);
}

test("WEFT_PROFILE with ../ is refused with the profile-name rule, exit 2, and configure reset deletes nothing", async () => {
  const userHome = tempProject("weft-home-");
  mkdirSync(join(userHome, ".weft"));
  const victim = join(userHome, "config_x.json");
  writeFileSync(victim, "{}");
  const env = { HOME: userHome, WEFT_PROFILE: "../config_x" };
  assertUserError(await runWeft(["configure", "reset", "--yes"], { cwd: userHome, env }), 2, /Invalid profile name "\.\.\/config_x" \[WEFT_PROFILE\]: a profile name is 1 to 64 letters, digits, _, - or \., not starting with \./);
  assert.equal(existsSync(victim), true, "configure reset deleted a file outside ~/.weft");
  assertUserError(await runWeft(["configure", "show"], { cwd: userHome, env }), 2, /Invalid profile name/);
  assertUserError(await runWeft(["configure", "show"], { cwd: userHome, env: { HOME: userHome, WEFT_PROFILE: ".hidden" } }), 2, /Invalid profile name "\.hidden"/);
});

test("a parameter whose flag is a weft run option fails weft check and weft run with the line and a rename, exit 1", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "clash.ts",
    `import { FlowSpec, step, param } from "weft";
export default class ClashFlow extends FlowSpec {
  @param() maxWorkers = 4;
  @step start() { this.next(this.end); }
  @step end() {}
}
`,
  );
  assertUserError(await runWeft(["check", file], { cwd: dir }), 1, /clash\.ts:3 Parameter "maxWorkers" becomes --max-workers, which is an option of weft run\.\n\s+→ Rename the parameter/);
  assertUserError(await runWeft(["run", file], { cwd: dir }), 1, /Parameter "maxWorkers" becomes --max-workers/);
});

test("a flow file that calls process.exit(0) at its top level fails weft run with FLOW_LOAD naming the file, exit 1", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "exits.ts", `process.exit(0);\n${LINEAR}`);
  const result = await runWeft(["run", file], { cwd: dir });
  assertUserError(result, 1, /exits\.ts called process\.exit\(0\) while loading, so the flow never ran\.\n\s+Remove process\.exit from the top level/);
  const caught = writeFlow(dir, "caught.ts", `try { process.exit(3); } catch {}\n${LINEAR}`);
  assertUserError(await runWeft(["run", caught], { cwd: dir }), 1, /caught\.ts called process\.exit\(3\) while loading/);
});

test("WEFT_HOME that is a file, or a folder inside a file, is a configuration error naming it, exit 2", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "linear.ts", LINEAR);
  const blocker = join(dir, "afile");
  writeFileSync(blocker, "");
  assertUserError(await runWeft(["run", file], { cwd: dir, env: { WEFT_HOME: blocker } }), 2, new RegExp(`${blocker} \\[WEFT_HOME\\] is a file, not a folder\\.\\n\\s+Set WEFT_HOME to a folder`));
  // As root, chmod cannot make a folder read-only; a folder under a file cannot be written by anyone.
  assertUserError(await runWeft(["run", file], { cwd: dir, env: { WEFT_HOME: join(blocker, "home") } }), 2, /\[WEFT_HOME\] is inside .*afile, which is a file, not a folder/);
});

test("a local datastore root that is a file, or inside one, is a configuration error naming it, exit 2", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "linear.ts", LINEAR);
  const blocker = join(dir, "afile");
  writeFileSync(blocker, "");
  assertUserError(await runWeft(["run", file, "--datastore-root", blocker], { cwd: dir }), 2, /afile \[WEFT_DATASTORE_SYSROOT_LOCAL or --datastore-root\] is a file, not a folder/);
  assertUserError(await runWeft(["run", file], { cwd: dir, env: { WEFT_DATASTORE_SYSROOT_LOCAL: join(blocker, "ds") } }), 2, /afile\/ds \[WEFT_DATASTORE_SYSROOT_LOCAL or --datastore-root\] is inside .*afile, which is a file/);
});

test("WEFT_USER with a control character or over 251 characters is a configuration error stating the rule, exit 2", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "linear.ts", LINEAR);
  assertUserError(await runWeft(["run", file], { cwd: dir, env: { WEFT_USER: "bob\u001b[31m" } }), 2, /Invalid value "bob\\u001b\[31m" for WEFT_USER \(in the environment\): it contains the control character U\+001B; a user name is 1 to 251 characters without control characters/);
  assertUserError(await runWeft(["run", file], { cwd: dir, env: { WEFT_USER: "u".repeat(252) } }), 2, /for WEFT_USER \(in the environment\): it has 252 characters; a user name is 1 to 251 characters/);
  const ok = await runWeft(["run", file], { cwd: dir, env: { WEFT_USER: "u".repeat(251) } });
  assert.equal(ok.code, 0, ok.stderr);
});

test("a non-ASCII flow name fails weft check with the name rule, as the metadata service would refuse it, exit 1", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "flusse.ts", LINEAR.replace("LinearFlow", "Flüsse"));
  assertUserError(await runWeft(["check", file], { cwd: dir }), 1, /flusse\.ts:2 Flow name "Flüsse" is not a valid flow name\.\n\s+→ A flow name is 1 to 255 ASCII letters, digits, _ or -/);
  assertUserError(await runWeft(["run", file], { cwd: dir }), 1, /Flow name "Flüsse" is not a valid flow name/);
});

test("an artifact name over 255 characters fails the task when it saves, stating the rule, exit 1", async () => {
  const dir = tempProject();
  const long = `a${"x".repeat(255)}`;
  const file = writeFlow(
    dir,
    "long.ts",
    `import { FlowSpec, step } from "weft";
export default class LongFlow extends FlowSpec {
  @step start() { (this as unknown as Record<string, number>)["${long}"] = 1; this.next(this.end); }
  @step end() {}
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout + result.stderr, /Artifact name "ax{39}…" \(256 characters\) cannot be saved: an artifact name has at most 255 characters\./);
});
