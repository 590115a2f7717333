# The cluster. Kubernetes access is Microsoft Entra ID only (local accounts off, Azure
# RBAC), pods reach Azure with workload identity (OIDC issuer on), and the Key Vault
# CSI driver add-on hands the metadata service its database URL.

resource "azurerm_kubernetes_cluster" "this" {
  name                = "aks-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  dns_prefix          = var.name
  kubernetes_version  = var.kubernetes_version
  sku_tier            = var.sku_tier

  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"

  oidc_issuer_enabled       = true
  workload_identity_enabled = true

  local_account_disabled            = true
  role_based_access_control_enabled = true
  azure_active_directory_role_based_access_control {
    tenant_id          = var.tenant_id
    azure_rbac_enabled = true
  }

  default_node_pool {
    name                         = "system"
    vm_size                      = var.system_pool.vm_size
    node_count                   = var.system_pool.node_count
    vnet_subnet_id               = var.subnet_id
    only_critical_addons_enabled = true
    temporary_name_for_rotation  = "systemtmp"

    upgrade_settings {
      max_surge = "10%"
    }
  }

  identity {
    type = "SystemAssigned"
  }

  # Azure CNI overlay: pod addresses come from a private overlay range, so the node
  # subnet stays small; Cilium enforces the NetworkPolicy of the metadata service.
  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    pod_cidr            = "10.244.0.0/16"
    service_cidr        = "10.0.0.0/16"
    dns_service_ip      = "10.0.0.10"
  }

  dynamic "api_server_access_profile" {
    for_each = length(var.api_server_authorized_ip_ranges) > 0 ? [var.api_server_authorized_ip_ranges] : []
    content {
      authorized_ip_ranges = api_server_access_profile.value
    }
  }

  key_vault_secrets_provider {
    secret_rotation_enabled  = true
    secret_rotation_interval = "2m"
  }

  dynamic "web_app_routing" {
    for_each = var.app_routing_enabled ? [1] : []
    content {
      dns_zone_ids = []
    }
  }

  tags = var.tags
}

resource "azurerm_kubernetes_cluster_node_pool" "workload" {
  name                  = "workload"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  vm_size               = var.workload_pool.vm_size
  vnet_subnet_id        = var.subnet_id
  mode                  = "User"
  auto_scaling_enabled  = true
  min_count             = var.workload_pool.min_count
  max_count             = var.workload_pool.max_count
  node_labels = {
    "weft.dev/pool" = "workload"
  }

  upgrade_settings {
    max_surge = "10%"
  }

  tags = var.tags
}

resource "azurerm_kubernetes_cluster_node_pool" "gpu" {
  count                 = var.gpu_pool.enabled ? 1 : 0
  name                  = "gpu"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  vm_size               = var.gpu_pool.vm_size
  vnet_subnet_id        = var.subnet_id
  mode                  = "User"
  auto_scaling_enabled  = true
  min_count             = 0
  max_count             = var.gpu_pool.max_count
  node_labels = {
    "weft.dev/pool" = "gpu"
  }
  node_taints = ["nvidia.com/gpu=present:NoSchedule"]

  upgrade_settings {
    max_surge = "10%"
  }

  tags = var.tags
}

# Whoever runs Terraform (and any listed admin) manages the cluster through Entra ID;
# there is no static admin certificate to hand around.
resource "azurerm_role_assignment" "cluster_admin" {
  for_each             = toset(var.admin_object_ids)
  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin"
  principal_id         = each.value
}
