import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WeftError } from "../../errors/weft-error.ts";
import { parseAzureSysroot } from "./sysroot.ts";

const VAR = "[WEFT_DATASTORE_SYSROOT_AZURE]";

/** Parses `value`, expecting a CONFIG error; returns it for further checks. */
function rejection(value: string | undefined, variable?: string): WeftError {
  try {
    parseAzureSysroot(value, variable);
  } catch (error) {
    assert.ok(error instanceof WeftError, `expected a WeftError, got ${String(error)}`);
    assert.equal(error.code, "CONFIG");
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(value)} to be rejected`);
}

/** The error quotes the value, names the variable and the rule, and shows `valid`, which must itself parse. */
function assertRejected(value: string, phrase: string, valid: string): WeftError {
  const error = rejection(value);
  assert.ok(error.message.startsWith(`Invalid Azure datastore root "${value}" ${VAR}: `), error.message);
  assert.ok(error.message.includes(phrase), `"${phrase}" not in: ${error.message}`);
  assert.ok(error.describe().includes(`"${valid}"`) || error.describe().includes(`=${valid}`), `"${valid}" not shown in: ${error.describe()}`);
  assert.doesNotThrow(() => parseAzureSysroot(valid));
  return error;
}

describe("parseAzureSysroot accepts", () => {
  const cases: [string, string, object][] = [
    ["the bare container/prefix form", "flows/weft", { container: "flows", prefix: "weft" }],
    ["a bare container with an empty prefix", "flows", { container: "flows", prefix: "" }],
    ["a multi-segment prefix", "flows/a/b/c", { container: "flows", prefix: "a/b/c" }],
    ["az://container/prefix", "az://flows/weft", { container: "flows", prefix: "weft" }],
    ["az://container with an empty prefix", "az://flows", { container: "flows", prefix: "" }],
    ["abfs://container/prefix without an account, as ZenML writes it", "abfs://flows/weft", { container: "flows", prefix: "weft" }],
    [
      "abfss:// with an account and maps the dfs host to the blob endpoint",
      "abfss://flows@myacct.dfs.core.windows.net/weft/runs",
      { container: "flows", prefix: "weft/runs", account: "myacct", blobEndpoint: "https://myacct.blob.core.windows.net" },
    ],
    [
      "abfs:// with an account like abfss://",
      "abfs://flows@myacct.dfs.core.windows.net/weft",
      { container: "flows", prefix: "weft", account: "myacct", blobEndpoint: "https://myacct.blob.core.windows.net" },
    ],
    [
      "wasbs://container@account.blob.core.windows.net/prefix",
      "wasbs://flows@myacct.blob.core.windows.net/weft",
      { container: "flows", prefix: "weft", account: "myacct", blobEndpoint: "https://myacct.blob.core.windows.net" },
    ],
    [
      "wasb:// with no prefix",
      "wasb://flows@myacct.blob.core.windows.net",
      { container: "flows", prefix: "", account: "myacct", blobEndpoint: "https://myacct.blob.core.windows.net" },
    ],
  ];
  for (const [name, value, expected] of cases) {
    it(name, () => assert.deepEqual(parseAzureSysroot(value), expected));
  }
  for (const suffix of ["core.chinacloudapi.cn", "core.usgovcloudapi.net", "core.cloudapi.de"]) {
    it(`account hosts in the ${suffix} cloud and keeps its blob suffix`, () => {
      assert.deepEqual(parseAzureSysroot(`abfss://flows@myacct.dfs.${suffix}/weft`), {
        container: "flows", prefix: "weft", account: "myacct", blobEndpoint: `https://myacct.blob.${suffix}`,
      });
    });
  }
});

