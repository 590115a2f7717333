import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { TERRAFORM_PROFILE_OUTPUTS } from "../../src/config/terraform-outputs.ts";
import { block, readTree, TerraformTree } from "./deploy-files.ts";
import { findSecretLiterals } from "./secret-literals.ts";
import { checkTerraform } from "./terraform-checker.ts";

// deploy/azure/terraform, checked without terraform, providers or Azure.
const TF = "deploy/azure/terraform";
const files = readTree(TF, (name) => name.endsWith(".tf"));
let tree: TerraformTree;
before(async () => {
  tree = await TerraformTree.load(files);
});

const EXACT = /^\d+\.\d+\.\d+$/;

test("every .tf parses, every reference resolves, variables are typed and described, providers and sources are pinned", async () => {
  assert.ok(Object.keys(files).length >= 30, `only ${Object.keys(files).length} .tf files found`);
  assert.deepEqual(await checkTerraform(files), []);
});

test("no file under deploy/ holds a password, key, token or connection string", async () => {
  const deploy = readTree("deploy");
  assert.ok(Object.keys(deploy).some((f) => f.endsWith(".yaml")) && Object.keys(deploy).some((f) => f.endsWith(".tfvars")));
  assert.deepEqual(await findSecretLiterals(deploy), []);
});

