"""The fixed PowerShell scripts the driver runs (values only through ``$a``, see powershell.py). A VM is found by its
Id: Hyper-V lets two VMs share a name."""

# docker-machine's PreCreateCheck: the Hyper-V module, then the user's roles (hypervAvailable, isAdministrator).
CHECK = (
    "$module = @(Get-Module -ListAvailable Hyper-V).Count -gt 0\n"
    "$principal = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()\n"
    "$hypervAdmin = $principal.IsInRole('S-1-5-32-578')\n"
    "$windowsAdmin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)\n"
    "@{ module = $module; hyperv_admin = $hypervAdmin; windows_admin = $windowsAdmin } | ConvertTo-Json -Compress\n"
)

# chooseVirtualSwitch's two lists: every switch, and the external ones (the default is the first of those).
SWITCHES = (
    "$all = Hyper-V\\Get-VMSwitch\n"
    "$external = Hyper-V\\Get-VMSwitch -SwitchType External\n"
    "@{ all = @($all.Name); external = @($external.Name) } | ConvertTo-Json -Compress\n"
)

VMS_NAMED = "$vms = Hyper-V\\Get-VM\n@{ names = @($vms.Name) } | ConvertTo-Json -Compress\n"

BASE_SIZE = "$vhd = Hyper-V\\Get-VHD -Path $a.base\n@{ size = $vhd.Size } | ConvertTo-Json -Compress\n"

# New-VM and its settings, in docker-machine's order; the optional lines are chosen by the caller.
NEW_VM = (
    "$vm = Hyper-V\\New-VM -Name $a.name -Path $a.path -Generation 2 -MemoryStartupBytes $a.memory "
    "-SwitchName $a.switch -NoVHD\n"
)
STATIC_MEMORY = "Hyper-V\\Set-VMMemory -VM $vm -DynamicMemoryEnabled $false\n"
PROCESSORS = "Hyper-V\\Set-VMProcessor -VM $vm -Count $a.cpus\n"
STATIC_MAC = "Hyper-V\\Set-VMNetworkAdapter -VM $vm -StaticMacAddress $a.mac\n"
VLAN = "Hyper-V\\Set-VMNetworkAdapterVlan -VM $vm -Access -VlanId $a.vlan\n"
DISK = "Hyper-V\\New-VHD -Path $a.disk -ParentPath $a.base -Differencing | Out-Null\n"
RESIZE = "Hyper-V\\Resize-VHD -Path $a.disk -SizeBytes $a.disk_bytes\n"
DRIVES = (
    "$drive = Hyper-V\\Add-VMHardDiskDrive -VM $vm -Path $a.disk -Passthru\n"
    "Hyper-V\\Add-VMDvdDrive -VM $vm -Path $a.seed\n"
    "Hyper-V\\Set-VMFirmware -VM $vm -EnableSecureBoot On -SecureBootTemplate MicrosoftUEFICertificateAuthority "
    "-FirstBootDevice $drive\n"
)
CREATED = "@{ id = [string]$vm.Id } | ConvertTo-Json -Compress\n"

FIND = "$vm = Hyper-V\\Get-VM -Id $a.id\n"
STATE = (
    FIND + "$nic = Hyper-V\\Get-VMNetworkAdapter -VM $vm\n"
    "@{ state = [string]$vm.State; addresses = @($nic.IPAddresses) } | ConvertTo-Json -Compress\n"
)
START = FIND + "Hyper-V\\Start-VM -VM $vm\n"
STOP = FIND + "Hyper-V\\Stop-VM -VM $vm\n"  # a shutdown through the guest's integration services
TURN_OFF = FIND + "Hyper-V\\Stop-VM -VM $vm -TurnOff\n"  # docker-machine's kill
RESIZE_VM = (
    FIND + "Hyper-V\\Set-VMMemory -VM $vm -StartupBytes $a.memory\nHyper-V\\Set-VMProcessor -VM $vm -Count $a.cpus\n"
)
REMOVE = FIND + "Hyper-V\\Remove-VM -VM $vm -Force\n"
