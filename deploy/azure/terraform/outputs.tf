# `weft configure azure --from-terraform` reads the outputs marked [profile]; the rest
# are for people (az aks get-credentials, az acr login, docs/deploy-azure.md).

output "datastore_sysroot" {
  description = "[profile] WEFT_DATASTORE_SYSROOT_AZURE: the artifacts container and prefix."
  value       = "${module.infra.storage_container_name}/weft"
}

output "storage_account_name" {
  description = "[profile] AZURE_STORAGE_ACCOUNT_NAME: the artifacts storage account."
  value       = module.infra.storage_account_name
}

output "storage_blob_endpoint" {
  description = "[profile] WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT."
  value       = module.infra.storage_blob_endpoint
}

output "key_vault_uri" {
  description = "[profile] WEFT_AZURE_KEY_VAULT_PREFIX: the vault for bare @secrets names."
  value       = module.infra.key_vault_uri
}

output "service_url" {
  description = "[profile] WEFT_SERVICE_URL from a workstation: the ingress, or the local end of `kubectl -n weft port-forward svc/weft-service 8080:8080`."
  value       = coalesce(module.services.service_url_public, "http://127.0.0.1:8080")
}

output "service_url_in_cluster" {
  description = "WEFT_SERVICE_URL inside the cluster (task pods)."
  value       = module.services.service_url_in_cluster
}

output "kubernetes_namespace" {
  description = "[profile] WEFT_KUBERNETES_NAMESPACE."
  value       = local.kubernetes_namespace
}

output "kubernetes_service_account" {
  description = "[profile] WEFT_KUBERNETES_SERVICE_ACCOUNT: the task pods' account, federated with the workload identity."
  value       = local.tasks_service_account
}

output "container_registry" {
  description = "[profile] WEFT_KUBERNETES_CONTAINER_REGISTRY: bare image names resolve here."
  value       = module.infra.registry_login_server
}

output "kubernetes_container_image" {
  description = "[profile] WEFT_KUBERNETES_CONTAINER_IMAGE: the task runtime image."
  value       = "${module.infra.registry_login_server}/weft-runtime:${var.service_image_tag}"
}

output "resource_group_name" {
  description = "Resource group of the stack."
  value       = module.infra.resource_group_name
}

output "aks_cluster_name" {
  description = "Cluster name: az aks get-credentials --resource-group <resource_group_name> --name <aks_cluster_name>."
  value       = module.infra.aks_cluster_name
}

output "key_vault_name" {
  description = "Name of the vault."
  value       = module.infra.key_vault_name
}

output "workload_identity_client_id" {
  description = "Client id of Weft's workload identity (azure.workload.identity/client-id)."
  value       = module.infra.identity_client_id
}

output "tenant_id" {
  description = "Microsoft Entra tenant of the stack."
  value       = module.infra.tenant_id
}

output "postgres_fqdn" {
  description = "Private DNS name of the metadata service's PostgreSQL."
  value       = module.infra.postgres_fqdn
}

output "service_database_url" {
  description = "The metadata service's database URL with its password, for break-glass access from inside the virtual network. Also in Key Vault as weft-service-database-url."
  value       = module.infra.database_url
  sensitive   = true
}
