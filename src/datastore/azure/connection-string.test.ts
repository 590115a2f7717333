import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { checkConnectionString } from "./connection-string.ts";
import { chooseAuth } from "./credentials.ts";

const KEY = "c2VjcmV0LWtleS12YWx1ZS0xMjM0NTY3ODkw"; // base64, and the value no message may show
const SOURCE = "AZURE_STORAGE_CONNECTION_STRING";

/** The CONFIG error for `value`, checked to name the source, show the expected form and leak nothing. */
function refused(value: string): string {
  const error = weftError(() => chooseAuth({ connectionString: value }), "CONFIG");
  const text = `${error.message}\n${error.hint}`;
  assert.match(error.message, /^The storage connection string in AZURE_STORAGE_CONNECTION_STRING /);
  assert.match(error.hint ?? "", /Expected "DefaultEndpointsProtocol=https;AccountName=<account>;AccountKey=<base64 key>;EndpointSuffix=core\.windows\.net"/);
  assert.doesNotMatch(text, new RegExp(KEY.slice(0, 12)));
  assert.doesNotMatch(text, /SECRETSIG|hunter2|\n\s+at /);
  return error.message;
}

describe("storage connection strings", () => {
  it("accepts the account-key, SAS and Azurite forms the Blob SDK reads", () => {
    for (const value of [
      `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net`,
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY}==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`,
      "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2024-01-01&sig=abc",
      "UseDevelopmentStorage=true",
    ]) {
      assert.doesNotThrow(() => checkConnectionString(value, SOURCE), value);
      assert.equal(chooseAuth({ connectionString: value }).method, "connection-string");
    }
  });

  it("says a string with no AccountKey and no SAS has neither", () => {
    assert.match(refused("DefaultEndpointsProtocol=https;AccountName=acct;EndpointSuffix=core.windows.net"), /has neither an AccountKey nor a SharedAccessSignature/);
  });

  it("says which part of garbage is not Key=Value, without repeating it", () => {
    assert.match(refused("hunter2"), /is malformed: part 1 of 1 \(separated by ;\) is not Key=Value/);
    assert.match(refused(`AccountName=acct;${KEY}`), /part 2 of 2 .*is not Key=Value|part 2 of 2 .*has an unknown key/);
    assert.match(refused(`DefaultEndpointsProtocol=https;Accountname=acct;AccountKey=${KEY}`), /part 2 of 3 .*has the unknown key "Accountname" \(keys are case-sensitive\)/);
  });

  it("says a BlobEndpoint that is not an http(s) URL is wrong, without showing it", () => {
    assert.match(refused("BlobEndpoint=acct.blob.core.windows.net?sig=SECRETSIG;SharedAccessSignature=sv=1&sig=SECRETSIG"), /has a BlobEndpoint that is not an http:\/\/ or https:\/\/ URL with a host/);
    assert.match(refused(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};BlobEndpoint=ftp://acct`), /BlobEndpoint that is not an http/);
  });

  it("names each missing or malformed part of an account-key string", () => {
    assert.match(refused(`DefaultEndpointsProtocol=https;AccountKey=${KEY};EndpointSuffix=core.windows.net`), /has an AccountKey but no AccountName/);
    assert.match(refused(`AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net`), /has no DefaultEndpointsProtocol, which an AccountKey string needs/);
    assert.match(refused(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY}`), /has neither BlobEndpoint nor EndpointSuffix/);
    assert.match(refused("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=not base64!;EndpointSuffix=core.windows.net"), /has an AccountKey that is not base64/);
  });

  it("says a SAS string needs a BlobEndpoint", () => {
    assert.match(refused("AccountName=acct;SharedAccessSignature=sv=1&sig=SECRETSIG"), /has a SharedAccessSignature but no BlobEndpoint/);
  });
});
