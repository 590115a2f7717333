output "service_url_in_cluster" {
  description = "URL of the metadata service from pods in the cluster."
  value       = "http://weft-service.${var.kubernetes_namespace}.svc.cluster.local:8080"
}

output "service_url_public" {
  description = "HTTPS URL of the metadata service through the ingress; null without one."
  value       = var.ingress.enabled ? "https://${var.ingress.host}" : null
}

output "applied_objects" {
  description = "Kubernetes objects applied from the Kustomize overlay, as kustomize ids."
  value       = sort(concat(keys(kustomization_resource.p0), keys(kustomization_resource.p1), keys(kustomization_resource.p2)))
}
