# Weft on Azure, in two stages applied in order (docs/deploy-azure.md):
#   1. terraform apply -target=module.infra   network, storage, AKS, ACR, Key Vault, PostgreSQL, identity
#   2. terraform apply                        the services on the cluster (needs stage 1's cluster)
# Stage 2's providers are configured from stage 1's outputs, which Terraform can only
# do once the cluster exists; hence the two applies, as in the reference stack.

locals {
  # Every name derives from this, so workspaces (staging, production) never collide.
  name = "${var.prefix}-${terraform.workspace}"
  tags = merge(var.tags, {
    "weft.dev/stack"     = var.prefix
    "weft.dev/workspace" = terraform.workspace
  })

  # Fixed by deploy/kubernetes/base: its namespace, service accounts and the Key Vault
  # object its SecretProviderClass reads. test/deploy checks they agree.
  kubernetes_namespace     = "weft"
  service_account          = "weft-service"
  tasks_service_account    = "weft-tasks"
  database_url_secret_name = "weft-service-database-url"

  # Whoever runs Terraform administers what it creates.
  admin_object_ids = distinct(concat([data.azurerm_client_config.current.object_id], var.admin_object_ids))
}

module "infra" {
  source           = "./stages/infra"
  name             = local.name
  location         = var.location
  tenant_id        = data.azurerm_client_config.current.tenant_id
  admin_object_ids = local.admin_object_ids
  network          = var.network
  storage = {
    container_name   = "weft"
    replication_type = var.storage_replication_type
    soft_delete_days = var.soft_delete_days
  }
  aks = {
    kubernetes_version              = var.kubernetes_version
    sku_tier                        = var.aks_sku_tier
    system_pool                     = var.system_pool
    workload_pool                   = var.workload_pool
    gpu_pool                        = var.gpu_pool
    api_server_authorized_ip_ranges = var.api_server_authorized_ip_ranges
  }
  acr_sku = var.acr_sku
  key_vault = {
    purge_protection = var.key_vault_purge_protection
    soft_delete_days = var.key_vault_soft_delete_days
  }
  postgres                 = var.postgres
  kubernetes_namespace     = local.kubernetes_namespace
  service_accounts         = [local.service_account, local.tasks_service_account]
  database_url_secret_name = local.database_url_secret_name
  app_routing_enabled      = var.ingress.enabled
  tags                     = local.tags
}

module "services" {
  source             = "./stages/services"
  kubernetes_overlay = var.kubernetes_overlay
  service_image = {
    repository = "${module.infra.registry_login_server}/weft-service"
    tag        = var.service_image_tag
  }
  identity_client_id           = module.infra.identity_client_id
  tenant_id                    = module.infra.tenant_id
  key_vault_name               = module.infra.key_vault_name
  postgres_subnet_cidr         = module.infra.postgres_subnet_cidr
  argo_workflows_chart_version = var.argo_workflows_chart_version
  argo_events_chart_version    = var.argo_events_chart_version
  kubernetes_namespace         = local.kubernetes_namespace
  ingress                      = var.ingress
}
