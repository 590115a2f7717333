// Self-signed certificates for the loopback test servers (Azurite over HTTPS, the fake
// Entra ID token server). Each server gets its own certificate for 127.0.0.1, made with
// the openssl CLI in a temp dir; a certificate is its own trust anchor.
//
//   const cert = await selfSignedCert("azurite");      // { certPath, keyPath, dir }
//   new BlobServiceClient(url, credential, trustOptions(cert.certPath));
//   new ClientSecretCredential(t, c, s, { authorityHost, ...trustOptions(caPath) });
//   spawn("node", [...], { env: { NODE_EXTRA_CA_CERTS: caBundle() } });  // child processes
//
// Inside this process nothing needs NODE_EXTRA_CA_CERTS: pass `trustOptions(...)` to each
// SDK client or credential. `caBundle()` is for processes the tests spawn.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A certificate for IP 127.0.0.1 and its unencrypted private key, both PEM files. */
export interface SelfSignedCert {
  certPath: string;
  keyPath: string;
  /** Temp dir holding both files; removed by `dispose()`. */
  dir: string;
  /** Removes the files and drops the certificate from `caBundle()`. Idempotent. */
  dispose(): void;
}

/** Certificates issued by this process and not yet disposed, in issue order. */
const live = new Set<string>();

/**
 * Makes a one-day self-signed RSA certificate with CN and SAN IP:127.0.0.1 (SAN is what
 * Node checks; a certificate without it fails with ERR_TLS_CERT_ALTNAME_INVALID).
 */
export async function selfSignedCert(label: string): Promise<SelfSignedCert> {
  const dir = mkdtempSync(join(tmpdir(), `weft-tls-${label}-`));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  try {
    await run("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-sha256",
      "-keyout", keyPath, "-out", certPath,
      "-subj", `/CN=127.0.0.1/O=weft test ${label}`,
      "-addext", "subjectAltName=IP:127.0.0.1",
      "-addext", "basicConstraints=critical,CA:TRUE",
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`openssl could not make a test certificate for 127.0.0.1 (is the openssl CLI installed?): ${detail}`);
  }
  live.add(certPath);
  return {
    certPath,
    keyPath,
    dir,
    dispose() {
      live.delete(certPath);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Options that make an Azure SDK client or credential trust the given PEM files (and
 * only those: the public CAs are replaced). Spread into credential options, or pass as
 * BlobServiceClient options: `StoragePipelineOptions` does not declare `tlsOptions`,
 * but the storage pipeline hands unknown options to core-rest-pipeline, whose
 * `tlsPolicy` sets them on each request.
 */
export function trustOptions(...caPaths: string[]): { tlsOptions: { ca: string[] } } {
  return { tlsOptions: { ca: caPaths.map((path) => readFileSync(path, "utf8")) } };
}

let bundleDir: string | undefined;

/**
 * Path of one PEM file holding every certificate this process has issued and not yet
 * disposed (Azurite's and the token server's), for NODE_EXTRA_CA_CERTS or a CLI's CA
 * option in spawned processes. Written afresh on each call, so call it after starting
 * the servers.
 */
export function caBundle(): string {
  if (live.size === 0) throw new Error("caBundle() called before any HTTPS test server started: start Azurite with { https: true } or the token server first");
  bundleDir ??= mkdtempSync(join(tmpdir(), "weft-ca-bundle-"));
  const path = join(bundleDir, `bundle-${Date.now()}-${live.size}.pem`);
  writeFileSync(path, [...live].map((cert) => readFileSync(cert, "utf8").trim()).join("\n") + "\n");
  return path;
}

process.once("exit", () => {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});
