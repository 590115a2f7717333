variable "name" {
  type        = string
  description = "Stack name (prefix and workspace), used in the cluster's name and DNS prefix."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the cluster."
}

variable "location" {
  type        = string
  description = "Region of the cluster."
}

variable "tenant_id" {
  type        = string
  description = "Microsoft Entra tenant whose users and groups the cluster's Azure RBAC knows."
}

variable "subnet_id" {
  type        = string
  description = "Subnet of the nodes."
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version (e.g. \"1.32\"); null takes AKS's default. Patches follow automatically."
}

variable "sku_tier" {
  type        = string
  description = "Control plane tier: Free (no SLA) or Standard (uptime SLA)."

  validation {
    condition     = contains(["Free", "Standard"], var.sku_tier)
    error_message = "sku_tier must be Free or Standard."
  }
}

variable "system_pool" {
  type = object({
    vm_size    = string
    node_count = number
  })
  description = "The system pool: only AKS's own add-ons run there (CriticalAddonsOnly)."
}

variable "workload_pool" {
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })
  description = "The autoscaling pool of the metadata service, Argo and Weft's task pods."

  validation {
    condition     = var.workload_pool.min_count >= 0 && var.workload_pool.max_count >= var.workload_pool.min_count
    error_message = "workload_pool needs 0 <= min_count <= max_count."
  }
}

variable "gpu_pool" {
  type = object({
    enabled   = bool
    vm_size   = string
    max_count = number
  })
  description = "Optional autoscaling GPU pool, scaled to zero when idle and tainted so only pods asking for a GPU land there."
}

variable "api_server_authorized_ip_ranges" {
  type        = list(string)
  description = "Address ranges allowed to reach the Kubernetes API; empty allows any (still behind Entra ID sign-in)."
}

variable "admin_object_ids" {
  type        = list(string)
  description = "Entra ID principals given Azure Kubernetes Service RBAC Cluster Admin on the cluster."
}

variable "app_routing_enabled" {
  type        = bool
  description = "Turn on the application routing add-on (managed NGINX ingress), used only by the optional ingress."
}

variable "tags" {
  type        = map(string)
  description = "Tags put on every resource."
}
