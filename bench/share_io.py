"""Reading through a qemu machine's shared folder, beside the VM's own disk measured in the same run: 1,000 small
files (find + cat) and one 200 MB file (dd), the guest's page cache dropped before each read; this computer's
page cache is warm for both (the files were just written here, and the own disk's qcow2 overlay was just filled).

Shares measured: virtio-9p as the driver makes it (-virtfs, security_model=none, cache=mmap, msize 128 KiB as
Lima's), the same with larger messages (256 KiB, and 512000: the kernel's virtio maximum), and virtiofs (QEMU's
/usr/lib/qemu/virtiofsd, root only here, with the shared memfd memory backend vhost-user needs; cache=auto), when
virtiofsd is there and this runs as root.

It boots the qemu test image (tests/images/build-qemu-image.sh, built and cached by test_qemu_real) with its own
key and seed, QEMU's command line from the driver (components/drivers/qemu/launch.py) plus the virtiofs device.

Run: .venv/bin/python bench/share_io.py [--accel auto|kvm|tcg] [--cpu MODEL] [--rounds 3] [--image-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pulumi_docker_machine.components.drivers.localvm import free_local_port, wait_for_ssh_banner  # noqa: E402
from pulumi_docker_machine.components.drivers.qemu import launch, shares  # noqa: E402
from pulumi_docker_machine.components.drivers.seed import SeedConfig, write_seed_iso  # noqa: E402

VIRTIOFSD = "/usr/lib/qemu/virtiofsd"
MEMORY = 1024
SMALL_FILES, SMALL_SIZE, BIG_MB = 1000, 4096, 200
APPEND = "root=/dev/vda rw console=ttyS0 apparmor=0"
# (label, guest folder, mount command) in the VM; 9p tags are the driver's -virtfs devices (dmshare0, 1, 2).
P9 = "trans=virtio,version=9p2000.L,cache=mmap,msize="
MOUNTS = [
    (
        f"virtio-9p, msize {shares.MSIZE} (the driver's)",
        "/mnt/p9",
        f"mount -t 9p -o {P9}{shares.MSIZE},ro dmshare0 /mnt/p9",
    ),
    ("virtio-9p, msize 262144", "/mnt/p9b", f"mount -t 9p -o {P9}262144,ro dmshare1 /mnt/p9b"),
    ("virtio-9p, msize 512000 (virtio's maximum)", "/mnt/p9c", f"mount -t 9p -o {P9}512000,ro dmshare2 /mnt/p9c"),
    ("virtiofs (virtiofsd, cache=auto)", "/mnt/vfs", "mount -t virtiofs -o ro dmvirtiofs /mnt/vfs"),
]
OWN = ("the VM's own disk (virtio-blk, qcow2)", "/var/tmp/own")


def default_image_dir() -> Path:
    version = hashlib.sha256((ROOT / "tests/images/build-qemu-image.sh").read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "pulumi-docker-machine" / "qemu-image" / version


def make_data(folder: Path) -> None:
    (folder / "small").mkdir(parents=True)
    for index in range(SMALL_FILES):
        (folder / "small" / f"f{index:04d}.txt").write_bytes(os.urandom(SMALL_SIZE))
    with open(folder / "big.bin", "wb") as handle:
        for _ in range(BIG_MB):
            handle.write(os.urandom(1 << 20))


class VM:
    """The test image booted with two 9p devices and, where it can run, virtiofs, all of one data folder."""

    def __init__(self, work: Path, image_dir: Path, data: Path, accel: str, cpu: str) -> None:
        self.work, self.folder = work, work / "vm"
        self.folder.mkdir()
        self.virtiofs = os.geteuid() == 0 and os.access(VIRTIOFSD, os.X_OK)
        key = work / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        self.key, self.port = key, free_local_port()
        overlay = self.folder / launch.DISK
        subprocess.run(
            ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(image_dir / "disk.qcow2")]
            + [str(overlay), "4G"],
            check=True,
        )
        write_seed_iso(
            self.folder / launch.SEED_ISO,
            SeedConfig(
                "bench", "docker", (work / "id_ed25519.pub").read_text().strip(), "iid-bench", "52:54:00:b0:0b:01"
            ),
        )
        props = {
            "name": "bench",
            "machine_dir": str(self.folder),
            "arch": "x86_64",
            "accel": launch.resolve_accel(accel),
            "memory": MEMORY,
            "cpus": 1,
            "ssh_port": self.port,
            "docker_port": free_local_port(),
            "engine_port": 2376,
            "mac": "52:54:00:b0:0b:01",
            "backing_chain": [{"path": str(image_dir / "disk.qcow2"), "format": "qcow2"}],
            "kernel": str(image_dir / "vmlinuz"),
            "initrd": str(image_dir / "initrd.img"),
            "append": APPEND,
            "shares": shares.resolve([f"{data}:/share{n}:ro" for n in range(3)], False, "docker"),
        }
        self.accel = props["accel"]
        args = launch.command_line(props)
        if "-cpu" in args and cpu:
            args[args.index("-cpu") + 1] = cpu
        self.daemon = None
        if self.virtiofs:
            socket = work / "virtiofs.sock"
            with open(work / "virtiofsd.log", "w") as log:
                self.daemon = subprocess.Popen(
                    [VIRTIOFSD, f"--socket-path={socket}", "-o", f"source={data}", "-o", "cache=auto"],
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            deadline = time.monotonic() + 10
            while not socket.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            args += [
                "-object",
                f"memory-backend-memfd,id=mem,size={MEMORY}M,share=on",
                "-numa",
                "node,memdev=mem",
                "-chardev",
                f"socket,id=vfs,path={launch.option_value(socket)}",
                "-device",
                "vhost-user-fs-pci,chardev=vfs,tag=dmvirtiofs",
            ]
        subprocess.run(args, check=True, cwd=launch.command_cwd(props))
        if not wait_for_ssh_banner("127.0.0.1", self.port, 900):
            raise SystemExit(f"the VM's SSH did not answer; its console:\n{launch.serial_tail(self.folder)}")
        deadline = time.monotonic() + 300
        while self.run("true", check=False).returncode != 0:  # cloud-init installs the key after sshd starts
            if time.monotonic() > deadline:
                raise SystemExit("could not log in to the VM")
            time.sleep(2)

    def run(self, command: str, check: bool = True) -> subprocess.CompletedProcess:
        for _ in range(5):  # 255: the connection failed (a TCG guest's sshd can be slow to accept)
            done = subprocess.run(
                ["ssh", "-i", str(self.key), "-p", str(self.port), "-o", "StrictHostKeyChecking=no"]
                + ["-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "docker@127.0.0.1", command],
                capture_output=True,
                text=True,
                timeout=1800,
            )
            if done.returncode != 255 or not check:
                break
            time.sleep(5)
        if check and done.returncode != 0:
            raise SystemExit(
                f"in the VM, {command!r} failed: {done.stderr.strip()}\n{launch.serial_tail(self.folder, 20)}"
            )
        return done

    def seconds(self, command: str) -> float:
        """One timed run of ``command`` in the VM after its page cache is dropped (timed there: no SSH in it)."""
        script = (
            "sync; echo 3 | sudo tee /proc/sys/vm/drop_caches >/dev/null; "
            f"s=$(date +%s%N); {command}; e=$(date +%s%N); echo $((e - s))"
        )
        return int(self.run(script).stdout.split()[-1]) / 1e9

    def close(self) -> None:
        pidfile = self.folder / launch.PIDFILE
        if pidfile.exists():
            subprocess.run(["kill", pidfile.read_text().strip()], capture_output=True)
        if self.daemon:
            self.daemon.terminate()
            self.daemon.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accel", default="auto", choices=["auto", "kvm", "tcg"])
    parser.add_argument("--rounds", type=int, default=3)
    # A nested KVM may refuse the driver's -cpu host (here: "failed to set MSR 0x10a"); qemu64 boots there.
    parser.add_argument("--cpu", default="", help="the -cpu model under KVM instead of the driver's host")
    parser.add_argument("--image-dir", type=Path, default=None)
    options = parser.parse_args()
    image_dir = options.image_dir or default_image_dir()
    if not (image_dir / "SHA256SUMS").exists():
        sys.exit(f"no test image in {image_dir}: build it with tests/images/build-qemu-image.sh {image_dir}")
    with tempfile.TemporaryDirectory(prefix="share-io-", dir="/var/tmp") as tmp:
        work = Path(tmp)
        make_data(work / "data")
        vm = VM(work, image_dir, work / "data", options.accel, options.cpu)
        try:
            places = [OWN]
            for label, folder, mount in MOUNTS:
                if folder == "/mnt/vfs" and not vm.virtiofs:
                    print(f"({label}: not measured: needs root and {VIRTIOFSD})")
                    continue
                vm.run(f"sudo mkdir -p {folder} && sudo {mount}")
                places.append((label, folder))
            vm.run(f"sudo mkdir -p {OWN[1]} && sudo cp -r /mnt/p9/. {OWN[1]}/")
            cpu = f" -cpu {options.cpu}" if options.cpu and vm.accel == "kvm" else ""
            print(
                f"accel {vm.accel}{cpu}, 1 vCPU, {MEMORY} MiB; median of {options.rounds} rounds, guest cache dropped"
            )
            print(f"{'':44} {SMALL_FILES:,} x {SMALL_SIZE // 1024} KiB files   one {BIG_MB} MB file")
            for label, folder in places:
                small = statistics.median(
                    vm.seconds(f"find {folder}/small -type f -exec cat {{}} + >/dev/null")
                    for _ in range(options.rounds)
                )
                big = statistics.median(
                    vm.seconds(f"dd if={folder}/big.bin of=/dev/null bs=1M 2>/dev/null") for _ in range(options.rounds)
                )
                print(
                    f"{label:44} {small:6.2f} s ({SMALL_FILES / small:6.0f}/s)   {big:6.2f} s ({BIG_MB / big:5.0f} MB/s)"
                )
        finally:
            vm.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