describe("parseAzureSysroot rejects", () => {
  it("a missing root, showing how to set one", () => {
    for (const value of [undefined, "", "  "]) {
      const error = rejection(value);
      assert.match(error.message, /The Azure datastore needs a root \[WEFT_DATASTORE_SYSROOT_AZURE\]/);
      assert.ok(error.hint?.includes("WEFT_DATASTORE_SYSROOT_AZURE=mycontainer/weft"));
      assert.ok(error.hint?.includes("--datastore-root"));
    }
  });

  it("a bad root naming the variable it came from", () => {
    assert.ok(rejection("flows/weft/", "--datastore-root").message.includes('"flows/weft/" [--datastore-root]'));
  });

  const rules: [string, string, string, string][] = [
    ["a trailing slash", "flows/weft/", 'may not end with "/"', "flows/weft"],
    ["a leading slash", "/flows/weft", 'may not start with "/"', "flows/weft"],
    ["consecutive slashes", "flows//weft", "consecutive slashes", "flows/weft"],
    ["a trailing slash before a leading one, in Metaflow's order", "/flows//weft/", 'may not end with "/"', "flows/weft"],
    ["a leading slash before consecutive slashes, in Metaflow's order", "/flows//weft", 'may not start with "/"', "flows/weft"],
    ["an empty container in az://", "az://", "container name may not be empty", "az://flows/weft"],
    ["an empty container before the account host", "wasbs://@myacct.blob.core.windows.net/weft", "container name may not be empty", "wasbs://flows@myaccount.blob.core.windows.net/weft"],
    ["a trailing slash after an az:// path", "az://flows/weft/", 'may not end with "/"', "az://flows/weft"],
    ["a leading slash after az://", "az:///flows", 'may not start with "/"', "az://flows"],
    ["a trailing slash after the account host", "wasbs://flows@myacct.blob.core.windows.net/", 'may not end with "/"', "wasbs://flows@myacct.blob.core.windows.net"],
    ["consecutive slashes after the account host", "abfss://flows@myacct.dfs.core.windows.net//weft", "consecutive slashes", "abfss://flows@myacct.dfs.core.windows.net/weft"],
    ["a blob URL, showing the bare root it meant", "https://myacct.blob.core.windows.net/flows/weft", "drop the https:// prefix", "flows/weft"],
    ["an https URL that is not a blob URL", "https://127.0.0.1:10000/devstoreaccount1/flows", "drop the https:// prefix", "flows/weft"],
    ["the s3:// scheme, listing the accepted forms", "s3://bucket/weft", 'unknown scheme "s3://"', "container/prefix"],
    ["the gs:// scheme", "gs://bucket/weft", 'unknown scheme "gs://"', "az://container/prefix"],
    ["the http:// scheme", "http://127.0.0.1:10000/flows", 'unknown scheme "http://"', "flows/weft"],
    ["a wasbs:// URL without an account", "wasbs://flows/weft", "must name the storage account", "wasbs://flows@myaccount.blob.core.windows.net/weft"],
    ["an account host outside the Azure clouds", "wasbs://flows@myacct.blob.example.com/weft", 'account host "myacct.blob.example.com" is malformed', "wasbs://flows@myaccount.blob.core.windows.net/weft"],
    ["an abfss:// URL on the blob host", "abfss://flows@myacct.blob.core.windows.net/weft", "name the dfs endpoint", "abfss://flows@myacct.dfs.core.windows.net/weft"],
    ["an account name with capitals", "wasbs://flows@MyAcct.blob.core.windows.net/weft", "3–24 lowercase letters or digits", "wasbs://flows@myacct.blob.core.windows.net/weft"],
    ["an account name that is too short", "abfss://flows@ab.dfs.core.windows.net/weft", 'account name "ab" must be 3–24', "myaccount"],
    ["an account name that is too long", `abfss://flows@${"a".repeat(25)}.dfs.core.windows.net`, "must be 3–24", "myaccount"],
    ["a container name shorter than 3 characters", "ab/weft", "must be 3–63 characters", "flows/weft"],
    ["a container name longer than 63 characters", `${"a".repeat(64)}/weft`, "must be 3–63 characters long (it has 64)", "flows/weft"],
    ["a container name with capitals, saying lowercase", "Flows/weft", "must be lowercase", "flows/weft"],
    ["a container name with other characters", "flows_weft/x", 'only lowercase letters, digits and hyphens (found "_")', "flows/weft"],
    ["a container name starting with a hyphen", "-flows/weft", "must start and end with a letter or digit", "flows/weft"],
    ["a container name ending with a hyphen", "flows-/weft", "must start and end with a letter or digit", "flows/weft"],
    ["consecutive hyphens in a container name", "my--flows/weft", 'consecutive hyphens ("--")', "my-flows/weft"],
    ["a bad container name inside a URL", "wasbs://Flows@myacct.blob.core.windows.net/weft", "must be lowercase", "wasbs://flows@myacct.blob.core.windows.net/weft"],
    ['a ".." prefix segment', "flows/../weft", "path traversal", "flows/weft"],
    ['a "." prefix segment', "az://flows/a/./b", "path traversal", "az://flows/weft"],
  ];
  for (const [name, value, phrase, valid] of rules) {
    it(name, () => {
      assertRejected(value, phrase, valid);
    });
  }

  it("a blob URL whose bare form is also invalid, showing it with the endpoint and account", () => {
    const error = assertRejected("https://acct.blob.core.windows.net/c/p", "drop the https:// prefix", "flows/weft");
    assert.ok(error.message.includes('this URL means "c/p" in account "acct"'), error.message);
    assert.ok(error.hint?.includes("WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://acct.blob.core.windows.net"), error.hint);
    assert.ok(error.hint?.includes("must be 3–63 characters"), error.hint);
  });

  it("a blob URL, pointing the account at the endpoint variable or a wasbs:// root", () => {
    const error = rejection("https://myacct.dfs.core.windows.net/flows/weft");
    assert.ok(error.message.includes('did you mean "flows/weft"?'), error.message);
    assert.ok(error.hint?.includes("WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://myacct.blob.core.windows.net"), error.hint);
    assert.ok(error.hint?.includes('"wasbs://flows@myacct.blob.core.windows.net/weft"'), error.hint);
  });

  it("a SAS URL without echoing its signature", () => {
    const error = rejection("https://myacct.blob.core.windows.net/flows/weft?sv=2022-11-02&sig=s3cr3t");
    assert.ok(!error.describe().includes("s3cr3t"), error.describe());
    assert.ok(error.message.includes("sig=<redacted>") && error.message.includes("drop the https:// prefix"), error.message);
  });
});
