variable "name" {
  type        = string
  description = "Stack name (prefix and workspace), used in the server's name."
}

variable "server_name_suffix" {
  type        = string
  description = "Random suffix making the server's DNS name globally unique."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the server."
}

variable "location" {
  type        = string
  description = "Region of the server."
}

variable "virtual_network_id" {
  type        = string
  description = "Virtual network linked to the server's private DNS zone."
}

variable "subnet_id" {
  type        = string
  description = "Subnet delegated to PostgreSQL Flexible Server."
}

variable "postgres_version" {
  type        = string
  description = "PostgreSQL major version."

  validation {
    condition     = contains(["14", "15", "16", "17"], var.postgres_version)
    error_message = "postgres_version must be 14, 15, 16 or 17."
  }
}

variable "sku_name" {
  type        = string
  description = "Compute tier and size, e.g. B_Standard_B1ms (burstable) or GP_Standard_D2ds_v5."

  validation {
    condition     = can(regex("^(B|GP|MO)_Standard_", var.sku_name))
    error_message = "sku_name starts with B_Standard_, GP_Standard_ or MO_Standard_."
  }
}

variable "storage_mb" {
  type        = number
  description = "Storage size in MB (32768 is the smallest)."
}

variable "backup_retention_days" {
  type        = number
  description = "Days of point-in-time restore (7-35)."

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be from 7 to 35."
  }
}

variable "key_vault_id" {
  type        = string
  description = "Vault receiving the service's database URL."
}

variable "database_url_secret_name" {
  type        = string
  description = "Name of the Key Vault secret holding the service's database URL."
}

variable "tags" {
  type        = map(string)
  description = "Tags put on every resource."
}
