output "registry_id" {
  description = "Resource id of the registry."
  value       = azurerm_container_registry.this.id
}

output "login_server" {
  description = "Registry host, e.g. weftprodab12c.azurecr.io."
  value       = azurerm_container_registry.this.login_server
}
