# The identity of Weft's pods. There is no secret: Kubernetes signs a token for the pod's
# service account, Entra ID trusts it through a federated credential, and the pod gets
# an Azure token for this identity. It holds exactly the roles Weft needs.

resource "azurerm_user_assigned_identity" "weft" {
  name                = "id-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

resource "azurerm_federated_identity_credential" "service_account" {
  for_each            = toset(var.service_accounts)
  name                = "k8s-${var.namespace}-${each.value}"
  resource_group_name = var.resource_group_name
  parent_id           = azurerm_user_assigned_identity.weft.id
  issuer              = var.oidc_issuer_url
  subject             = "system:serviceaccount:${var.namespace}:${each.value}"
  audience            = ["api://AzureADTokenExchange"]
}

# Artifacts, logs and code packages: read and write blobs in the one container.
resource "azurerm_role_assignment" "blob_data_contributor" {
  scope                = var.container_scope
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.weft.principal_id
}

# @secrets in flows, and the database URL for the Secrets Store CSI driver: read secrets only.
resource "azurerm_role_assignment" "key_vault_secrets_user" {
  scope                = var.key_vault_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.weft.principal_id
}

# Resolving and pulling task images from a pod (the kubelet has its own AcrPull).
resource "azurerm_role_assignment" "acr_pull" {
  scope                = var.registry_id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_user_assigned_identity.weft.principal_id
}
