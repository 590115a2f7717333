output "vault_id" {
  description = "Resource id of the vault."
  value       = azurerm_key_vault.this.id
}

output "vault_name" {
  description = "Name of the vault."
  value       = azurerm_key_vault.this.name
}

output "vault_uri" {
  description = "Vault URL, e.g. https://kv-weft-prod-ab12c.vault.azure.net/."
  value       = azurerm_key_vault.this.vault_uri
}

output "secrets_officer_assignment_ids" {
  description = "Role assignments that let the admins write secrets; a secret written by Terraform waits for them."
  value       = [for assignment in azurerm_role_assignment.secrets_officer : assignment.id]
}
