variable "prefix" {
  type        = string
  description = "Short name of the team or project; with the workspace it names every resource (rg-<prefix>-<workspace>, ...)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.prefix)) && !endswith(var.prefix, "-")
    error_message = "prefix must be 2-15 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, e.g. ml-team."
  }
}

variable "subscription_id" {
  type        = string
  description = "Azure subscription to deploy into; null uses ARM_SUBSCRIPTION_ID."
  default     = null
}

variable "location" {
  type        = string
  description = "Azure region of every resource."
  default     = "eastus"
}

variable "tags" {
  type        = map(string)
  description = "Extra tags put on every resource (the stack and workspace are always tagged)."
  default     = {}
}

variable "admin_object_ids" {
  type        = list(string)
  description = "Entra ID object ids (users or groups) who administer the stack besides whoever runs Terraform: cluster admin, Key Vault Secrets Officer."
  default     = []
}

variable "network" {
  type = object({
    address_space        = string
    aks_subnet_cidr      = string
    postgres_subnet_cidr = string
  })
  description = "Address ranges of the virtual network, the AKS node subnet and the PostgreSQL subnet."
  default = {
    address_space        = "10.42.0.0/16"
    aks_subnet_cidr      = "10.42.0.0/20"
    postgres_subnet_cidr = "10.42.16.0/24"
  }

  validation {
    condition     = alltrue([for cidr in values(var.network) : can(cidrhost(cidr, 0))])
    error_message = "Every network range must be in CIDR notation, e.g. 10.42.0.0/16."
  }
}

variable "storage_replication_type" {
  type        = string
  description = "Replication of the artifacts account: LRS, ZRS, GRS or GZRS."
  default     = "LRS"
}

variable "soft_delete_days" {
  type        = number
  description = "Days a deleted artifact blob or container can be restored."
  default     = 7
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version, e.g. \"1.32\"; null takes AKS's default."
  default     = null
}

variable "aks_sku_tier" {
  type        = string
  description = "AKS control plane tier: Free (no SLA) or Standard (uptime SLA, billed per hour)."
  default     = "Free"
}

variable "system_pool" {
  type = object({
    vm_size    = string
    node_count = number
  })
  description = "AKS system pool (add-ons only). Use 3 nodes in production."
  default = {
    vm_size    = "Standard_D2s_v5"
    node_count = 1
  }
}

variable "workload_pool" {
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })
  description = "Autoscaling pool of the metadata service, Argo and task pods."
  default = {
    vm_size   = "Standard_D4s_v5"
    min_count = 1
    max_count = 5
  }
}

variable "gpu_pool" {
  type = object({
    enabled   = bool
    vm_size   = string
    max_count = number
  })
  description = "Optional GPU pool, scaled from zero; pods reach it with @kubernetes({ gpu }) and the nvidia.com/gpu toleration."
  default = {
    enabled   = false
    vm_size   = "Standard_NC4as_T4_v3"
    max_count = 2
  }
}

variable "api_server_authorized_ip_ranges" {
  type        = list(string)
  description = "Address ranges allowed to reach the Kubernetes API (CIDR); empty allows any, still behind Entra ID sign-in."
  default     = []
}

variable "acr_sku" {
  type        = string
  description = "Container registry tier: Basic, Standard or Premium."
  default     = "Basic"
}

variable "key_vault_purge_protection" {
  type        = bool
  description = "Forbid purging the vault and its secrets before the retention ends. Turn on in production; the vault's name then stays taken after destroy."
  default     = false
}

variable "key_vault_soft_delete_days" {
  type        = number
  description = "Days a deleted vault or secret can be recovered (7-90)."
  default     = 7
}

variable "postgres" {
  type = object({
    version               = string
    sku_name              = string
    storage_mb            = number
    backup_retention_days = number
  })
  description = "PostgreSQL Flexible Server of the metadata service."
  default = {
    version               = "16"
    sku_name              = "B_Standard_B1ms"
    storage_mb            = 32768
    backup_retention_days = 7
  }
}

variable "kubernetes_overlay" {
  type        = string
  description = "Overlay of deploy/kubernetes applied to the cluster: staging (1 replica) or production (2 replicas, disruption budget)."
  default     = "staging"
}

variable "service_image_tag" {
  type        = string
  description = "Tag of the weft-service and weft-runtime images pushed to the stack's registry (docs/deploy-azure.md, step 3)."
  default     = "0.1.0"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.service_image_tag)) && var.service_image_tag != "latest"
    error_message = "service_image_tag must be a Docker tag other than \"latest\", e.g. 0.1.0: a moving tag would change the service without a plan."
  }
}

variable "argo_workflows_chart_version" {
  type        = string
  description = "Exact version of the argo/argo-workflows Helm chart."
  default     = "0.45.11"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.argo_workflows_chart_version))
    error_message = "argo_workflows_chart_version must be an exact version such as 0.45.11, not a range."
  }
}

variable "argo_events_chart_version" {
  type        = string
  description = "Exact version of the argo/argo-events Helm chart."
  default     = "2.4.9"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.argo_events_chart_version))
    error_message = "argo_events_chart_version must be an exact version such as 2.4.9, not a range."
  }
}

variable "ingress" {
  type = object({
    enabled              = bool
    host                 = optional(string)
    tls_certificate_name = optional(string)
    oidc_issuer          = optional(string)
    oidc_audience        = optional(string)
  })
  description = "Optional public HTTPS endpoint of the metadata service: host name, name of a certificate in the stack's Key Vault, and the OIDC issuer and audience of the bearer tokens it then requires. Off by default: use kubectl port-forward."
  default     = { enabled = false }

  validation {
    condition = !var.ingress.enabled || (
      try(length(var.ingress.host) > 0, false) &&
      try(length(var.ingress.tls_certificate_name) > 0, false) &&
      try(startswith(var.ingress.oidc_issuer, "https://"), false) &&
      try(length(var.ingress.oidc_audience) > 0, false)
    )
    error_message = "An enabled ingress needs host, tls_certificate_name, an https:// oidc_issuer and oidc_audience: a public endpoint is never served without TLS and sign-in."
  }
}
