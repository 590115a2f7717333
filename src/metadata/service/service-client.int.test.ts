import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { WeftError } from "../../errors/weft-error.ts";
import { startService } from "../../service/server.ts";
import { ServiceClient, type RetryEvent } from "./service-client.ts";
import { ServiceMetadata } from "./service-metadata.ts";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-client-"));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A stand-in service that answers with `answer(authorization)`. */
async function fakeService(answer: (authorization: string | undefined) => number): Promise<{ server: Server; url: string; seen: (string | undefined)[] }> {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    const status = answer(req.headers.authorization);
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(status === 200 ? { ok: true } : { message: `status ${status}` }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("the service client rides out restarts and token rotation", () => {
  it("a request made while the service restarts succeeds once it is back", async () => {
    const dataDir = tempDir();
    const options = { host: "127.0.0.1", heartbeatTimeoutMs: 60_000, database: { dataDir } };
    const first = await startService({ ...options, port: 0 });
    const port = Number(new URL(first.url).port);
    const writer = new ServiceMetadata({ url: first.url });
    const run = await writer.createRun({ flow: "TrainFlow", user: "ada", tags: [], systemTags: [] });
    writer.close();
    await first.close();

    // Restarted only after the client has seen the service gone, not after a guessed pause.
    let restarted: Promise<{ close(): Promise<void> }> | undefined;
    const retries: RetryEvent[] = [];
    const reader = new ServiceMetadata({
      url: first.url,
      onRetry: (event) => {
        retries.push(event);
        restarted ??= startService({ ...options, port });
      },
    });
    try {
      assert.deepEqual(await reader.getRun("TrainFlow", run.run), run);
      assert.equal(retries[0]?.failure, "ECONNREFUSED");
    } finally {
      reader.close();
      await (await restarted)?.close();
    }
  });

  it("a failure whose message and stack exceed the service's limits is recorded, cut in the middle", async () => {
    const service = await startService({ host: "127.0.0.1", port: 0, heartbeatTimeoutMs: 60_000, database: { dataDir: tempDir() } });
    const meta = new ServiceMetadata({ url: service.url });
    try {
      await meta.createRun({ flow: "TrainFlow", user: "ada", tags: [], systemTags: [] });
      const ref = { flow: "TrainFlow", run: "1", step: "train", task: "0" };
      await meta.registerTask({ ...ref, createdAt: new Date().toISOString(), foreachStack: [] });
      const exception = { type: "Error", message: `first line ${"m".repeat(300_000)} last line`, stack: `Error: top ${"s".repeat(300_000)} at bottom` };
      const startedAt = new Date().toISOString();
      await meta.startAttempt(ref, { attempt: 0, startedAt });
      await meta.finishAttempt(ref, { attempt: 0, startedAt, finishedAt: new Date().toISOString(), ok: false, exception });
      const [recorded] = await meta.listAttempts(ref);
      assert.equal(recorded?.ok, false);
      assert.match(recorded?.exception?.message ?? "", /^first line m+\n… \[\d+ characters cut by Weft to fit the metadata service\] …\nm+ last line$/);
      assert.match(recorded?.exception?.stack ?? "", /^Error: top s+\n… \[\d+ characters cut .* at bottom$/s);
    } finally {
      meta.close();
      await service.close();
    }
  });

  it("gives up after its bound with an error saying how long it tried", async () => {
    const { server, url } = await fakeService(() => 503);
    const client = new ServiceClient({ url, retryForMs: 300 });
    try {
      await assert.rejects(client.call("GET", "/flows"), (err: unknown) => err instanceof WeftError && /answered GET \/flows with 503 \(tried \d+ times over \d+\.\d s\)/.test(err.message));
      server.close();
      await once(server, "close");
      await assert.rejects(client.call("GET", "/flows"), (err: unknown) => err instanceof WeftError && /Cannot reach .* \(tried \d+ times? over \d+\.\d s\): ECONNREFUSED/.test(err.message));
    } finally {
      client.close();
    }
  });

  it("a non-idempotent request that reached the service is not sent again on a 503", async () => {
    const { server, url, seen } = await fakeService(() => 503);
    const client = new ServiceClient({ url });
    try {
      assert.equal((await client.send("POST", "/flows/F/runs", {}, false)).status, 503);
      assert.equal(seen.length, 1);
    } finally {
      client.close();
      server.close();
    }
  });

  it("after a 401 the token file is read again and the request sent with the new token", async () => {
    const tokenFile = join(tempDir(), "token");
    writeFileSync(tokenFile, "expired\n");
    // The token rotates while the first request is in flight, as a kubelet rewrites a projected token.
    const { server, url, seen } = await fakeService((auth) => {
      if (auth === "Bearer fresh") return 200;
      writeFileSync(tokenFile, "fresh\n");
      return 401;
    });
    const client = new ServiceClient({ url, tokenFile });
    try {
      assert.deepEqual(await client.call("PUT", "/flows/F/runs/1/state", { status: "succeeded" }), { ok: true });
      assert.deepEqual(seen, ["Bearer expired", "Bearer fresh"]);
    } finally {
      client.close();
      server.close();
    }
  });

  it("a 401 with an unchanged token file is refused after one reading, naming the file", async () => {
    const tokenFile = join(tempDir(), "token");
    writeFileSync(tokenFile, "expired");
    const { server, url, seen } = await fakeService(() => 401);
    const client = new ServiceClient({ url, tokenFile });
    try {
      await assert.rejects(client.call("GET", "/flows"), (err: unknown) => err instanceof WeftError && err.describe().includes("WEFT_SERVICE_AUTH_TOKEN_FILE"));
      assert.deepEqual(seen, ["Bearer expired"]);
    } finally {
      client.close();
      server.close();
    }
  });
});
