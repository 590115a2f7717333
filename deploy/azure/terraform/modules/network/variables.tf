variable "name" {
  type        = string
  description = "Stack name (prefix and workspace), used in every resource name."
}

variable "location" {
  type        = string
  description = "Azure region of the resource group and the network."
}

variable "address_space" {
  type        = string
  description = "Address space of the virtual network, in CIDR notation."
}

variable "aks_subnet_cidr" {
  type        = string
  description = "Subnet of the AKS nodes. Pods get addresses from the overlay network, not from this subnet."
}

variable "postgres_subnet_cidr" {
  type        = string
  description = "Subnet delegated to PostgreSQL Flexible Server; nothing else may live in it."
}

variable "tags" {
  type        = map(string)
  description = "Tags put on every resource."
}
