import { WeftError } from "../../errors/weft-error.ts";

/** The forms the Blob SDK takes, shown whenever a connection string is refused. */
export const CONNECTION_STRING_FORMS =
  'Expected "DefaultEndpointsProtocol=https;AccountName=<account>;AccountKey=<base64 key>;EndpointSuffix=core.windows.net" ' +
  '(or BlobEndpoint=<url> in place of EndpointSuffix), "BlobEndpoint=https://<account>.blob.core.windows.net;SharedAccessSignature=sv=…&sig=…", ' +
  'or "UseDevelopmentStorage=true" for Azurite.';

const KNOWN_KEYS = [
  "DefaultEndpointsProtocol",
  "AccountName",
  "AccountKey",
  "EndpointSuffix",
  "BlobEndpoint",
  "QueueEndpoint",
  "TableEndpoint",
  "FileEndpoint",
  "SharedAccessSignature",
  "UseDevelopmentStorage",
  "DevelopmentStorageProxyUri",
];

/**
 * Checks a storage connection string the way the Blob SDK will read it, before the SDK
 * sees it: the SDK's own errors are vague ("Invalid BlobEndpoint in the provided SAS
 * Connection String" for a string that has no SAS at all) and arrive as stacks. Throws
 * CONFIG naming the part that is wrong and `source` (a variable or a Key Vault secret),
 * never a value from the string: any part of it may be the key.
 */
export function checkConnectionString(value: string, source: string): void {
  const fail = (what: string) => new WeftError("CONFIG", `The storage connection string in ${source} ${what}.`, { hint: CONNECTION_STRING_FORMS });
  const parts = new Map<string, string>();
  const segments = value.split(";").map((s) => s.trim()).filter((s) => s !== "");
  for (const [i, segment] of segments.entries()) {
    const at = segment.indexOf("=");
    const key = at > 0 ? segment.slice(0, at) : "";
    // Only a recognised key is ever named: an unrecognised "key" may be a pasted secret.
    if (!KNOWN_KEYS.includes(key)) {
      const why = at <= 0 ? "is not Key=Value" : /^[A-Za-z]{1,40}$/.test(key) ? `has the unknown key "${key}" (keys are case-sensitive)` : "has an unknown key";
      throw fail(`is malformed: part ${i + 1} of ${segments.length} (separated by ;) ${why}`);
    }
    parts.set(key, segment.slice(at + 1));
  }
  if (parts.get("UseDevelopmentStorage") === "true") return;
  const endpoint = parts.get("BlobEndpoint");
  if (endpoint !== undefined && !isHttpUrl(endpoint)) throw fail("has a BlobEndpoint that is not an http:// or https:// URL with a host");
  if (parts.has("AccountKey")) {
    if (!parts.get("AccountName")) throw fail("has an AccountKey but no AccountName");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(parts.get("AccountKey")!)) throw fail("has an AccountKey that is not base64 (letters, digits, +, / and = padding)");
    const protocol = parts.get("DefaultEndpointsProtocol");
    if (protocol !== "https" && protocol !== "http") throw fail(`has ${protocol === undefined ? "no DefaultEndpointsProtocol" : "a DefaultEndpointsProtocol other than https or http"}, which an AccountKey string needs`);
    if (endpoint === undefined && !parts.get("EndpointSuffix")) throw fail("has neither BlobEndpoint nor EndpointSuffix (e.g. core.windows.net), so the endpoint is not known");
    return;
  }
  if (parts.has("SharedAccessSignature")) {
    if (!parts.get("SharedAccessSignature")) throw fail("has an empty SharedAccessSignature");
    if (endpoint === undefined) throw fail("has a SharedAccessSignature but no BlobEndpoint, which a SAS string needs");
    return;
  }
  throw fail("has neither an AccountKey nor a SharedAccessSignature");
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}
