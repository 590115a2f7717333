variable "kubernetes_overlay" {
  type        = string
  description = "Overlay of deploy/kubernetes to apply: staging or production."

  validation {
    condition     = contains(["staging", "production"], var.kubernetes_overlay)
    error_message = "kubernetes_overlay must be staging or production."
  }
}

variable "service_image" {
  type = object({
    repository = string
    tag        = string
  })
  description = "Image of the metadata service, e.g. { repository = \"acrx.azurecr.io/weft-service\", tag = \"0.1.0\" }."
}

variable "identity_client_id" {
  type        = string
  description = "Client id of the workload identity, set on Weft's service accounts and the SecretProviderClass."
}

variable "tenant_id" {
  type        = string
  description = "Tenant of the vault."
}

variable "key_vault_name" {
  type        = string
  description = "Vault holding the database URL."
}

variable "postgres_subnet_cidr" {
  type        = string
  description = "PostgreSQL subnet: the only address range the service may connect out to (with DNS)."
}

variable "argo_workflows_chart_version" {
  type        = string
  description = "Exact version of the argo/argo-workflows Helm chart."
}

variable "argo_events_chart_version" {
  type        = string
  description = "Exact version of the argo/argo-events Helm chart."
}

variable "kubernetes_namespace" {
  type        = string
  description = "Namespace of Weft on the cluster, where Argo runs Weft's workflows."
}

variable "ingress" {
  type = object({
    enabled              = bool
    host                 = optional(string)
    tls_certificate_name = optional(string)
    oidc_issuer          = optional(string)
    oidc_audience        = optional(string)
  })
  description = "Optional public HTTPS endpoint of the metadata service, with a Key Vault certificate and OIDC bearer tokens required."
}
