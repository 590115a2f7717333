// Metaflow's Config and IncludeFile: @config values from a file or a string, read by
// steps and decorators, and @includeFile contents stored with the run; both kept by the
// run spec so that a resumed run sees its origin's values without the files.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Run, Task, useConfig } from "../../src/client/index.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const FLOW = `import { FlowSpec, step, config, configExpr, includeFile, resources, retry, current } from "weft";

interface Settings { memory: number; lr: number; layers: number[] }

export default class TrainFlow extends FlowSpec {
  @config({ default: "config.json", help: "training settings" }) settings!: Settings;
  @includeFile({ help: "training rows", required: true }) data!: string;
  @includeFile({ isText: false, default: "weights.bin" }) weights!: Buffer;
  rows!: number;

  @resources({ memory: configExpr("settings.memory") })
  @retry((c) => ({ times: c.settings.layers.length }))
  @step start() {
    this.rows = this.data.trim().split("\\n").length - 1;
    try { (this.settings.layers as number[]).push(9); } catch (e) { console.log("IN PLACE", (e as Error).constructor.name); }
    try { (this as any).settings = {}; } catch (e) { console.log("ASSIGN", (e as Error).message); }
    try { (this as any).data = ""; } catch (e) { console.log("ASSIGN", (e as Error).message); }
    console.log("PARAMETERS", JSON.stringify(current.parameterNames));
    this.next(this.train);
  }
  @step train() {
    if (process.env.FAIL_TRAIN) throw new Error("train broke");
    console.log("TRAIN", this.settings.lr, JSON.stringify(this.settings.layers), this.rows, this.weights.length, Buffer.isBuffer(this.weights));
    this.next(this.end);
  }
  @step end() {}
}
`;

const attemptDecorators = (dir: string, run: string) => JSON.parse(readFileSync(join(dir, ".weft", "datastore", "TrainFlow", run, "start", "0", "_meta", "0.start.json"), "utf8")).info.decorators;

test("configs from a file or a string reach steps frozen and decorators bound; included files are stored; resume reuses both without the files", async () => {
  const dir = tempProject("weft-config-");
  const file = writeFlow(dir, "flow.ts", FLOW);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ memory: 1024, lr: 0.1, layers: [3] }));
  writeFileSync(join(dir, "prod.json"), JSON.stringify({ memory: 4096, lr: 0.5, layers: [8, 8] }));
  writeFileSync(join(dir, "train.csv"), "a,b\n1,2\n3,4\n5,6\n");
  writeFileSync(join(dir, "weights.bin"), Buffer.from([0, 255, 1, 2]));

  const byDefault = await runWeft(["run", file, "--data", "train.csv"], { cwd: dir });
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.match(byDefault.stdout, /TRAIN 0.1 \[3\] 3 4 true/);
  assert.match(byDefault.stdout, /IN PLACE TypeError/);
  assert.match(byDefault.stdout, /ASSIGN Config "settings" is read-only: its value is fixed when the run starts\./);
  assert.match(byDefault.stdout, /ASSIGN Included file "data" is read-only inside steps\./);
  assert.match(byDefault.stdout, /PARAMETERS \["data","weights"\]/);
  assert.deepEqual(attemptDecorators(dir, "1"), { resources: { memory: 1024 }, retry: { times: 1, minutesBetweenRetries: 0 } });

  const text = await runWeft(["run", file, "--data", "train.csv", "--config-value", 'settings={"memory":512,"lr":2,"layers":[]}'], { cwd: dir });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /TRAIN 2 \[\] 3 4 true/);

  const failed = await runWeft(["run", file, "--config", "settings=prod.json", "--data", "train.csv"], { cwd: dir, env: { FAIL_TRAIN: "1" } });
  assert.equal(failed.code, 1);
  assert.deepEqual(attemptDecorators(dir, "3"), { resources: { memory: 4096 }, retry: { times: 2, minutesBetweenRetries: 0 } });
  // The run no longer needs any of its files, and the flow's default config changes meanwhile.
  for (const name of ["prod.json", "train.csv", "weights.bin"]) rmSync(join(dir, name));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ memory: 1, lr: 9, layers: [] }));
  const refused = await runWeft(["resume", file, "--config", "settings=config.json"], { cwd: dir });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /weft resume takes no --config or --config-value: a resumed run uses the config values of the run it resumes/);
  const resumed = await runWeft(["resume", file], { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /TRAIN 0.5 \[8,8\] 3 4 true/);
  // start is cloned; the run spec, which a re-run of it would read, has the origin's binding.
  const spec = JSON.parse(readFileSync(join(dir, ".weft", "datastore", "TrainFlow", "4", "_run.json"), "utf8"));
  assert.deepEqual(spec.decorators.start.resources, { memory: 4096 });

  useConfig(resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), USER: "tester" }, cwd: dir, userHome: dir }));
  const run = await Run.get("TrainFlow/4");
  assert.deepEqual(await run.data("settings"), { memory: 4096, lr: 0.5, layers: [8, 8] });
  assert.equal(await run.data("data"), "a,b\n1,2\n3,4\n5,6\n");
  // Stored once: every task of both runs refers to the same blob.
  const [origin, resumedStart] = await Promise.all([Task.get("TrainFlow/3/start/0"), Task.get("TrainFlow/4/train/0")]);
  assert.equal((await origin.artifact("data")).sha, (await resumedStart.artifact("data")).sha);

  const show = await runWeft(["show", file], { cwd: dir });
  assert.match(show.stdout, / {2}file --data {2}\(line 7\)\n {2}file --weights {2}default weights.bin {2}\(line 8\)\n {2}config settings {2}default config.json {2}\(line 6\)/);
  const dump = await runWeft(["dump", "TrainFlow/4"], { cwd: dir });
  assert.match(dump.stdout, /settings +Object .*\{ memory: 4096, lr: 0.5, layers: \[ 8, 8 \] \}/);
});

test("a missing included file or config file fails the run start before anything is written, naming the flag or the config and the file; weft check lists a broken default config", async () => {
  const dir = tempProject("weft-config-");
  const file = writeFlow(dir, "flow.ts", FLOW);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ memory: 1024, lr: 0.1, layers: [3] }));
  const noFile = await runWeft(["run", file, "--data", "gone.csv"], { cwd: dir });
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, new RegExp(`Cannot read file ${join(dir, "gone.csv")} \\(--data\\): it does not exist\\.`));
  const noFlag = await runWeft(["run", file], { cwd: dir });
  assert.equal(noFlag.code, 2);
  assert.match(noFlag.stderr, /Missing required file --data\./);
  const noConfig = await runWeft(["run", file, "--config", "settings=nope.json", "--data", "flow.ts"], { cwd: dir });
  assert.equal(noConfig.code, 2);
  assert.match(noConfig.stderr, new RegExp(`Config "settings": cannot read ${join(dir, "nope.json")}: it does not exist\\.`));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ lr: 0.1, layers: [3] }));
  const noKey = await runWeft(["run", file, "--data", "flow.ts"], { cwd: dir });
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, new RegExp(`configExpr\\("settings.memory"\\) in @resources of step "start": config "settings" \\(from default file ${join(dir, "config.json")}\\) has no key "memory" at settings\\.`));
  assert.equal(existsSync(join(dir, ".weft", "datastore", "TrainFlow")), false, "nothing was written");
  // weft check reads the default configs: a broken one is listed at its field, and the decorators that read it are not blamed.
  writeFileSync(join(dir, "config.json"), '{ "memory": 1024,\n}');
  const check = await runWeft(["check", file], { cwd: dir });
  assert.equal(check.code, 1);
  assert.match(check.stderr, /1 problem found\n.*flow\.ts:6 Config "settings": .*config\.json is not valid JSON at line 2, column 1/);
});
