"""docker-machine's azure driver flags, as rows of pulumi_docker_machine.cli.create.flags.DRIVER_FLAGS["azure"].

Each row: (flag, driver option, type, default shown in help, environment variable, help). Imports
nothing: ``create --help`` must not load the Azure SDK (and pulumi_docker_machine.cli.create.flags imports this module).
"""

FLAGS = [
    ("--azure-subscription-id", "subscription_id", "str", "", "AZURE_SUBSCRIPTION_ID", "Azure Subscription ID"),
    ("--azure-client-id", "client_id", "str", "", "AZURE_CLIENT_ID",
     "Azure Service Principal Account ID (optional: without it the Azure CLI login or ARM_* environment is used)"),
    ("--azure-client-secret", "client_secret", "str", "", "AZURE_CLIENT_SECRET", "Azure Service Principal Account password"),
    ("--azure-tenant-id", "tenant_id", "str", "", "AZURE_TENANT_ID", "Azure Tenant ID"),
    ("--azure-location", "location", "str", "westus", "AZURE_LOCATION", "Azure region to create the virtual machine"),
    ("--azure-resource-group", "resource_group", "str", "docker-machine-<machine name>, made and deleted with it",
     "AZURE_RESOURCE_GROUP", "Azure Resource Group name (a given group must already exist)"),
    ("--azure-size", "size", "str", "Standard_B1s", "AZURE_SIZE", "Size for Azure Virtual Machine"),
    ("--azure-image", "image", "str", "canonical:ubuntu-24_04-lts:server:latest", "AZURE_IMAGE",
     "Azure virtual machine OS image (publisher:offer:sku:version)"),
    ("--azure-ssh-user", "ssh_user", "str", "docker-user", "AZURE_SSH_USER", "Username for SSH login"),
    ("--azure-vnet", "vnet", "str", "a new one, <machine name>-vnet", "AZURE_VNET",
     "Existing Azure Virtual Network name to connect the virtual machine (in [resourcegroup:]name format)"),
    ("--azure-subnet", "subnet", "str", "docker-machine", "AZURE_SUBNET",
     "Azure Subnet Name to be used within the Virtual Network"),
    ("--azure-subnet-prefix", "subnet_prefix", "str", "10.0.0.0/24", "AZURE_SUBNET_PREFIX",
     "Private CIDR block to be used for the new subnet, should comply RFC 1918"),
    ("--azure-static-public-ip", "static_public_ip", "bool", False, "",
     "Assign a static public IP address to the machine (a Standard SKU address always is)"),
    ("--azure-no-public-ip", "no_public_ip", "bool", False, "", "Do not create a public IP address for the machine"),
    ("--azure-use-private-ip", "use_private_ip", "bool", False, "",
     "Use private IP address of the machine to connect"),
    ("--azure-open-port", "open_ports", "multi", "", "", "Make the specified port number accessible from the Internet"),
    ("--azure-disk-size", "disk_size", "int", "the image's (30)", "AZURE_DISK_SIZE", "Disk size if using managed disk (GiB)"),
    ("--azure-storage-type", "storage_type", "str", "Standard_LRS", "AZURE_STORAGE_TYPE",
     "Type of Storage Account to host the OS Disk for the machine"),
]
