// The metadata service under load, on this machine's PostgreSQL (a fresh database):
//  1. task creation and task heartbeats at 64 connections (autocannon, loopback), as
//     requests/s and p50/p99 latency, against a bare node:http server answering the same
//     requests in the same run (the ceiling of the HTTP stack on this machine);
//  2. a 500-task foreach run recording to the service against the same run recording
//     locally, interleaved.
// Usage: node bench/service.mjs [--http-only | --run-only]   (PostgreSQL at WEFT_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
import autocannon from "autocannon";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import pg from "pg";
import { fanOutProject, median, startWeftService, tempDir } from "./lib.mjs";

const ADMIN_URL = process.env.WEFT_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const TASKS = Number(process.env.BENCH_TASKS ?? 500);


async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A server that answers every request 204 after reading its body: the HTTP stack alone. */
async function startBareServer() {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => new Promise((resolve) => server.close(resolve)) };
}

/** POSTs at 64 connections; `path(i)` and `body(i)` make the i-th request. */
function load(url, path, body) {
  let next = 0;
  const request = {
    method: "POST",
    setupRequest: (req) => {
      const i = ++next;
      return body ? { ...req, path: path(i), headers: { "content-type": "application/json" }, body: JSON.stringify(body(i)) } : { ...req, path: path(i) };
    },
  };
  return new Promise((resolve, reject) =>
    autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests: [request] }, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

const summary = (r) => `${Math.round(r.requests.average).toLocaleString("en")} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms${r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : ""}`;

async function httpLoad(serviceUrl) {
  const created = await (await fetch(`${serviceUrl}/flows/BenchFlow/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: "bench", tags: [], systemTags: [] }) })).json();
  const runPath = `/flows/BenchFlow/runs/${created.run}`;
  const createdAt = new Date().toISOString();
  const taskBody = (i) => ({ task: String(i), createdAt, foreachStack: [{ step: "start", task: "1", index: i, numSplits: 1_000_000 }] });
  await fetch(`${serviceUrl}${runPath}/steps/work/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(taskBody(0)) });
  const bare = await startBareServer();
  try {
    // Heartbeats go to the first thousand tasks in turn, as a running foreach's would.
    const cases = [
      ["task creation", () => `${runPath}/steps/work/tasks`, taskBody],
      ["task heartbeat", (i) => `${runPath}/steps/work/tasks/${i % 1000}/heartbeat`, undefined],
    ];
    for (const [name, path, body] of cases) {
      const base = await load(bare.url, path, body);
      const service = await load(serviceUrl, path, body);
      console.log(`service ${name}: ${summary(service)} | bare node:http ${summary(base)} | ratio ${(service.requests.average / base.requests.average).toFixed(2)}× of bare (${CONNECTIONS} connections, ${SECONDS} s)`);
    }
  } finally {
    await bare.stop();
  }
}

async function runLoad(serviceUrl) {
  const project = fanOutProject();
  const runFlow = (env) => project.runSeconds(TASKS, env);
  const local = [];
  const service = [];
  for (let i = 0; i < REPEATS; i++) {
    local.push(await runFlow({ WEFT_DEFAULT_METADATA: "local" }));
    service.push(await runFlow({ WEFT_DEFAULT_METADATA: "service", WEFT_SERVICE_URL: serviceUrl }));
  }
  const l = median(local);
  const s = median(service);
  console.log(`service run of ${TASKS + 3} tasks: local metadata ${l.toFixed(2)} s | service metadata ${s.toFixed(2)} s | ratio ${(s / l).toFixed(2)}× (median of ${REPEATS})`);
}

export async function serviceBench(parts = ["http", "run"]) {
  const name = `weft_bench_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const service = await startWeftService(["--database-url", url.toString()], tempDir());
  try {
    if (parts.includes("http")) await httpLoad(service.url);
    if (parts.includes("run")) await runLoad(service.url);
  } finally {
    await service.stop();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flag = process.argv[2];
  await serviceBench(flag === "--http-only" ? ["http"] : flag === "--run-only" ? ["run"] : undefined);
}
