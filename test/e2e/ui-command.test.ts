import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startOidcIssuer } from "../helpers/oidc-issuer.ts";
import { runWeft, tempProject, weftBin, writeFlow } from "../helpers/weft-cli.ts";
import { startWeftService, type ServiceProcess } from "../helpers/weft-service.ts";

const FLOW = `import { FlowSpec, card, current, step } from "weft";
import { Markdown } from "weft/cards";
export default class TinyFlow extends FlowSpec {
  answer!: number;
  @card({ id: "answer", type: "blank" })
  @step start() { this.answer = 42; console.log("the answer is", this.answer); current.card.answer!.append(new Markdown("The answer is 42")); this.next(this.end); }
  @step end() {}
}
`;

/** The card of TinyFlow/1/start/0 as the UI's frame gets it: its HTML, under a policy that sandboxes it. */
async function assertSandboxedCard(url: string): Promise<void> {
  const card = await fetch(`${url}/flows/TinyFlow/runs/1/steps/start/tasks/0/cards/answer?attempt=0`);
  assert.equal(card.status, 200);
  assert.match(await card.text(), /The answer is 42/);
  assert.match(card.headers.get("content-security-policy") ?? "", /^default-src 'none';.*sandbox allow-scripts; frame-ancestors 'self'$/);
}

const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** `weft ui --port 0` in `dir`; resolves with its URL once it prints it. Stopped after the file's tests. */
function startUi(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, [weftBin, "ui", "--port", "0"], { cwd: dir, env: { ...process.env, WEFT_HOME: join(dir, ".weft"), HOME: dir, USER: "tester", ...env }, stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise((resolve) => child.on("close", resolve));
  cleanup.push(() => (child.kill("SIGTERM"), exited));
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d;
      const url = /Weft UI on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1];
      if (url) resolve(url);
    });
    void exited.then((code) => reject(new Error(`weft ui exited with ${code}: ${stderr}`)));
  });
}

const project = () => {
  const dir = tempProject("weft-ui-cmd-");
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

describe("weft ui", { timeout: 180_000 }, () => {
  it("on local metadata serves this machine's runs, their logs and cards, and the UI's pages with a strict CSP", async () => {
    const dir = project();
    const run = await runWeft(["run", writeFlow(dir, "tiny.ts", FLOW)], { cwd: dir, env: { HOME: dir } });
    assert.equal(run.code, 0, run.stderr);
    const url = await startUi(dir, {});
    const runs = (await (await fetch(`${url}/runs`)).json()) as { runs: { flow: string; run: string; state: { status: string } }[] };
    assert.deepEqual(runs.runs.map((r) => [r.flow, r.run, r.state.status]), [["TinyFlow", "1", "succeeded"]]);
    const log = (await (await fetch(`${url}/flows/TinyFlow/runs/1/steps/start/tasks/0/logs/stdout`)).json()) as { text: string };
    assert.equal(log.text, "the answer is 42\n");
    const page = await fetch(`${url}/TinyFlow/1/start/0`, { headers: { accept: "text/html" } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /^default-src 'none'; script-src 'self';/);
    const script = /src="(\/_ui\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    assert.ok(script, "index.html names its script");
    assert.equal((await fetch(`${url}${script}`)).headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal((await fetch(`${url}/_ui/..%2F..%2Fpackage.json`)).status, 404);
    await assertSandboxedCard(url);
  });

  it("on the metadata service passes the UI's requests on, live tail and a card's policy included, adding the configured token", async () => {
    const dir = project();
    const idp = await startOidcIssuer({ audience: "weft" });
    cleanup.push(() => idp.stop());
    const service: ServiceProcess = await startWeftService(["--oidc-issuer", idp.issuer, "--oidc-audience", "weft"], dir, { HOME: dir });
    cleanup.push(() => service.stop());
    const token = await idp.sign();
    const env = { WEFT_DEFAULT_METADATA: "service", WEFT_SERVICE_URL: service.url, WEFT_SERVICE_AUTH_TOKEN: token, HOME: dir };
    const run = await runWeft(["run", writeFlow(dir, "tiny.ts", FLOW)], { cwd: dir, env });
    assert.equal(run.code, 0, run.stderr);
    const url = await startUi(dir, env);
    const runs = (await (await fetch(`${url}/runs`)).json()) as { runs: { flow: string }[] };
    assert.deepEqual(runs.runs.map((r) => r.flow), ["TinyFlow"]);
    const tail = await fetch(`${url}/flows/TinyFlow/runs/1/steps/start/tasks/0/logs/stdout/tail`);
    assert.equal(tail.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.match(await tail.text(), /event: log\ndata: .*the answer is 42\\n.*\n\nevent: end\n/);
    await assertSandboxedCard(url);
    const refused = await fetch(`${url}/runs`, { headers: { authorization: "Bearer not-a-jwt" } });
    assert.equal(refused.status, 401, "the browser's own token, when it sends one, is the one that counts");
    assert.match(((await refused.json()) as { message: string }).message, /token/i);
  });
});
