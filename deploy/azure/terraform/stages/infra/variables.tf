variable "name" {
  type        = string
  description = "Stack name: the prefix and the Terraform workspace, e.g. ml-team-staging."
}

variable "location" {
  type        = string
  description = "Azure region of every resource."
}

variable "tenant_id" {
  type        = string
  description = "Microsoft Entra tenant of the stack."
}

variable "admin_object_ids" {
  type        = list(string)
  description = "Entra ID principals who administer the stack: cluster admin, and writers of Key Vault secrets."
}

variable "network" {
  type = object({
    address_space        = string
    aks_subnet_cidr      = string
    postgres_subnet_cidr = string
  })
  description = "Address ranges of the virtual network and its two subnets."
}

variable "storage" {
  type = object({
    container_name   = string
    replication_type = string
    soft_delete_days = number
  })
  description = "Artifacts storage settings."
}

variable "aks" {
  type = object({
    kubernetes_version              = optional(string)
    sku_tier                        = string
    system_pool                     = object({ vm_size = string, node_count = number })
    workload_pool                   = object({ vm_size = string, min_count = number, max_count = number })
    gpu_pool                        = object({ enabled = bool, vm_size = string, max_count = number })
    api_server_authorized_ip_ranges = list(string)
  })
  description = "Cluster settings."
}

variable "acr_sku" {
  type        = string
  description = "Container registry tier."
}

variable "key_vault" {
  type = object({
    purge_protection = bool
    soft_delete_days = number
  })
  description = "Key Vault settings."
}

variable "postgres" {
  type = object({
    version               = string
    sku_name              = string
    storage_mb            = number
    backup_retention_days = number
  })
  description = "PostgreSQL Flexible Server settings."
}

variable "kubernetes_namespace" {
  type        = string
  description = "Namespace of Weft on the cluster (the Kustomize base's)."
}

variable "service_accounts" {
  type        = list(string)
  description = "Weft's Kubernetes service accounts, federated with the managed identity."
}

variable "database_url_secret_name" {
  type        = string
  description = "Key Vault secret holding the service's database URL (the SecretProviderClass reads it)."
}

variable "app_routing_enabled" {
  type        = bool
  description = "Turn on the AKS application routing add-on, for the optional ingress."
}

variable "tags" {
  type        = map(string)
  description = "Tags put on every resource."
}
