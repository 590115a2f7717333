output "account_id" {
  description = "Resource id of the storage account."
  value       = azurerm_storage_account.this.id
}

output "account_name" {
  description = "Name of the storage account."
  value       = azurerm_storage_account.this.name
}

output "blob_endpoint" {
  description = "Blob service endpoint, without a trailing slash."
  value       = trimsuffix(azurerm_storage_account.this.primary_blob_endpoint, "/")
}

output "container_name" {
  description = "Name of the artifacts container."
  value       = azurerm_storage_container.artifacts.name
}

output "container_scope" {
  description = "Resource Manager scope of the artifacts container, for role assignments limited to it."
  value       = "${azurerm_storage_account.this.id}/blobServices/default/containers/${azurerm_storage_container.artifacts.name}"
}
