"""Create-to-usable-engine time for the qemu driver on this machine, split by step, on the image the tests
build (tests/images/build-qemu-image.sh; Debian 12, direct kernel boot), under the accelerator given
(default tcg: KVM does not boot Linux on this kind of machine).

Steps, each measured on its own in one run:
- boot: qemu-system started until the guest's sshd answers on the forwarded port (QemuVMProvider.create);
- cloud-init: until the seed's user logs in with the machine's key;
- provisioning: the provisioning script over SSH (TLS certificates, dockerd reconfigured through systemd);
- then the whole ``docker-machine create -d qemu`` through the real engine, and ``docker version`` through
  ``docker-machine env``.
Floor, same run: an empty inline ``pulumi up`` (the engine's fixed cost per update).

Run (as root, after make engine and one test run that built the image):
    .venv/bin/python bench/qemu_create.py [tcg|kvm]
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.create_engine import PULUMI_BIN, empty_update, pulumi_env, timed_lines  # noqa: E402

# apparmor=0: the image has no AppArmor (tests/images/build-qemu-image.sh), so dockerd needs no profiles.
APPEND = "root=/dev/vda rw console=ttyS0 apparmor=0"


def image_folder() -> Path:
    script = ROOT / "tests" / "images" / "build-qemu-image.sh"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pulumi-docker-machine" / "qemu-image"
    folder = cache / hashlib.sha256(script.read_bytes()).hexdigest()[:12]
    subprocess.run(["bash", str(script), str(folder)], check=True)
    return folder


def ssh(key: Path, port: int, command: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "ssh",
            "-i",
            str(key),
            "-p",
            str(port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "LogLevel=error",
            "docker@127.0.0.1",
            command,
        ],
        input=stdin.encode(),
        capture_output=True,
    )


def steps(image: Path, accel: str, folder: Path) -> dict[str, float]:
    from pulumi_docker_machine.components.cert import create_ca, issue_server_certificate
    from pulumi_docker_machine.components.drivers.qemu.driver import QemuDriver
    from pulumi_docker_machine.components.drivers.qemu.provider import QemuVMProvider
    from pulumi_docker_machine.components.engine import EngineOptions
    from pulumi_docker_machine.components.provision import certificate_bundle, remote_command, render_script
    from pulumi_docker_machine.components.ssh import generate_ssh_key

    key = generate_ssh_key()
    key.save(folder / "key")
    driver = QemuDriver(
        image=str(image / "disk.qcow2"),
        kernel=str(image / "vmlinuz"),
        initrd=str(image / "initrd.img"),
        append=APPEND,
        accel=accel,
        memory=1024,
        cpu_count=2,
        disk_size=4000,
        storage_path=str(folder / "store"),
    )
    props = {**driver.props("bench"), "public_key": key.public_key, "state": "running", "force_stop": False}
    provider, figures = QemuVMProvider(), {}
    start = time.perf_counter()
    outs = provider.create(props).outs
    figures["boot: QEMU start until sshd answers"] = time.perf_counter() - start
    try:
        start = time.perf_counter()
        while ssh(folder / "key", outs["ssh_port"], "true").returncode != 0:
            if time.perf_counter() - start > 600:
                raise SystemExit("the seed's user could not log in within 600 s")
            time.sleep(0.5)
        figures["cloud-init: until the seed's user logs in"] = time.perf_counter() - start
        ca = create_ca("bench")
        server = issue_server_certificate(ca, "bench.server", ["127.0.0.1"], ["localhost"])
        script = remote_command(
            render_script(EngineOptions(install_url="none"), "qemu", hostname="bench", ssh_user="docker"), "docker"
        )
        start = time.perf_counter()
        done = ssh(
            folder / "key", outs["ssh_port"], script, certificate_bundle(ca.cert_pem, server.cert_pem, server.key_pem)
        )
        if done.returncode != 0:
            raise SystemExit(f"provisioning failed: {done.stderr.decode()[-2000:]}")
        figures["provisioning: TLS and dockerd over SSH (systemd)"] = time.perf_counter() - start
    finally:
        provider.delete("bench", outs)
    return figures


def main() -> None:
    accel = sys.argv[1] if len(sys.argv) > 1 else "tcg"
    if os.geteuid() != 0 or not (PULUMI_BIN / "pulumi").exists():
        raise SystemExit("bench/qemu_create.py needs root and make engine")
    image = image_folder()
    script = str(Path(sys.executable).parent / "docker-machine")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = pulumi_env(folder)
        (folder / "empty").mkdir()
        empty = empty_update(env, folder / "empty")
        figures = steps(image, accel, folder)
        _, total = timed_lines(
            [
                script,
                "create",
                "-d",
                "qemu",
                "--qemu-image",
                str(image / "disk.qcow2"),
                "--qemu-kernel",
                str(image / "vmlinuz"),
                "--qemu-initrd",
                str(image / "initrd.img"),
                "--qemu-append",
                APPEND,
                "--qemu-accel",
                accel,
                "--qemu-memory",
                "1024",
                "--qemu-cpu-count",
                "2",
                "--qemu-disk-size",
                "4000",
                "--engine-install-url",
                "none",
                "bench",
            ],
            env,
        )
        start = time.perf_counter()
        subprocess.run(
            ["bash", "-c", f'eval "$({script} env bench)" && docker version'], env=env, capture_output=True, check=True
        )
        usable = time.perf_counter() - start
        subprocess.run([script, "rm", "-y", "bench"], env=env, capture_output=True, check=True)
    print(f"{'qemu driver, accel ' + accel + ', each step alone':<60} {'seconds':>8}")
    for name, value in figures.items():
        print(f"{name:<60} {value:>8.1f}")
    print(f"{'docker-machine create -d qemu, in all (real engine)':<60} {total:>8.1f}")
    print(f"{'then docker version through docker-machine env':<60} {usable:>8.1f}")
    print()
    print(f"{'floor, same run: empty inline pulumi up':<60} {empty:>8.1f}")


if __name__ == "__main__":
    main()