describe("the stack's resources carry the settings the issue requires", () => {
  test("AKS: OIDC issuer and workload identity on, Entra ID only, the Key Vault CSI driver, a network policy engine", () => {
    const { body } = tree.one("resource", "azurerm_kubernetes_cluster", "this");
    assert.equal(body.oidc_issuer_enabled, true);
    assert.equal(body.workload_identity_enabled, true);
    assert.equal(body.local_account_disabled, true);
    assert.equal(block(body, "azure_active_directory_role_based_access_control")?.azure_rbac_enabled, true);
    assert.ok(block(body, "key_vault_secrets_provider"));
    assert.equal(block(body, "network_profile")?.network_policy, "cilium");
    assert.equal(block(body, "default_node_pool")?.only_critical_addons_enabled, true);
  });

  test("AKS: an autoscaling workload pool and an optional GPU pool scaled from zero", () => {
    const workload = tree.one("resource", "azurerm_kubernetes_cluster_node_pool", "workload").body;
    assert.equal(workload.auto_scaling_enabled, true);
    const gpu = tree.one("resource", "azurerm_kubernetes_cluster_node_pool", "gpu").body;
    assert.equal(gpu.count, "${var.gpu_pool.enabled ? 1 : 0}");
    assert.deepEqual([gpu.auto_scaling_enabled, gpu.min_count], [true, 0]);
  });

  test("PostgreSQL: private subnet only, TLS 1.2 required, a generated password kept in Key Vault", () => {
    const server = tree.one("resource", "azurerm_postgresql_flexible_server", "this").body;
    assert.equal(server.public_network_access_enabled, false);
    assert.equal(server.delegated_subnet_id, "${var.subnet_id}");
    assert.equal(server.administrator_password, "${random_password.admin.result}");
    const settings = Object.fromEntries(tree.blocks("resource", "azurerm_postgresql_flexible_server_configuration").map((b) => [b.body.name, b.body.value]));
    assert.deepEqual(settings, { require_secure_transport: "ON", ssl_min_protocol_version: "TLSv1.2" });
    const secret = tree.one("resource", "azurerm_key_vault_secret", "database_url").body;
    assert.match(secret.value as string, /^postgres:\/\/weftadmin:\$\{random_password\.admin\.result\}@.*\?sslmode=verify-full$/);
    // The network module delegates the subnet the server lives in.
    const subnet = tree.one("resource", "azurerm_subnet", "postgres").body;
    assert.equal(block(subnet, "delegation", "service_delegation")?.name, "Microsoft.DBforPostgreSQL/flexibleServers");
  });

  test("Storage: no public blob access, TLS 1.2, Entra ID only, soft delete of blobs and containers", () => {
    for (const { file, body } of tree.blocks("resource", "azurerm_storage_account")) {
      assert.equal(body.allow_nested_items_to_be_public, false, file);
      assert.equal(body.min_tls_version, "TLS1_2", file);
      assert.equal(body.shared_access_key_enabled, false, file);
      assert.ok(block(body, "blob_properties", "delete_retention_policy")?.days, file);
      assert.ok(block(body, "blob_properties", "container_delete_retention_policy")?.days, file);
    }
    assert.equal(tree.blocks("resource", "azurerm_storage_account").length, 2, "the artifacts account and the state account");
  });

  test("Key Vault authorizes with Azure RBAC, and the registry has no admin user and gives the kubelet AcrPull", () => {
    const vault = tree.one("resource", "azurerm_key_vault", "this").body;
    assert.equal(vault.enable_rbac_authorization ?? vault.rbac_authorization_enabled, true);
    assert.equal(tree.one("resource", "azurerm_container_registry", "this").body.admin_enabled, false);
    const pull = tree.one("resource", "azurerm_role_assignment", "kubelet_acr_pull").body;
    assert.deepEqual([pull.role_definition_name, pull.principal_id, pull.scope], ["AcrPull", "${var.kubelet_object_id}", "${azurerm_container_registry.this.id}"]);
    assert.equal(tree.one("module", undefined, "acr", `${TF}/stages/infra`).body.kubelet_object_id, "${module.aks.kubelet_object_id}");
    assert.equal(tree.one("output", undefined, "kubelet_object_id", `${TF}/modules/aks`).body.value, "${azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id}");
  });

  test("the workload identity: federated with Weft's service accounts, and exactly the three least roles", () => {
    const federated = tree.one("resource", "azurerm_federated_identity_credential", "service_account").body;
    assert.equal(federated.subject, "system:serviceaccount:${var.namespace}:${each.value}");
    assert.deepEqual(federated.audience, ["api://AzureADTokenExchange"]);
    assert.equal(federated.issuer, "${var.oidc_issuer_url}");
    const roles = tree.blocks("resource", "azurerm_role_assignment").filter((b) => b.body.principal_id === "${azurerm_user_assigned_identity.weft.principal_id}");
    assert.deepEqual(Object.fromEntries(roles.map((r) => [r.body.role_definition_name, r.body.scope])), {
      "Storage Blob Data Contributor": "${var.container_scope}",
      "Key Vault Secrets User": "${var.key_vault_id}",
      AcrPull: "${var.registry_id}",
    });
    // Scoped to the container, not the account.
    assert.match(tree.one("output", undefined, "container_scope", `${TF}/modules/storage`).body.value as string, /\/blobServices\/default\/containers\/\$\{azurerm_storage_container\.artifacts\.name\}$/);
    assert.deepEqual(tree.one("module", undefined, "infra").body.service_accounts, ["${local.service_account}", "${local.tasks_service_account}"]);
  });

  test("nothing holds a broad role, a service principal password or an Entra application", () => {
    const roles = tree.blocks("resource", "azurerm_role_assignment").map((b) => b.body.role_definition_name);
    assert.deepEqual(roles.filter((r) => r === "Contributor" || r === "Owner"), []);
    for (const type of ["azuread_application", "azuread_service_principal_password", "azuread_application_password"]) assert.deepEqual(tree.blocks("resource", type), [], type);
  });

  test("Argo Workflows and Argo Events come from the Argo Helm repository at exact chart versions", () => {
    const charts = Object.fromEntries(tree.blocks("resource", "helm_release").map((b) => [b.body.chart, b.body]));
    assert.deepEqual(Object.keys(charts).sort(), ["argo-events", "argo-workflows"]);
    for (const [chart, variable] of [["argo-workflows", "argo_workflows_chart_version"], ["argo-events", "argo_events_chart_version"]] as const) {
      assert.equal(charts[chart]!.repository, "${local.argo_repository}");
      assert.equal(charts[chart]!.version, `\${var.${variable}}`);
      assert.match(tree.one("variable", undefined, variable, `${TF}/variables.tf`).body.default as string, EXACT);
    }
  });

  test("state goes to Blob Storage with Entra ID authentication", () => {
    const terraformBlocks = tree.parsed.filter((p) => p.file === `${TF}/backend.tf`).map((p) => block(p.body, "terraform", "backend", "azurerm"));
    assert.deepEqual(terraformBlocks, [{ use_azuread_auth: true }]);
  });

  test("names derive from the prefix and the workspace, so workspaces never collide", () => {
    const locals = tree.parsed.filter((p) => p.file === `${TF}/main.tf`).map((p) => block(p.body, "locals"));
    assert.equal(locals[0]?.name, "${var.prefix}-${terraform.workspace}");
    assert.equal(tree.one("module", undefined, "infra").body.name, "${local.name}");
  });

  test("the root declares every output weft configure azure --from-terraform reads, and none of them is sensitive", () => {
    const outputs = new Map(tree.blocks("output").filter((b) => b.file.startsWith(`${TF}/outputs.tf`)).map((b) => [b.name, b.body]));
    for (const { output } of TERRAFORM_PROFILE_OUTPUTS) {
      assert.ok(outputs.has(output), output);
      assert.notEqual(outputs.get(output)!.sensitive, true, output);
    }
    assert.equal(outputs.get("service_database_url")?.sensitive, true);
  });
});
