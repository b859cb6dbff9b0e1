"""The QEMU VM as a Pulumi dynamic provider: qemu-system driven directly, its state read through QMP.

The engine stores this provider pickled *by reference*: the module path ``pulumi_docker_machine.components.drivers.qemu.provider``
and the class name ``QemuVMProvider`` are a contract with every existing stack's state. The provider
holds no state: the VM is found again through the pidfile and QMP socket in the machine's folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..seed import SeedConfig, write_seed_iso
from ..imagecache import images_in_use, machine_image
from ..imageuse import qcow2_backing
from ..localvm import below_minimum, free_local_port, local_port_free, shrink_problem, wait_for_ssh_banner
from .backing import checked_chain, valid_chain
from .hostagent import LOG as AGENT_LOG
from .hostagent import agent_pid, running_pid, start_agent, stop_agent
from .hostagent.portsync import parse_forward
from .launch import (
    ACCELS,
    ARCHS,
    DISK,
    EFI_VARS,
    FIRMWARE_HINT,
    PIDFILE,
    QEMU_IMG,
    QMP_SOCKET,
    SEED_ISO,
    SERIAL_LOG,
    QemuError,
    command_cwd,
    command_line,
    find_firmware,
    prepare_efi_vars,
    qemu_program,
    random_mac,
    resolve_accel,
    serial_tail,
)
from .qmp import QMPError, qmp
from .shares import checked_inputs, missing, mount_entries
from .shares import problems as share_problems

REPLACE_ON = (
    "name",
    "machine_dir",
    "cache_dir",
    "image",
    "image_sha256",
    "ssh_user",
    "public_key",
    "hostname",
    "kernel",
    "initrd",
    "append",
    "engine_port",
    "arch",
)
# disk_size only grows (docker-machine set): the overlay is resized while QEMU is stopped, the guest grows its file
# system at its next boot (the seed's grow step); a smaller size is refused by check().
# forwards: the host agent is started again with the new list (--qemu-forward).
UPDATE_IN_PLACE = ("memory", "cpus", "disk_size", "state", "force_stop", "accel", "firmware", "forwards")
# What a machine made before the key existed ran with.
EARLIER: dict[str, Any] = {"arch": "x86_64", "forwards": []}
STOP_TIMEOUT = 120.0
KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows: os.kill with SIGTERM is TerminateProcess
FORWARDS = ("ssh_port", "docker_port")
LAUNCH_TRIES = 3
STATES = {
    "running": "Running",
    "paused": "Paused",
    "shutdown": "Stopped",
    "inmigrate": "Starting",
    "prelaunch": "Starting",
}


def validate(props: dict[str, Any], require_key: bool = True) -> list[tuple[str, str]]:
    problems = below_minimum(props, (("memory", 256), ("cpus", 1), ("disk_size", 2000)))
    if isinstance(props.get("cpus"), (int, float)) and props["cpus"] > (os.cpu_count() or 1):
        problems.append(("cpus", f"cpus {props['cpus']} is more than this machine's {os.cpu_count()} CPUs"))
    if props.get("accel") not in ACCELS:
        problems.append(("accel", f"accel must be one of {', '.join(ACCELS)}, not {props.get('accel')!r}"))
    if props.get("arch", "x86_64") not in ARCHS:
        problems.append(("arch", f"arch must be one of {', '.join(ARCHS)}, not {props.get('arch')!r}"))
    if props.get("firmware") and not os.access(props["firmware"], os.R_OK):
        problems.append(("firmware", f"firmware {props['firmware']} cannot be read: give the path of a UEFI image"))
    if require_key and not props.get("public_key"):
        problems.append(("public_key", "the machine's SSH public key is missing"))
    if "shares" in props:
        problems += [("shares", problem) for problem in share_problems(props["shares"], props.get("ssh_user"))]
    for key in ("kernel", "initrd"):
        if props.get(key) and not os.access(props[key], os.R_OK):
            problems.append((key, f"{key} {props[key]} cannot be read: give the path of a file"))
    if (props.get("initrd") or props.get("append")) and not props.get("kernel"):
        problems.append(("kernel", "initrd and append need kernel (direct kernel boot)"))
    image = str(props.get("image") or "")
    if "://" not in image and not os.access(image, os.R_OK):
        problems.append(("image", f"image {image!r} cannot be read: give the path or URL of a qcow2 cloud image"))
    return problems


def settled(props: dict[str, Any]) -> dict[str, Any]:
    """The accelerator and firmware the VM runs with: ``auto`` resolved for its architecture, an unset firmware
    found where the distribution puts it (aarch64; None when there is none: ``launch`` says what to install)."""
    arch = props.get("arch") or "x86_64"
    firmware = props.get("firmware") or (find_firmware(arch) if arch == "aarch64" else None)
    return {"accel": resolve_accel(props["accel"], arch), "firmware": firmware}


def _pid(machine_dir: Path) -> int | None:
    return running_pid(machine_dir / PIDFILE)  # None for a pid reused by another process


def vm_state(machine_dir: Path) -> str:
    """Running, Paused, Stopped... from QMP's query-status; Stopped when no QEMU runs for this machine."""
    if _pid(machine_dir) is None:
        return "Stopped"
    try:
        return STATES.get(qmp(machine_dir / QMP_SOCKET, "query-status")["status"], "Error")
    except (QMPError, OSError, ValueError, KeyError):
        return "Error"


