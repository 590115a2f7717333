variable "account_name" {
  type        = string
  description = "Globally unique storage account name: 3-24 lowercase letters and digits."

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.account_name))
    error_message = "A storage account name is 3-24 lowercase letters and digits."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the account."
}

variable "location" {
  type        = string
  description = "Region of the account."
}

variable "container_name" {
  type        = string
  description = "Blob container holding Weft's artifacts, logs and code packages."
}

variable "replication_type" {
  type        = string
  description = "Replication of the account: LRS, ZRS, GRS or GZRS."

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS"], var.replication_type)
    error_message = "replication_type must be LRS, ZRS, GRS or GZRS."
  }
}

variable "soft_delete_days" {
  type        = number
  description = "Days a deleted blob or container can be restored."

  validation {
    condition     = var.soft_delete_days >= 1 && var.soft_delete_days <= 365
    error_message = "soft_delete_days must be from 1 to 365."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags put on every resource."
}
