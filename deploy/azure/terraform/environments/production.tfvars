# terraform workspace select -or-create production
# terraform apply -var-file=environments/production.tfvars
prefix                     = "ml-team"
kubernetes_overlay         = "production"
aks_sku_tier               = "Standard"
storage_replication_type   = "ZRS"
key_vault_purge_protection = true
soft_delete_days           = 30
system_pool = {
  vm_size    = "Standard_D2s_v5"
  node_count = 3
}
workload_pool = {
  vm_size   = "Standard_D4s_v5"
  min_count = 2
  max_count = 10
}
postgres = {
  version               = "16"
  sku_name              = "GP_Standard_D2ds_v5"
  storage_mb            = 65536
  backup_retention_days = 35
}
