# The metadata service's database: reachable only from the virtual network (a private
# address in the delegated subnet, resolved through a private DNS zone), TLS 1.2+
# required on every connection, and an administrator password generated here and
# handed over only through Key Vault. It never has a default and is never typed.

resource "azurerm_private_dns_zone" "this" {
  name                = "${var.name}.private.postgres.database.azure.com"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  name                  = "postgres"
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.this.name
  virtual_network_id    = var.virtual_network_id
}

# URL-safe characters only, since the password goes into a postgres:// URL.
resource "random_password" "admin" {
  length           = 40
  special          = true
  override_special = "-_.~"
  min_lower        = 4
  min_upper        = 4
  min_numeric      = 4
}

resource "azurerm_postgresql_flexible_server" "this" {
  name                          = "psql-${var.name}-${var.server_name_suffix}"
  resource_group_name           = var.resource_group_name
  location                      = var.location
  version                       = var.postgres_version
  sku_name                      = var.sku_name
  storage_mb                    = var.storage_mb
  backup_retention_days         = var.backup_retention_days
  delegated_subnet_id           = var.subnet_id
  private_dns_zone_id           = azurerm_private_dns_zone.this.id
  public_network_access_enabled = false

  administrator_login    = "weftadmin"
  administrator_password = random_password.admin.result

  authentication {
    password_auth_enabled         = true
    active_directory_auth_enabled = false
  }

  tags = var.tags

  depends_on = [azurerm_private_dns_zone_virtual_network_link.this]

  lifecycle {
    # Azure picks the zone when none is given; a later plan must not move the server.
    ignore_changes = [zone]
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "require_secure_transport" {
  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.this.id
  value     = "ON"
}

resource "azurerm_postgresql_flexible_server_configuration" "ssl_min_protocol_version" {
  name      = "ssl_min_protocol_version"
  server_id = azurerm_postgresql_flexible_server.this.id
  value     = "TLSv1.2"
}

resource "azurerm_postgresql_flexible_server_database" "weft" {
  name      = "weft"
  server_id = azurerm_postgresql_flexible_server.this.id
  charset   = "UTF8"
  collation = "en_US.utf8"
}

# sslmode=verify-full: node-postgres checks the server's certificate (a public CA in
# Node's bundle) and its name, not only that the connection is encrypted.
resource "azurerm_key_vault_secret" "database_url" {
  name         = var.database_url_secret_name
  key_vault_id = var.key_vault_id
  content_type = "application/x-postgres-url"
  value        = "postgres://weftadmin:${random_password.admin.result}@${azurerm_postgresql_flexible_server.this.fqdn}:5432/${azurerm_postgresql_flexible_server_database.weft.name}?sslmode=verify-full"
}
