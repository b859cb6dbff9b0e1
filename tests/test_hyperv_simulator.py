"""The PowerShell simulator itself (tests/fakes/powershell.py): it binds each cmdlet's parameters as PowerShell does
and fails as Hyper-V does, so the driver's tests cannot pass on a call real Hyper-V would refuse."""

from __future__ import annotations

import pytest

from tests.fakes import powershell_env


@pytest.fixture
def powershell(tmp_path, monkeypatch):
    """The PowerShell simulator as powershell.exe (tests/fakes/powershell_env.py)."""
    return powershell_env.install(tmp_path, monkeypatch)


def first_line(result) -> tuple[int, str]:
    return result.returncode, result.stderr.splitlines()[0] if result.stderr else ""


NEW = "$vm = Hyper-V\\New-VM -Name $a.name -NoVHD\n"


@pytest.mark.parametrize(
    ("script", "values", "line"),
    [
        (
            "Hyper-V\\New-VM -Name $a.name -Bogus 1\n",
            {"name": "x"},
            "New-VM : A parameter cannot be found that matches parameter name 'Bogus'.",
        ),
        (
            "Hyper-V\\New-VM $a.name\n",
            {"name": "x"},
            "New-VM : A positional parameter cannot be found that accepts argument '$a.name'.",
        ),
        (
            "Hyper-V\\New-VM -Name $a.name -NoVHD -VHDPath $a.name\n",
            {"name": "x"},
            "New-VM : Parameter set cannot be resolved using the specified named parameters.",
        ),
        (
            "Hyper-V\\New-VM -Name $a.name -MemoryStartupBytes $a.memory\n",
            {"name": "x", "memory": "1GB; rm"},
            "New-VM : Cannot bind parameter 'MemoryStartupBytes'. Cannot convert value \"1GB; rm\" to type "
            '"System.Int64". Error: "Input string was not in a correct format."',
        ),
        (
            NEW + "Hyper-V\\Set-VMMemory -VM $vm -DynamicMemoryEnabled $a.flag\n",
            {"name": "x", "flag": "no"},
            "Set-VMMemory : Cannot process argument transformation on parameter 'DynamicMemoryEnabled'. Cannot "
            'convert value "no" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, '
            "such as $True, $False, 1 or 0.",
        ),
        (
            NEW + "Hyper-V\\Set-VMNetworkAdapterVlan -VM $vm -Access\n",
            {"name": "x"},
            "Set-VMNetworkAdapterVlan : Cannot process command because of one or more missing mandatory parameters: "
            "VlanId.",
        ),
        (
            "Hyper-V\\New-VHD -Differencing\n",
            {},
            "New-VHD : Cannot process command because of one or more missing mandatory parameters: ParentPath Path.",
        ),
        (
            "Hyper-V\\Get-VM -Id $a.id\n",
            {"id": "nope"},
            "Get-VM : Cannot bind parameter 'Id'. Cannot convert value "
            '"nope" to type "System.Guid". Error: "Guid should contain 32 digits with 4 dashes '
            '(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."',
        ),
        (
            "Hyper-V\\Get-VM -Name $a.name\n",
            {"name": "ubuntu"},
            'Get-VM : Hyper-V was unable to find a virtual machine with name "ubuntu".',
        ),
        (
            "Hyper-V\\Get-VMSwitch -SwitchType Bridged\n",
            {},
            "Get-VMSwitch : Cannot bind parameter 'SwitchType'. Cannot convert value \"Bridged\" to type "
            '"Microsoft.HyperV.PowerShell.VMSwitchType". Error: "Unable to match the identifier name Bridged to a '
            "valid enumerator name. Specify one of the following enumerator names and try again: Private, Internal, "
            'External"',
        ),
        (
            "$vm = Hyper-V\\New-VM -Name $a.name -Generation 1 -NoVHD\nHyper-V\\Set-VMFirmware -VM $vm "
            "-EnableSecureBoot On\n",
            {"name": "x"},
            "Set-VMFirmware : Set-VMFirmware is not supported for the virtual machine 'x': it is a generation 1 "
            "virtual machine.",
        ),
    ],
)
def test_binding_and_hyperv_errors(powershell, script, values, line):
    assert first_line(powershell.run(script, values)) == (1, line)


def test_an_error_record_is_what_powershell_writes(powershell):
    result = powershell.run("Hyper-V\\Get-VMSwitch -Name $a.name\n", {"name": "lan"})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines()[:2] == [
        'Get-VMSwitch : Hyper-V was unable to find a virtual switch with name "lan".',
        "At line:4 char:1",
    ]
    assert "    + FullyQualifiedErrorId : InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch" in (
        result.stderr
    )


def test_not_elevated_and_without_the_module(powershell):
    powershell.set(windows_admin=False, hyperv_admin=False)
    assert first_line(powershell.run(NEW, {"name": "x"})) == (
        1,
        "New-VM : You do not have the required permission to complete this task. Contact the administrator of the "
        "authorization policy for the computer 'HVHOST'.",
    )
    powershell.set(hyperv_admin=True)
    assert powershell.run(NEW, {"name": "x"}).returncode == 0, "a member of Hyper-V Administrators may"
    powershell.set(module=False)
    assert first_line(powershell.run(NEW, {"name": "x"})) == (
        1,
        "Hyper-V\\New-VM : The term 'Hyper-V\\New-VM' is not recognized as the name of a cmdlet, function, script "
        "file, or operable program. Check the spelling of the name, or if a path was included, verify that the path "
        "is correct and try again.",
    )


def test_a_running_vm_refuses_changes_and_removal(powershell):
    script = NEW + "Hyper-V\\Start-VM -VM $vm\nHyper-V\\Set-VMProcessor -VM $vm -Count 2\n"
    assert first_line(powershell.run(script, {"name": "x"}))[1].startswith(
        "Set-VMProcessor : Failed to modify device 'Processor'. The operation cannot be performed while the virtual "
        "machine is in its current state."
    )
    removed = powershell.run(
        "$vm = Hyper-V\\Get-VM -Id $a.id\nHyper-V\\Remove-VM -VM $vm -Force\n", {"id": powershell.vms()[0]["id"]}
    )
    assert removed.returncode == 1 and len(powershell.vms()) == 1


def test_two_vms_may_share_a_name_as_in_hyperv(powershell):
    assert powershell.run(NEW + NEW, {"name": "twin"}).returncode == 0
    assert [vm["name"] for vm in powershell.vms()] == ["twin", "twin"]


def test_only_the_drivers_script_shape_runs(powershell):
    """An interpolated value is an expression the simulator refuses: the driver passes every value through $a."""
    result = powershell.run("Hyper-V\\New-VM -Name 'x'; Remove-Item C:\\\n", {})
    assert result.returncode == 64 and "does not run this line" in result.stderr
    assert powershell.vms() == []
