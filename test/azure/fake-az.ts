// A fake Azure CLI for AzureCliCredential: an executable `az` that answers
// `az account get-access-token --resource R | --scope R/.default [--tenant T]` with the JSON
// the real CLI prints, using a token fetched from the fake Entra ID (token-server.ts)
// with the service principal's secret, as a CLI logged in with `az login --service-principal`.
//
//   const az = await writeFakeAz(entra);            // or writeFakeAz(entra, { loggedIn: false })
//   process.env.PATH = `${az.dir}${delimiter}${process.env.PATH}`;   // restore afterwards
//   await new AzureCliCredential().getToken("https://storage.azure.com/.default");
//   await az.invocations()                          // argv of each call, oldest first
//   az.dispose();
//
// Anything else `az` is asked prints an `ERROR:` line and exits 2, as the real CLI does.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenServer } from "./token-server.ts";

export interface FakeAz {
  /** Folder holding the `az` executable; prepend it to PATH. */
  dir: string;
  /** The arguments of every `az` call so far, oldest first. */
  invocations(): string[][];
  /** Removes the folder. */
  dispose(): void;
}

export interface FakeAzOptions {
  /** false: every token request fails as after `az logout` ("Please run 'az login'"). */
  loggedIn?: boolean;
  /** Printed as `subscription`; defaults to a fixed GUID. */
  subscription?: string;
}

/** Writes `az` (a shell script running node on a generated ESM file) into a new temp dir. */
export function writeFakeAz(entra: TokenServer, options: FakeAzOptions = {}): FakeAz {
  const dir = mkdtempSync(join(tmpdir(), "weft-fake-az-"));
  const logPath = join(dir, "invocations.jsonl");
  writeFileSync(logPath, "");
  const config = {
    logPath,
    loggedIn: options.loggedIn ?? true,
    subscription: options.subscription ?? "00000000-0000-4000-8000-00000000a2b5",
    authorityHost: entra.authorityHost,
    tenantId: entra.tenantId,
    clientId: entra.clientId,
    clientSecret: entra.clientSecret,
    ca: readFileSync(entra.caCertPath, "utf8"),
  };
  writeFileSync(join(dir, "az.mjs"), `const config = ${JSON.stringify(config)};\n${AZ_PROGRAM}`);
  // AzureCliCredential runs `az ...` through /bin/sh with cwd /bin, so use absolute paths.
  writeFileSync(join(dir, "az"), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(join(dir, "az.mjs"))} "$@"\n`, { mode: 0o755 });
  return {
    dir,
    invocations: () =>
      readFileSync(logPath, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

// The program `az` runs; `config` is prepended as a literal. Plain JS: it runs without tsx.
const AZ_PROGRAM = String.raw`
import { appendFileSync } from "node:fs";
import { request } from "node:https";

const argv = process.argv.slice(2);
appendFileSync(config.logPath, JSON.stringify(argv) + "\n");
const fail = (message, code = 1) => { process.stderr.write("ERROR: " + message + "\n"); process.exit(code); };
const flag = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };

if (argv[0] !== "account" || argv[1] !== "get-access-token") {
  fail("'" + argv.slice(0, 2).join(" ") + "' is misspelled or not recognized by the system. (fake az: only 'account get-access-token' is implemented)", 2);
}
if (!config.loggedIn) fail("Please run 'az login' to setup account.");
const output = flag("--output") ?? flag("-o") ?? "json";
if (output !== "json") fail("fake az prints only --output json, not " + output, 2);
const resource = flag("--resource");
const scope = flag("--scope") ?? (resource ? resource.replace(/\/+$/, "") + "/.default" : undefined);
if (!scope) fail("Please provide --resource or --scope.", 2);
const tenant = flag("--tenant") ?? config.tenantId;

const form = new URLSearchParams({ grant_type: "client_credentials", client_id: config.clientId, client_secret: config.clientSecret, scope });
const req = request(config.authorityHost + "/" + tenant + "/oauth2/v2.0/token", { method: "POST", ca: config.ca, headers: { "content-type": "application/x-www-form-urlencoded" } }, (res) => {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (chunk) => (body += chunk));
  res.on("end", () => {
    const json = JSON.parse(body);
    if (res.statusCode !== 200) fail(json.error_description ?? body);
    const expiresOn = Math.floor(Date.now() / 1000) + json.expires_in;
    const local = new Date(expiresOn * 1000 - new Date().getTimezoneOffset() * 60000).toISOString().replace("T", " ").replace("Z", "000");
    process.stdout.write(JSON.stringify({ accessToken: json.access_token, expiresOn: local, expires_on: expiresOn, subscription: config.subscription, tenant, tokenType: "Bearer" }, null, 2) + "\n");
  });
});
req.on("error", (error) => fail("could not reach the token server: " + error.message));
req.end(form.toString());
`;
