variable "name" {
  type        = string
  description = "Stack name (prefix and workspace), used in the identity's name."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the identity."
}

variable "location" {
  type        = string
  description = "Region of the identity."
}

variable "oidc_issuer_url" {
  type        = string
  description = "The cluster's OIDC issuer, whose service account tokens the identity trusts."
}

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of Weft's service accounts."
}

variable "service_accounts" {
  type        = list(string)
  description = "Kubernetes service accounts that act as the identity (one federated credential each)."

  validation {
    condition     = length(var.service_accounts) > 0 && alltrue([for sa in var.service_accounts : can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", sa))])
    error_message = "service_accounts must list Kubernetes names: lowercase letters, digits and hyphens."
  }
}

variable "container_scope" {
  type        = string
  description = "Scope of the artifacts container (Storage Blob Data Contributor is given there, not on the account)."
}

variable "key_vault_id" {
  type        = string
  description = "Vault whose secrets the identity reads (Key Vault Secrets User)."
}

variable "registry_id" {
  type        = string
  description = "Registry the identity may pull from (AcrPull)."
}

variable "tags" {
  type        = map(string)
  description = "Tags put on every resource."
}
