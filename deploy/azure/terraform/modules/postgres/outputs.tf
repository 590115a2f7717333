output "fqdn" {
  description = "Private DNS name of the server (resolves inside the virtual network only)."
  value       = azurerm_postgresql_flexible_server.this.fqdn
}

output "database_url_secret_name" {
  description = "Key Vault secret holding the service's database URL."
  value       = azurerm_key_vault_secret.database_url.name
}

output "database_url_secret_id" {
  description = "Versionless id of that secret."
  value       = azurerm_key_vault_secret.database_url.versionless_id
}

output "database_url" {
  description = "The service's database URL, password included."
  value       = azurerm_key_vault_secret.database_url.value
  sensitive   = true
}