def wait_for_ssh(port: int, timeout: float, machine_dir: Path) -> None:
    """Until the guest's sshd sends its banner through the forwarded port."""

    def alive() -> None:
        if _pid(machine_dir) is None:
            raise QemuError(f"QEMU exited while the VM booted; its serial console:\n{serial_tail(machine_dir)}")

    if not wait_for_ssh_banner("127.0.0.1", port, timeout, alive, interval=2.0):
        raise QemuError(
            f"SSH did not answer on 127.0.0.1:{port} within {timeout:.0f}s of the VM starting; "
            f"its serial console:\n{serial_tail(machine_dir)}"
        )


def disk_chain(outs: dict[str, Any]) -> list[dict[str, str]]:
    """The overlay's backing chain, checked again before every boot: the one recorded at create (state is
    untrusted: its shape and every layer are checked as a new image's are, and it must not have changed);
    for a machine made before chains were recorded, the one its overlay names, which must be the cached
    image or the image the machine was made from."""
    cache_dir = Path(outs["cache_dir"])
    recorded = outs.get("backing_chain")
    if recorded is not None:
        if not valid_chain(recorded):
            raise QemuError(f"machine {outs.get('name')}: its recorded disk chain is malformed; recreate the machine")
        chain = checked_chain(Path(recorded[0]["path"]), cache_dir)
        if chain != recorded:
            raise QemuError(
                f"machine {outs.get('name')}: its base image {recorded[0]['path']} changed since the "
                "machine was made (its backing files differ); recreate the machine"
            )
        return chain
    base = qcow2_backing(Path(outs["machine_dir"]) / DISK)
    image = str(outs.get("image") or "")
    if base is None or not (
        base.resolve().is_relative_to(cache_dir.resolve())
        or ("://" not in image and base.resolve() == Path(image).resolve())
    ):
        raise QemuError(
            f"machine {outs.get('name')}: its disk's backing file {base} is neither in the image cache "
            "nor the machine's image; recreate the machine"
        )
    return checked_chain(base, cache_dir)


