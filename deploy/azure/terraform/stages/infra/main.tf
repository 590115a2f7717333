# Stage 1: everything but what runs on the cluster. Each module is one concern; this
# file only wires their outputs together. Names derive from var.name (prefix and
# workspace) plus a random suffix kept in each workspace's state, so two workspaces,
# or two teams with the same prefix, never collide on Azure's global names.

locals {
  compact = replace(var.name, "-", "")
}

resource "random_string" "suffix" {
  length  = 5
  upper   = false
  special = false

  lifecycle {
    precondition {
      condition     = can(regex("^[a-z][a-z0-9-]{1,29}$", var.name))
      error_message = "The stack name \"${var.name}\" (prefix-workspace) must be 2-30 lowercase letters, digits and hyphens, starting with a letter: pick a shorter prefix or workspace name."
    }
  }
}

module "network" {
  source               = "../../modules/network"
  name                 = var.name
  location             = var.location
  address_space        = var.network.address_space
  aks_subnet_cidr      = var.network.aks_subnet_cidr
  postgres_subnet_cidr = var.network.postgres_subnet_cidr
  tags                 = var.tags
}

module "storage" {
  source              = "../../modules/storage"
  account_name        = "st${substr(local.compact, 0, 17)}${random_string.suffix.result}"
  resource_group_name = module.network.resource_group_name
  location            = module.network.location
  container_name      = var.storage.container_name
  replication_type    = var.storage.replication_type
  soft_delete_days    = var.storage.soft_delete_days
  tags                = var.tags
}

module "aks" {
  source                          = "../../modules/aks"
  name                            = var.name
  resource_group_name             = module.network.resource_group_name
  location                        = module.network.location
  tenant_id                       = var.tenant_id
  subnet_id                       = module.network.aks_subnet_id
  kubernetes_version              = var.aks.kubernetes_version
  sku_tier                        = var.aks.sku_tier
  system_pool                     = var.aks.system_pool
  workload_pool                   = var.aks.workload_pool
  gpu_pool                        = var.aks.gpu_pool
  api_server_authorized_ip_ranges = var.aks.api_server_authorized_ip_ranges
  admin_object_ids                = var.admin_object_ids
  app_routing_enabled             = var.app_routing_enabled
  tags                            = var.tags
}

module "acr" {
  source              = "../../modules/acr"
  registry_name       = "acr${substr(local.compact, 0, 40)}${random_string.suffix.result}"
  resource_group_name = module.network.resource_group_name
  location            = module.network.location
  sku                 = var.acr_sku
  kubelet_object_id   = module.aks.kubelet_object_id
  tags                = var.tags
}

module "key_vault" {
  source              = "../../modules/key-vault"
  vault_name          = "kv${substr(local.compact, 0, 17)}${random_string.suffix.result}"
  resource_group_name = module.network.resource_group_name
  location            = module.network.location
  tenant_id           = var.tenant_id
  purge_protection    = var.key_vault.purge_protection
  soft_delete_days    = var.key_vault.soft_delete_days
  admin_object_ids    = var.admin_object_ids
  tags                = var.tags
}

module "postgres" {
  source                   = "../../modules/postgres"
  name                     = var.name
  server_name_suffix       = random_string.suffix.result
  resource_group_name      = module.network.resource_group_name
  location                 = module.network.location
  virtual_network_id       = module.network.virtual_network_id
  subnet_id                = module.network.postgres_subnet_id
  postgres_version         = var.postgres.version
  sku_name                 = var.postgres.sku_name
  storage_mb               = var.postgres.storage_mb
  backup_retention_days    = var.postgres.backup_retention_days
  key_vault_id             = module.key_vault.vault_id
  database_url_secret_name = var.database_url_secret_name
  tags                     = var.tags

  # Terraform writes the database URL into the vault: wait for its Secrets Officer role.
  depends_on = [module.key_vault]
}

module "identity" {
  source              = "../../modules/identity"
  name                = var.name
  resource_group_name = module.network.resource_group_name
  location            = module.network.location
  oidc_issuer_url     = module.aks.oidc_issuer_url
  namespace           = var.kubernetes_namespace
  service_accounts    = var.service_accounts
  container_scope     = module.storage.container_scope
  key_vault_id        = module.key_vault.vault_id
  registry_id         = module.acr.registry_id
  tags                = var.tags
}

# The application routing add-on serves the ingress certificate it reads from Key Vault.
resource "azurerm_role_assignment" "app_routing_certificates" {
  count                = var.app_routing_enabled ? 1 : 0
  scope                = module.key_vault.vault_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = module.aks.app_routing_object_id
}
