import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkTerraform, interpolations } from "./terraform-checker.ts";

// The checker must be able to fail: each case breaks one rule in a small module tree
// and expects the finding that names it.

const versions = `terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.30"
    }
  }
}
`;

const child = {
  "m/child/versions.tf": versions,
  "m/child/main.tf": `variable "name" {
  type        = string
  description = "The name."
}

resource "azurerm_resource_group" "this" {
  name     = "rg-\${var.name}"
  location = "eastus"
}

output "id" {
  description = "The id."
  value       = azurerm_resource_group.this.id
}
`,
};

const root = (main: string, extra: Record<string, string> = {}) => ({ ...child, "m/versions.tf": versions, "m/main.tf": main, ...extra });

const goodRoot = `variable "prefix" {
  type        = string
  description = "Prefix."
}

locals {
  name = "\${var.prefix}-\${terraform.workspace}"
}

module "child" {
  source = "./child"
  name   = local.name
}

output "id" {
  description = "The group."
  value       = module.child.id
}
`;

const messages = async (files: Record<string, string>) => (await checkTerraform(files)).map((f) => `${f.file}: ${f.message}`);

describe("the Terraform checker", () => {
  test("finds nothing wrong in a well-formed module tree", async () => {
    assert.deepEqual(await messages(root(goodRoot)), []);
  });

  test("reports a file that does not parse", async () => {
    const found = await messages(root(`${goodRoot}\nresource "azurerm_resource_group" "x" {\n  name = \n}\n`));
    assert.match(found.join("\n"), /m\/main\.tf: does not parse/);
  });

  test("reports a reference to an undeclared variable, local, resource and data source", async () => {
    const found = await messages(root(goodRoot.replace('"${var.prefix}-${terraform.workspace}"', '"${var.prefx}-${local.nope}-${azurerm_storage_account.gone.id}-${data.azurerm_client_config.me.id}"')));
    assert.ok(found.some((m) => /var\.prefx: no variable "prefx" is declared in m/.test(m)), found.join("\n"));
    assert.ok(found.some((m) => /local\.nope: no local "nope"/.test(m)), found.join("\n"));
    assert.ok(found.some((m) => /azurerm_storage_account\.gone\.id: no resource azurerm_storage_account\.gone/.test(m)), found.join("\n"));
    assert.ok(found.some((m) => /data\.azurerm_client_config\.me\.id: no data source/.test(m)), found.join("\n"));
  });

  test("reports a module output the module does not declare", async () => {
    const found = await messages(root(goodRoot.replace("module.child.id", "module.child.identifier")));
    assert.deepEqual(found, ['m/main.tf: module.child.identifier: module "child" (./child) declares no output "identifier"']);
  });

  test("reports a module argument the module does not declare, and a required one left out", async () => {
    const found = await messages(root(goodRoot.replace("  name   = local.name\n", "  nam    = local.name\n")));
    assert.ok(found.includes('m/main.tf: module "child" sets "nam", which ./child does not declare as a variable'), found.join("\n"));
    assert.ok(found.includes('m/main.tf: module "child" does not set the required variable "name" of ./child'), found.join("\n"));
  });

  test("reports a variable without a type or a description", async () => {
    const found = await messages(root(goodRoot.replace('  type        = string\n  description = "Prefix."\n', "  default = \"x\"\n")));
    assert.ok(found.includes('m/main.tf: variable "prefix" has no type'), found.join("\n"));
    assert.ok(found.includes('m/main.tf: variable "prefix" has no description'), found.join("\n"));
  });

  test("reports a provider with a floating version, and one used without being required", async () => {
    const found = await messages(root(goodRoot, { "m/versions.tf": versions.replace('"~> 4.30"', '">= 4.0"'), "m/random.tf": 'resource "random_string" "s" {\n  length = 5\n}\n' }));
    assert.ok(found.includes('m/versions.tf: provider "azurerm" version ">= 4.0" is not pinned: use an exact version or "~> MAJOR.MINOR"'), found.join("\n"));
    assert.ok(found.includes('m/: provider "random" is used but not in required_providers'), found.join("\n"));
  });

  test("reports registry and git module sources that are not pinned, and a local source that is not there", async () => {
    const calls = `module "aks" {\n  source = "Azure/aks/azurerm"\n}\n\nmodule "git" {\n  source = "git::https://example.com/m.git"\n}\n\nmodule "gone" {\n  source = "./gone"\n}\n`;
    const found = await messages(root(`${goodRoot}\n${calls}`));
    assert.ok(found.includes('m/main.tf: module "aks" from the registry (Azure/aks/azurerm) has no pinned version'), found.join("\n"));
    assert.ok(found.includes('m/main.tf: module "git" source git::https://example.com/m.git is not pinned: add ?ref=<tag or commit>'), found.join("\n"));
    assert.ok(found.includes('m/main.tf: module "gone" source ./gone is not a folder of .tf files'), found.join("\n"));
  });

  test("reports an output carrying a generated password that is not sensitive", async () => {
    const extra = {
      "m/child/random.tf": 'resource "random_password" "p" {\n  length = 32\n}\n\noutput "password" {\n  description = "The password."\n  value       = random_password.p.result\n}\n',
      "m/child/versions.tf": versions.replace("    }\n  }\n}", '    }\n    random = {\n      source  = "hashicorp/random"\n      version = "~> 3.7"\n    }\n  }\n}'),
    };
    const found = await messages(root(goodRoot, extra));
    assert.ok(found.includes('m/child/random.tf: output "password" holds a secret (random_password.p.result) but is not marked sensitive'), found.join("\n"));
  });

  test("knows a dynamic block's iterator and a for expression's variables", async () => {
    const dynamic = `resource "azurerm_resource_group" "d" {\n  name     = "d"\n  location = "eastus"\n  tags     = { for k, v in var.tags : k => v }\n  dynamic "timeouts" {\n    for_each = var.tags\n    content {\n      create = timeouts.value\n    }\n  }\n}\n\nvariable "tags" {\n  type        = map(string)\n  description = "Tags."\n}\n`;
    assert.deepEqual(await messages(root(`${goodRoot}\n${dynamic}`)), []);
    const found = await messages(root(`${goodRoot}\n${dynamic.replace("timeouts.value", "timeout.value")}`));
    assert.deepEqual(found, ['m/main.tf: timeout.value: no resource timeout.value is declared in m']);
  });
});

test("interpolations splits a template into its ${…} parts, quotes and braces inside kept whole", () => {
  assert.deepEqual(interpolations('The name "${var.name}" and ${merge(var.a, { b = "}" })} end'), ["${var.name}", '${merge(var.a, { b = "}" })}']);
});
