# Stage 2: the metadata service from deploy/kubernetes, the very manifests a reader can
# build with `kubectl kustomize`. The kbst/kustomization provider builds the overlay
# here, Terraform fills in the values only Terraform knows (identity, vault, image,
# subnet, ingress) with patches, and every object becomes a resource of this state, so
# `terraform plan` shows manifest changes and `terraform destroy` removes them.

locals {
  kubernetes_dir = "${path.module}/../../../../kubernetes"
  ingress        = var.ingress.enabled
}

data "kustomization_overlay" "weft" {
  resources  = [abspath("${local.kubernetes_dir}/overlays/${var.kubernetes_overlay}")]
  components = local.ingress ? [abspath("${local.kubernetes_dir}/components/ingress")] : []

  images {
    name     = "weft-service"
    new_name = var.service_image.repository
    new_tag  = var.service_image.tag
  }

  patches {
    target {
      kind = "ServiceAccount"
    }
    patch = jsonencode([
      { op = "replace", path = "/metadata/annotations/azure.workload.identity~1client-id", value = var.identity_client_id },
    ])
  }

  patches {
    target {
      kind = "SecretProviderClass"
      name = "weft-service-database"
    }
    patch = jsonencode([
      { op = "replace", path = "/spec/parameters/clientID", value = var.identity_client_id },
      { op = "replace", path = "/spec/parameters/keyvaultName", value = var.key_vault_name },
      { op = "replace", path = "/spec/parameters/tenantId", value = var.tenant_id },
    ])
  }

  patches {
    target {
      kind = "NetworkPolicy"
      name = "weft-service"
    }
    patch = jsonencode([
      { op = "replace", path = "/spec/egress/0/to/0/ipBlock/cidr", value = var.postgres_subnet_cidr },
    ])
  }

  dynamic "patches" {
    for_each = local.ingress ? [var.ingress] : []
    content {
      target {
        kind = "Ingress"
        name = "weft-service"
      }
      patch = jsonencode([
        { op = "replace", path = "/metadata/annotations/kubernetes.azure.com~1tls-cert-keyvault-uri", value = "https://${var.key_vault_name}.vault.azure.net/certificates/${patches.value.tls_certificate_name}" },
        { op = "replace", path = "/spec/tls/0/hosts/0", value = patches.value.host },
        { op = "replace", path = "/spec/rules/0/host", value = patches.value.host },
      ])
    }
  }

  dynamic "patches" {
    for_each = local.ingress ? [var.ingress] : []
    content {
      # A strategic merge patch: env entries merge by name, whatever their order.
      patch = yamlencode({
        apiVersion = "apps/v1"
        kind       = "Deployment"
        metadata   = { name = "weft-service" }
        spec = { template = { spec = { containers = [{
          name = "service"
          env = [
            { name = "WEFT_SERVICE_OIDC_ISSUER", value = patches.value.oidc_issuer },
            { name = "WEFT_SERVICE_OIDC_AUDIENCE", value = patches.value.oidc_audience },
          ]
        }] } } }
      })
    }
  }
}

# Kustomize's priority groups: namespaces and CRDs first, then the objects in them,
# then webhooks; each group waits for the one before.
resource "kustomization_resource" "p0" {
  for_each = data.kustomization_overlay.weft.ids_prio[0]
  manifest = data.kustomization_overlay.weft.manifests[each.value]
}

resource "kustomization_resource" "p1" {
  for_each = data.kustomization_overlay.weft.ids_prio[1]
  manifest = data.kustomization_overlay.weft.manifests[each.value]
  wait     = true

  timeouts {
    create = "10m"
    update = "10m"
  }

  depends_on = [kustomization_resource.p0]
}

resource "kustomization_resource" "p2" {
  for_each = data.kustomization_overlay.weft.ids_prio[2]
  manifest = data.kustomization_overlay.weft.manifests[each.value]

  depends_on = [kustomization_resource.p1]
}
