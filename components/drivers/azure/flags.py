"""docker-machine's azure driver flags, as rows (components/drivers/info.py): data only, so ``create --help``
imports neither Pulumi nor pulumi-azure-native (an optional extra).
"""

from ..info import BOOL, INT, MULTI, STR

FLAGS = (
    ("--azure-subscription-id", "subscription_id", STR, "", "AZURE_SUBSCRIPTION_ID", "Azure Subscription ID"),
    ("--azure-client-id", "client_id", STR, "", "AZURE_CLIENT_ID",
     "Azure Service Principal Account ID (optional: without it the Azure CLI login or ARM_* environment is used)"),
    ("--azure-client-secret", "client_secret", STR, "", "AZURE_CLIENT_SECRET", "Azure Service Principal Account password"),
    ("--azure-tenant-id", "tenant_id", STR, "", "AZURE_TENANT_ID", "Azure Tenant ID"),
    ("--azure-location", "location", STR, "westus", "AZURE_LOCATION", "Azure region to create the virtual machine"),
    ("--azure-resource-group", "resource_group", STR, "docker-machine-<machine name>, made and deleted with it",
     "AZURE_RESOURCE_GROUP", "Azure Resource Group name (a given group must already exist)"),
    ("--azure-size", "size", STR, "Standard_B1s", "AZURE_SIZE", "Size for Azure Virtual Machine"),
    ("--azure-image", "image", STR, "canonical:ubuntu-24_04-lts:server:latest", "AZURE_IMAGE",
     "Azure virtual machine OS image (publisher:offer:sku:version)"),
    ("--azure-ssh-user", "ssh_user", STR, "docker-user", "AZURE_SSH_USER", "Username for SSH login"),
    ("--azure-vnet", "vnet", STR, "a new one, <machine name>-vnet", "AZURE_VNET",
     "Existing Azure Virtual Network name to connect the virtual machine (in [resourcegroup:]name format)"),
    ("--azure-subnet", "subnet", STR, "docker-machine", "AZURE_SUBNET",
     "Azure Subnet Name to be used within the Virtual Network"),
    ("--azure-subnet-prefix", "subnet_prefix", STR, "10.0.0.0/24", "AZURE_SUBNET_PREFIX",
     "Private CIDR block to be used for the new subnet, should comply RFC 1918"),
    ("--azure-static-public-ip", "static_public_ip", BOOL, False, "",
     "Assign a static public IP address to the machine (a Standard SKU address always is)"),
    ("--azure-no-public-ip", "no_public_ip", BOOL, False, "", "Do not create a public IP address for the machine"),
    ("--azure-use-private-ip", "use_private_ip", BOOL, False, "",
     "Use private IP address of the machine to connect"),
    ("--azure-open-port", "open_ports", MULTI, "", "", "Make the specified port number accessible from the Internet"),
    ("--azure-disk-size", "disk_size", INT, "the image's (30)", "AZURE_DISK_SIZE", "Disk size if using managed disk (GiB)"),
    ("--azure-storage-type", "storage_type", STR, "Standard_LRS", "AZURE_STORAGE_TYPE",
     "Type of Storage Account to host the OS Disk for the machine"),
)
