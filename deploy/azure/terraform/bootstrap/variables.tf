variable "subscription_id" {
  type        = string
  description = "Azure subscription of the state account; null uses ARM_SUBSCRIPTION_ID."
  default     = null
}

variable "location" {
  type        = string
  description = "Region of the state account."
  default     = "eastus"
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the state account, kept apart from every stack so `terraform destroy` of a stack never touches its own state."
  default     = "rg-weft-tfstate"
}

variable "state_admin_object_ids" {
  type        = list(string)
  description = "Entra ID principals besides the caller who may read and write state (Storage Blob Data Contributor on the container)."
  default     = []
}
