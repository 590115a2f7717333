output "resource_group_name" {
  description = "Name of the stack's resource group."
  value       = azurerm_resource_group.this.name
}

output "resource_group_id" {
  description = "Resource id of the stack's resource group."
  value       = azurerm_resource_group.this.id
}

output "location" {
  description = "Region of the stack."
  value       = azurerm_resource_group.this.location
}

output "virtual_network_id" {
  description = "Resource id of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "aks_subnet_id" {
  description = "Subnet of the AKS nodes."
  value       = azurerm_subnet.aks.id
}

output "postgres_subnet_id" {
  description = "Subnet delegated to PostgreSQL Flexible Server."
  value       = azurerm_subnet.postgres.id
}

output "postgres_subnet_cidr" {
  description = "Address range of the PostgreSQL subnet, for the service's NetworkPolicy."
  value       = var.postgres_subnet_cidr
}