def launch(outs: dict[str, Any]) -> dict[str, Any]:
    """Run QEMU for the machine; returns ``outs`` with the ports it forwards: a recorded port something else
    listens on now is replaced by a free one (and one taken between the check and QEMU's bind, too)."""
    machine_dir = Path(outs["machine_dir"])
    if missing(outs.get("shares") or []):
        raise QemuError(f"machine {outs.get('name')}: {missing(outs['shares'])}")
    outs = {**outs, "backing_chain": disk_chain(outs)}
    if outs.get("arch") == "aarch64":
        if not outs.get("firmware") or not os.access(outs["firmware"], os.R_OK):
            raise QemuError(FIRMWARE_HINT)
        prepare_efi_vars(machine_dir, outs["firmware"])
    for key in FORWARDS:
        if not local_port_free(int(outs[key])):
            outs[key] = free_local_port()
    for attempt in range(LAUNCH_TRIES):
        (machine_dir / QMP_SOCKET).unlink(missing_ok=True)
        done = subprocess.run(command_line(outs), capture_output=True, text=True, cwd=command_cwd(outs))
        if done.returncode == 0:
            return outs
        message = (done.stderr or done.stdout).strip()
        if "forwarding rule" not in message or attempt == LAUNCH_TRIES - 1:
            raise QemuError(f"{qemu_program(outs.get('arch'))} failed: {message[-500:]}")
        outs.update({key: free_local_port() for key in FORWARDS})
    raise AssertionError("unreachable")


def start(outs: dict[str, Any]) -> dict[str, Any]:
    """Boot the machine (nothing when it runs already) with its host agent and wait for SSH; returns ``outs``
    with the forwarded ports it now uses. An agent that is gone while the VM runs is started again."""
    machine_dir = Path(outs["machine_dir"])
    if _pid(machine_dir) is not None:
        ensure_agent(outs)
        return outs
    outs = launch(outs)
    ensure_agent(outs)  # now: it waits for the engine and the client certificate by itself
    wait_for_ssh(int(outs["ssh_port"]), float(outs["boot_timeout"]), machine_dir)
    return outs


def ensure_agent(outs: dict[str, Any]) -> None:
    """The host agent (hostagent/) for the running VM: its ports from ``outs`` (state: checked again here)."""
    machine_dir = Path(outs["machine_dir"])
    if agent_pid(machine_dir) is not None:
        return
    try:
        forwards = [parse_forward(value) for value in outs.get("forwards") or []]
        start_agent(machine_dir, int(outs["docker_port"]), [int(outs["docker_port"]), int(outs["ssh_port"])], forwards)
    except (ValueError, TypeError) as err:  # the agent's command line takes checked ports only
        raise QemuError(f"machine {outs.get('name')}: {err}") from None


def stop(machine_dir: Path, graceful: bool = True) -> None:
    """The host agent first; then ACPI power-down through QMP and a bounded wait; ``quit`` when not graceful or
    when the wait runs out."""
    stop_agent(machine_dir)
    pid = _pid(machine_dir)
    if pid is None:
        return
    if graceful:
        try:
            qmp(machine_dir / QMP_SOCKET, "system_powerdown")
            deadline = time.monotonic() + STOP_TIMEOUT
            while _pid(machine_dir) is not None and time.monotonic() < deadline:
                time.sleep(1)
        except QMPError:
            pass
    if _pid(machine_dir) is not None:
        try:
            qmp(machine_dir / QMP_SOCKET, "quit")
        except QMPError:
            os.kill(pid, KILL)
        deadline = time.monotonic() + 20
        while _pid(machine_dir) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        if _pid(machine_dir) is not None:
            os.kill(pid, KILL)


