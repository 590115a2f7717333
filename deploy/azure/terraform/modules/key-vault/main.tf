# Secrets of the stack (the database URL) and of users' flows (@secrets). Access is
# Azure RBAC only, no access policies: Key Vault Secrets User to read, Key Vault
# Secrets Officer to write.

resource "azurerm_key_vault" "this" {
  name                       = var.vault_name
  resource_group_name        = var.resource_group_name
  location                   = var.location
  tenant_id                  = var.tenant_id
  sku_name                   = "standard"
  enable_rbac_authorization  = true
  purge_protection_enabled   = var.purge_protection
  soft_delete_retention_days = var.soft_delete_days
  tags                       = var.tags
}

resource "azurerm_role_assignment" "secrets_officer" {
  for_each             = toset(var.admin_object_ids)
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = each.value
}
