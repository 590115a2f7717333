# terraform workspace select -or-create staging
# terraform apply -var-file=environments/staging.tfvars
prefix             = "ml-team"
kubernetes_overlay = "staging"
