# State lives in Blob Storage, one blob per workspace, read and written with the
# caller's Entra ID login (no storage account key). The account comes from
# ./bootstrap; its values are passed at init:
#   terraform init -backend-config=backend.hcl
# Each workspace's state is the blob "<key>env:<workspace>" in the same container.
terraform {
  backend "azurerm" {
    use_azuread_auth = true
  }
}
