// Finds secrets written into deployment files: a literal value for a password, key,
// token or connection string attribute in HCL, and text that only a real credential
// looks like (an account key in a connection string, a password in a URL, a private
// key, a SAS signature) in any file.
import { parse } from "@cdktf/hcl2json";
import type { Finding } from "./terraform-checker.ts";

/** Attribute and variable names that hold a secret. */
const SECRET_NAME = /(^|_)(password|passwd|secret|client_secret|access_key|account_key|api_key|apikey|token|sas_token|connection_string)$/i;

const SECRET_TEXT: [RegExp, string][] = [
  [/(AccountKey|SharedAccessKey|SharedAccessSignature)=[^;\s"'$]{8,}/, "a connection string with a key"],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'$]+:(?!\*+@)[^\s@"'$/]+@/i, "a URL with a password"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/[?&]sig=[A-Za-z0-9%+/]{16,}/, "a SAS signature"],
  [/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==/, "a storage account key"],
  [/^\s*["']?[\w.-]*(password|passwd|client_secret|access_key|account_key|api_key|token|connection_string)["']?\s*:\s*["']?(?![$<{]|(true|false|null)\b)[^\s"'#]{4,}/im, "a secret in a YAML or JSON key"],
];

/** Findings for every secret literal in `files` (path → text). HCL files are also parsed. */
export async function findSecretLiterals(files: Record<string, string>): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [file, text] of Object.entries(files)) {
    for (const [pattern, what] of SECRET_TEXT) {
      const match = pattern.exec(text);
      if (match) findings.push({ file, message: `holds ${what}: ${JSON.stringify(match[0].slice(0, 40))}…` });
    }
    if (!/\.(tf|tfvars|hcl)$/.test(file)) continue;
    let body: unknown;
    try {
      body = await parse(file, text);
    } catch {
      continue; // The Terraform checker reports files that do not parse.
    }
    for (const [name, value] of attributes(body)) {
      if (SECRET_NAME.test(name) && typeof value === "string" && value !== "" && !value.includes("${")) findings.push({ file, message: `sets ${name} to a literal; generate it (random_password) or read it from Key Vault` });
    }
    const variables = (body as { variable?: Record<string, { default?: unknown }[]> }).variable ?? {};
    for (const [name, [declaration]] of Object.entries(variables)) {
      if (SECRET_NAME.test(name) && typeof declaration?.default === "string" && declaration.default !== "") findings.push({ file, message: `variable "${name}" has a default value; a secret must never have one` });
    }
  }
  return findings;
}

/** Every (name, value) pair at any depth of a parsed HCL body. */
function* attributes(value: unknown): Generator<[string, unknown]> {
  if (Array.isArray(value)) for (const item of value) yield* attributes(item);
  else if (value && typeof value === "object") {
    for (const [name, child] of Object.entries(value)) {
      yield [name, child];
      yield* attributes(child);
    }
  }
}
