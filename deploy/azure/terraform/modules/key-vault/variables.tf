variable "vault_name" {
  type        = string
  description = "Globally unique vault name: 3-24 letters, digits and single hyphens, starting with a letter."

  validation {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9]|-[a-zA-Z0-9]){2,23}$", var.vault_name)) && length(var.vault_name) <= 24
    error_message = "A vault name is 3-24 letters, digits and single hyphens, starting with a letter and ending with a letter or digit."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the vault."
}

variable "location" {
  type        = string
  description = "Region of the vault."
}

variable "tenant_id" {
  type        = string
  description = "Microsoft Entra tenant of the vault."
}

variable "purge_protection" {
  type        = bool
  description = "Forbid purging deleted secrets before the retention ends. Recommended for production; the vault's name then stays taken for the retention period after `terraform destroy`."
}

variable "soft_delete_days" {
  type        = number
  description = "Days a deleted vault or secret can be recovered (7-90)."

  validation {
    condition     = var.soft_delete_days >= 7 && var.soft_delete_days <= 90
    error_message = "soft_delete_days must be from 7 to 90."
  }
}

variable "admin_object_ids" {
  type        = list(string)
  description = "Entra ID principals given Key Vault Secrets Officer (Terraform itself writes the database URL)."
}

variable "tags" {
  type        = map(string)
  description = "Tags put on every resource."
}
