output "client_id" {
  description = "Client id of the identity: the azure.workload.identity/client-id of Weft's service accounts."
  value       = azurerm_user_assigned_identity.weft.client_id
}

output "principal_id" {
  description = "Object id of the identity."
  value       = azurerm_user_assigned_identity.weft.principal_id
}

output "tenant_id" {
  description = "Tenant of the identity."
  value       = azurerm_user_assigned_identity.weft.tenant_id
}
