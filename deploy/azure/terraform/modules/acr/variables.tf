variable "registry_name" {
  type        = string
  description = "Globally unique registry name: 5-50 letters and digits."

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{5,50}$", var.registry_name))
    error_message = "A registry name is 5-50 letters and digits."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the registry."
}

variable "location" {
  type        = string
  description = "Region of the registry."
}

variable "sku" {
  type        = string
  description = "Registry tier: Basic, Standard or Premium."

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.sku)
    error_message = "sku must be Basic, Standard or Premium."
  }
}

variable "kubelet_object_id" {
  type        = string
  description = "Object id of the AKS kubelet identity, given AcrPull so nodes pull images without a pull secret."
}

variable "tags" {
  type        = map(string)
  description = "Tags put on every resource."
}
