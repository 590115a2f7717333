import assert from "node:assert/strict";
import { test } from "node:test";
import { findSecretLiterals } from "./secret-literals.ts";

test("a literal database password in Terraform is a finding; a generated one is not", async () => {
  const literal = 'resource "azurerm_postgresql_flexible_server" "db" {\n  administrator_password = "Sup3rS3cret!"\n}\n';
  const generated = 'resource "azurerm_postgresql_flexible_server" "db" {\n  administrator_password = random_password.admin.result\n}\n';
  assert.deepEqual(await findSecretLiterals({ "a.tf": literal }), [{ file: "a.tf", message: "sets administrator_password to a literal; generate it (random_password) or read it from Key Vault" }]);
  assert.deepEqual(await findSecretLiterals({ "a.tf": generated }), []);
});

test("a secret variable with a default is a finding", async () => {
  const found = await findSecretLiterals({ "v.tf": 'variable "db_password" {\n  type        = string\n  description = "x"\n  default     = "changeme"\n}\n' });
  assert.deepEqual(found.map((f) => f.message), ['variable "db_password" has a default value; a secret must never have one']);
});

test("a storage connection string, a URL with a password and a YAML password are findings in any file", async () => {
  const found = await findSecretLiterals({
    "t.tfvars": 'storage_connection_string = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abcdefghij0123456789;"\n',
    "d.yaml": "env:\n  - name: WEFT_SERVICE_DATABASE_URL\n    value: postgres://weft:hunter22@db:5432/weft\n",
    "s.yaml": "stringData:\n  password: hunter22\n",
  });
  const byFile = Object.fromEntries(found.map((f) => [f.file, f.message]));
  assert.match(byFile["t.tfvars"]!, /connection string with a key|sets storage_connection_string to a literal/);
  assert.match(byFile["d.yaml"]!, /a URL with a password/);
  assert.match(byFile["s.yaml"]!, /a secret in a YAML or JSON key/);
});

test("a URL whose password is an interpolation or masked is not a finding", async () => {
  const text = 'value = "postgres://weftadmin:${random_password.admin.result}@${azurerm_postgresql_flexible_server.this.fqdn}:5432/weft"\n# shown as postgres://weft:****@db:5432/weft\n';
  assert.deepEqual(await findSecretLiterals({ "ok.tf": text }), []);
});
