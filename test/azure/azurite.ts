// Starts Azurite's blob service for one test file, in memory, on a free loopback port.
//
//   const azurite = await startAzurite();                          // HTTP, shared key / SAS
//   const https = await startAzurite({ https: true, oauth: true }); // bearer tokens too
//   after(() => azurite.stop());
//   BlobServiceClient.fromConnectionString(azurite.connectionString);
//   new BlobServiceClient(https.blobEndpoint, credential, trustOptions(https.caCertPath!));
//
// Always run with --disableTelemetry and --skipApiVersionCheck; only 127.0.0.1 listens.
// The child dies with stop(), with this process's exit, and (through a stdin watchdog)
// when this process is killed outright. A missing Azurite throws `AzuriteUnavailable`;
// tests decide with `skipUnlessCi` whether that skips (local) or fails (CI=true).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type SelfSignedCert, selfSignedCert } from "./tls.ts";

export { caBundle, trustOptions } from "./tls.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Azurite's well-known development account (README, "Default Storage Account"). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const READY_TIMEOUT_MS = 20_000;
// Preloaded into Azurite: exit when our end of its stdin pipe closes, i.e. when this
// process goes away by any means, including SIGKILL.
const WATCHDOG = "data:text/javascript,process.stdin.on('end',()=>process.exit(0)).on('error',()=>process.exit(0)).resume()";

export interface AzuriteHandle {
  /** e.g. `http://127.0.0.1:41234/devstoreaccount1` (IP-style URL: account in the path). */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  /** Shared-key connection string naming only the blob endpoint. */
  connectionString: string;
  https: boolean;
  oauth: boolean;
  /** PEM of Azurite's self-signed certificate, when `https`. */
  caCertPath?: string;
  /** Kills Azurite (data is in memory and is lost) and removes its temp files. Idempotent. */
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  https?: boolean;
  /** `--oauth basic`: accept bearer tokens (checked for iss/aud/nbf/exp, not signature). Implies https. */
  oauth?: boolean;
}

/** Thrown when the azurite-blob binary is not installed (run `npm ci`). */
export class AzuriteUnavailable extends Error {}

const azuriteBin = (): string => join(repoRoot, "node_modules", ".bin", "azurite-blob");

/**
 * For `test(name, { skip: azuriteSkipReason() }, …)`: false when Azurite is installed,
 * else the reason to skip; with CI=true a missing Azurite throws instead (never a skip).
 */
export function azuriteSkipReason(): string | false {
  if (existsSync(azuriteBin())) return false;
  const reason = `azurite-blob is not installed at ${azuriteBin()}; run npm ci`;
  if (process.env.CI === "true") throw new AzuriteUnavailable(`CI=true and ${reason}`);
  return reason;
}

/** Resolves a free TCP port on 127.0.0.1 by binding port 0 and closing again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Children still running, killed synchronously (and their files removed) if the test process exits first. */
const running = new Map<ChildProcess, () => void>();
process.once("exit", () => {
  for (const [child, removeFiles] of running) {
    child.kill("SIGKILL");
    removeFiles();
  }
});

/** Starts Azurite and resolves once it answers HTTP(S) requests. */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteHandle> {
  const oauth = options.oauth ?? false;
  if (oauth && options.https === false) throw new Error("startAzurite: { oauth: true } needs HTTPS (Azurite refuses bearer tokens over HTTP); drop https: false");
  const https = oauth || (options.https ?? false);
  const bin = azuriteBin();
  if (!existsSync(bin)) throw new AzuriteUnavailable(`azurite-blob not found at ${bin}; run npm ci (azurite is a pinned devDependency)`);
  const cert = https ? await selfSignedCert("azurite") : undefined;
  const workDir = mkdtempSync(join(tmpdir(), "weft-azurite-"));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        return await launch({ bin: realpathSync(bin), port, cert, oauth, workDir });
      } catch (error) {
        // Another process may take the port between freePort() and Azurite's bind.
        if (attempt < 3 && String(error).includes("EADDRINUSE")) continue;
        throw error;
      }
    }
  } catch (error) {
    cert?.dispose();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

interface LaunchOptions {
  bin: string;
  port: number;
  cert: SelfSignedCert | undefined;
  oauth: boolean;
  workDir: string;
}

async function launch({ bin, port, cert, oauth, workDir }: LaunchOptions): Promise<AzuriteHandle> {
  const args = ["--blobHost", "127.0.0.1", "--blobPort", String(port), "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--silent"];
  if (cert) args.push("--cert", cert.certPath, "--key", cert.keyPath);
  if (oauth) args.push("--oauth", "basic");
  // NODE_TEST_CONTEXT would make a child node think it is a test-runner subprocess.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_TEST_CONTEXT: undefined, NODE_OPTIONS: undefined, AZURITE_ACCOUNTS: undefined };
  const child = spawn(process.execPath, ["--import", WATCHDOG, bin, ...args], { cwd: workDir, env, stdio: ["pipe", "pipe", "pipe"] });
  const removeFiles = () => {
    cert?.dispose();
    rmSync(workDir, { recursive: true, force: true });
  };
  running.set(child, removeFiles);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const protocol = cert ? "https" : "http";
  const blobEndpoint = `${protocol}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      if (child.exitCode === null && child.signalCode === null) await exited;
      clearTimeout(timer);
      running.delete(child);
      removeFiles();
    }
  };
  try {
    await waitUntilServing(blobEndpoint, cert?.certPath, exited, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    running.delete(child); // the caller owns cert and workDir until the last attempt fails
    throw error;
  }
  return {
    blobEndpoint,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString: `DefaultEndpointsProtocol=${protocol};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
    https: Boolean(cert),
    oauth,
    ...(cert ? { caCertPath: cert.certPath } : {}),
    stop,
  };
}

/** Polls until any HTTP response comes back (a 403 proves the server parses requests). */
async function waitUntilServing(url: string, caPath: string | undefined, exited: Promise<void>, output: () => string): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = "";
  while (Date.now() < deadline) {
    if (dead) throw new Error(`Azurite exited before serving ${url}. Its output:\n${output()}`);
    try {
      await probe(`${url}?comp=list`, caPath);
      return;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Azurite did not answer at ${url} within ${READY_TIMEOUT_MS} ms (last error: ${lastError}). Its output:\n${output()}`);
}

function probe(url: string, caPath: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const options = { timeout: 500, ...(caPath ? { ca: readFileSync(caPath, "utf8") } : {}) };
    const req = (caPath ? httpsRequest : httpRequest)(url, options, (res) => {
      res.resume();
      resolve();
    });
    req.once("timeout", () => req.destroy(new Error("probe timed out")));
    req.once("error", reject);
    req.end();
  });
}
