// Proves that *.azure.test.ts files run in scripts/test.mjs's loopback-only network
// namespace, so a misconfigured endpoint fails at once instead of reaching Azure. Fails
// when run any other way (e.g. `node --test` directly, or without unshare): by design.
// It only dials a non-loopback address after seeing that `lo` is the sole interface, so
// even a failing run sends nothing off the machine.
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { networkInterfaces } from "node:os";
import { test } from "node:test";

// "none: <why>" from scripts/test.mjs; a skip outside CI only, so CI still proves the guard.
const missing = process.env.WEFT_TEST_NAMESPACE?.startsWith("none: ") && process.env.CI !== "true" ? process.env.WEFT_TEST_NAMESPACE.slice(6) : undefined;
const namespaceOnly = missing ? { skip: missing } : {};

/** Resolves with the error code of a TCP connect to host:port, or "connected"/"timeout". */
function dial(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once("connect", () => (socket.destroy(), resolve("connected")));
    socket.once("timeout", () => (socket.destroy(), resolve("timeout")));
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

test("the Azure tests see no network interface but loopback", namespaceOnly, () => {
  const names = Object.keys(networkInterfaces());
  assert.deepEqual(names, ["lo"], `expected only "lo" (the unshare -n namespace); found ${names.join(", ")}: run through node scripts/test.mjs as root`);
});

test("a connection to a non-loopback address fails immediately with ENETUNREACH", namespaceOnly, async (t) => {
  const names = Object.keys(networkInterfaces());
  assert.deepEqual(names, ["lo"], `refusing to dial out: interfaces ${names.join(", ")} mean no namespace is in force`);
  // RFC 5737 / RFC 3849 documentation addresses: never routed anywhere real.
  for (const host of ["192.0.2.1", "2001:db8::1"]) {
    const started = Date.now();
    const outcome = await dial(host, 9);
    const elapsed = Date.now() - started;
    t.diagnostic(`${host}: ${outcome} after ${elapsed} ms`);
    assert.equal(outcome, "ENETUNREACH", `${host}:9 gave ${outcome}`);
    assert.ok(elapsed < 500, `${host}:9 took ${elapsed} ms to fail; a namespace refuses at once`);
  }
});

test("loopback still accepts connections inside the namespace", async () => {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  try {
    assert.equal(await dial("127.0.0.1", port), "connected");
  } finally {
    server.close();
  }
});