def grow_disk(machine_dir: Path, old_mib: int, new_mib: int) -> None:
    """The overlay resized to ``new_mib`` while QEMU is stopped (qemu-img refuses an image in use, and a shrink
    without --shrink, which is never given). Run again after an interruption, it resizes to the same size."""
    if new_mib < old_mib:
        raise QemuError(f"disk_size can only grow: {new_mib} MiB is less than the machine's {old_mib} MiB")
    if _pid(machine_dir) is not None:
        raise QemuError("the disk can only be resized while QEMU is stopped")
    done = subprocess.run(
        [QEMU_IMG, "resize", "-q", "-f", "qcow2", str(machine_dir / DISK), f"{new_mib}M"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise QemuError(f"qemu-img resize failed: {(done.stderr or done.stdout).strip()[-500:]}")


class QemuVMProvider(ResourceProvider):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news, share_change = checked_inputs(olds, news)
        problems = validate(news) + ([("shares", share_change)] if share_change else [])
        shrink = shrink_problem(olds, news)
        if shrink:
            problems.append(("disk_size", shrink))
        return CheckResult(news, [CheckFailure(key, reason) for key, reason in problems])

    def create(self, props: dict[str, Any]) -> CreateResult:
        machine_dir = Path(props["machine_dir"])
        machine_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        outs = {
            **props,
            **settled(props),
            "ssh_port": free_local_port(),
            "docker_port": free_local_port(),
            "mac": random_mac(),
        }
        try:
            cache_dir = Path(props["cache_dir"])
            with images_in_use(cache_dir):  # no prune between the fetch and the overlay
                base = machine_image(str(props["image"]), cache_dir, props.get("image_sha256"))
                chain = checked_chain(base, cache_dir)
                top = chain[0]
                subprocess.run(
                    [
                        QEMU_IMG,
                        "create",
                        "-q",
                        "-f",
                        "qcow2",
                        "-F",
                        top["format"],
                        "-b",
                        top["path"],
                        str(machine_dir / DISK),
                        f"{int(props['disk_size'])}M",
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
            outs["backing_chain"] = chain
            write_seed_iso(
                machine_dir / SEED_ISO,
                SeedConfig(
                    hostname=props["hostname"],
                    ssh_user=props["ssh_user"],
                    public_key=props["public_key"],
                    instance_id=str(uuid.uuid4()),
                    nat_mac=outs["mac"],
                    mounts=tuple(tuple(entry) for entry in mount_entries(props.get("shares") or [])),
                ),
            )
            if props.get("state", "running") == "running":
                outs = start(outs)
        except subprocess.CalledProcessError as err:
            self._remove(machine_dir)
            raise QemuError(f"qemu-img failed: {err.stderr.strip()[-500:]}") from None
        except BaseException:
            self._remove(machine_dir)  # create is transactional: nothing half-made keeps running
            raise
        return CreateResult(id_=props["name"], outs={**outs, "vm_state": vm_state(machine_dir)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, {**props, "vm_state": vm_state(Path(props["machine_dir"]))})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        def changed(key: str) -> bool:
            return olds.get(key, EARLIER.get(key)) != news.get(key, EARLIER.get(key))

        replaces = [key for key in REPLACE_ON if changed(key)]
        now = settled(news)  # auto and an unset firmware: what this computer resolves them to
        changes = replaces + [key for key in UPDATE_IN_PLACE if changed(key) and key not in now]
        changes += [key for key in now if changed(key) and now[key] != olds.get(key)]  # check() made them valid
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        machine_dir = Path(olds["machine_dir"])
        keep: dict[str, Any] = {
            key: olds[key] for key in ("ssh_port", "docker_port", "mac", "backing_chain") if key in olds
        }
        outs = {**news, **keep, **settled(news)}
        grow = int(news["disk_size"]) != int(olds["disk_size"])
        relaunch = grow or any(olds.get(k) != outs.get(k) for k in ("memory", "cpus", "accel", "firmware"))
        if news.get("state") == "stopped" or relaunch:
            stop(machine_dir, graceful=not news.get("force_stop"))
        if grow:
            grow_disk(machine_dir, int(olds["disk_size"]), int(news["disk_size"]))
        if (olds.get("forwards") or []) != (news.get("forwards") or []):
            stop_agent(machine_dir)  # start() starts it again with the new forwards
        if news.get("state", "running") == "running":
            outs = start(outs)
        return UpdateResult(outs={**outs, "vm_state": vm_state(machine_dir)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._remove(Path(props["machine_dir"]))

    @staticmethod
    def _remove(machine_dir: Path) -> None:
        """Stop QEMU and the host agent, remove the overlay and the seed; the cached base image stays."""
        stop(machine_dir, graceful=False)
        for name in (DISK, SEED_ISO, QMP_SOCKET, PIDFILE, SERIAL_LOG, EFI_VARS, AGENT_LOG):
            (machine_dir / name).unlink(missing_ok=True)
