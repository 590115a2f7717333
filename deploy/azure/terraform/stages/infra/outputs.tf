output "resource_group_name" {
  description = "Resource group of the stack."
  value       = module.network.resource_group_name
}

output "postgres_subnet_cidr" {
  description = "PostgreSQL subnet, for the service's NetworkPolicy."
  value       = module.network.postgres_subnet_cidr
}

output "storage_account_name" {
  description = "Artifacts storage account."
  value       = module.storage.account_name
}

output "storage_blob_endpoint" {
  description = "Blob endpoint of the artifacts account."
  value       = module.storage.blob_endpoint
}

output "storage_container_name" {
  description = "Artifacts container."
  value       = module.storage.container_name
}

output "aks_cluster_name" {
  description = "Name of the cluster."
  value       = module.aks.cluster_name
}

output "aks_host" {
  description = "Kubernetes API server URL."
  value       = module.aks.host
}

output "aks_cluster_ca_certificate" {
  description = "Base64 PEM of the cluster's certificate authority."
  value       = module.aks.cluster_ca_certificate
}

output "registry_login_server" {
  description = "Registry host."
  value       = module.acr.login_server
}

output "key_vault_name" {
  description = "Name of the vault."
  value       = module.key_vault.vault_name
}

output "key_vault_uri" {
  description = "Vault URL."
  value       = module.key_vault.vault_uri
}

output "postgres_fqdn" {
  description = "Private DNS name of the PostgreSQL server."
  value       = module.postgres.fqdn
}

output "database_url_secret_name" {
  description = "Key Vault secret holding the service's database URL."
  value       = module.postgres.database_url_secret_name
}

output "database_url" {
  description = "The service's database URL, password included."
  value       = module.postgres.database_url
  sensitive   = true
}

output "identity_client_id" {
  description = "Client id of Weft's workload identity."
  value       = module.identity.client_id
}

output "tenant_id" {
  description = "Tenant of the stack."
  value       = module.identity.tenant_id
}
