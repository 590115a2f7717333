data "azurerm_client_config" "current" {}

provider "azurerm" {
  subscription_id = var.subscription_id
  # Blob containers and state are reached with Entra ID, since account keys are off.
  storage_use_azuread = true

  features {
    resource_group {
      prevent_deletion_if_contains_resources = true
    }
    key_vault {
      # With purge protection off, destroy purges the vault so its name can be reused.
      purge_soft_delete_on_destroy = !var.key_vault_purge_protection
    }
  }
}

# The cluster accepts Entra ID tokens only (local accounts are off): both providers get
# one from the Azure CLI login through kubelogin, as `kubectl` does.
locals {
  kubelogin = {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "kubelogin"
    # 6dae42f8-…: the AKS AAD server application, the same in every tenant.
    args = ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]
  }
  kubeconfig = yamlencode({
    apiVersion      = "v1"
    kind            = "Config"
    current-context = "weft"
    clusters        = [{ name = "weft", cluster = { server = module.infra.aks_host, certificate-authority-data = module.infra.aks_cluster_ca_certificate } }]
    users           = [{ name = "weft", user = { exec = { apiVersion = local.kubelogin.api_version, command = local.kubelogin.command, args = local.kubelogin.args, interactiveMode = "Never" } } }]
    contexts        = [{ name = "weft", context = { cluster = "weft", user = "weft" } }]
  })
}

provider "helm" {
  kubernetes {
    host                   = module.infra.aks_host
    cluster_ca_certificate = base64decode(module.infra.aks_cluster_ca_certificate)
    exec {
      api_version = local.kubelogin.api_version
      command     = local.kubelogin.command
      args        = local.kubelogin.args
    }
  }
}

provider "kustomization" {
  kubeconfig_raw = local.kubeconfig
}
