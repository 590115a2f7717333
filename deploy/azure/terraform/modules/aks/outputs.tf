output "cluster_id" {
  description = "Resource id of the cluster."
  value       = azurerm_kubernetes_cluster.this.id
}

output "cluster_name" {
  description = "Name of the cluster (az aks get-credentials --name)."
  value       = azurerm_kubernetes_cluster.this.name
}

output "host" {
  description = "Kubernetes API server URL."
  value       = azurerm_kubernetes_cluster.this.kube_config[0].host
}

output "cluster_ca_certificate" {
  description = "Base64 PEM certificate of the cluster's certificate authority (public)."
  value       = azurerm_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate
}

output "oidc_issuer_url" {
  description = "OIDC issuer of the cluster's service account tokens, trusted by the federated credentials."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "kubelet_object_id" {
  description = "Object id of the kubelet identity, which pulls images."
  value       = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
}

output "app_routing_object_id" {
  description = "Object id of the application routing add-on's identity (reads the ingress certificate from Key Vault); null when the add-on is off."
  value       = var.app_routing_enabled ? azurerm_kubernetes_cluster.this.web_app_routing[0].web_app_routing_identity[0].object_id : null
}
