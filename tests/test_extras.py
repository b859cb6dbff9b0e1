"""A user's install without extras: the core packages only, each cloud's SDK an extra.

The wheel (tests/wheelvenv.py) goes into a fresh venv with ``--no-deps``; its dependencies are the core ones its
METADATA requires (extras left out) and theirs, found in this environment and linked into one folder the venv
reaches through a ``.pth`` (installing them would take minutes; no cloud SDK is in that folder, so none can be
imported). There:

- ``create -d amazonec2`` ends in one line naming ``pip install 'pulumi-docker-machine[aws]'``, exit 1, with
  nothing in the store; digitalocean, google, azure and openstack likewise name their extras;
- ``--help``, every command's ``--help``, ``ls`` and a driver's flags (``create -d amazonec2 --help``) work;
- a generic and a qemu machine are built under Pulumi's mocks, importing no cloud SDK.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.wheelvenv import session_wheel

CLOUD_SDKS = (
    "pulumi_aws",
    "pulumi_digitalocean",
    "pulumi_gcp",
    "pulumi_azure_native",
    "pulumi_openstack",
    "pulumiverse_exoscale",
    "pulumi_vcd",
    "pulumi_vsphere",
)
EXTRAS = {
    "amazonec2": "aws",
    "digitalocean": "digitalocean",
    "google": "google",
    "azure": "azure",
    "openstack": "openstack",
    "rackspace": "openstack",
    "exoscale": "exoscale",
    "vcd": "vcd",
    "vmwarevsphere": "vsphere",
}


def requires(metadata: str) -> list[str]:
    """The Requires-Dist values of a wheel's METADATA."""
    return [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]


def requirements(lines: list[str], extras: tuple[str, ...] = ()) -> list[Requirement]:
    """The requirements among ``lines`` that apply here with ``extras`` asked for (none: the core)."""
    wanted = []
    for line in lines:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in ("", *extras)):
            wanted.append(requirement)
    return wanted


def closure(metadata: str, extras: tuple[str, ...] = ()) -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions a wheel of ``metadata`` needs with ``extras``: its requirements and theirs."""
    found: dict[str, importlib.metadata.Distribution] = {}
    queue = requirements(requires(metadata), extras)
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        dist = importlib.metadata.distribution(requirement.name)
        found[name] = dist
        queue += requirements(dist.metadata.get_all("Requires-Dist") or [], tuple(requirement.extras))
    return found


def top_level(dist: importlib.metadata.Distribution) -> set[str]:
    """The names a distribution puts at the top of site-packages (packages, modules, its .dist-info)."""
    names = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first in ("..", "__pycache__") or first.endswith(".pth") or file.parts[0] == "bin":
            continue
        names.add(first)
    return names


def installed_bytes(dists) -> int:
    """What the distributions occupy in site-packages (their RECORDs' files)."""
    total = 0
    for dist in dists:
        for file in dist.files or ():
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
    return total


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    """(python, environment) of a venv holding the wheel and the core dependencies only."""
    wheel = session_wheel(tmp_path_factory)
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    dists = closure(metadata)
    assert not {canonicalize_name(s.replace("_", "-")) for s in CLOUD_SDKS} & set(dists), "no cloud SDK in the core"
    root = tmp_path_factory.mktemp("extras")
    site = root / "core-site"
    site.mkdir()
    purelib = Path(sysconfig.get_paths()["purelib"])
    for dist in dists.values():
        for name in top_level(dist):
            source = Path(dist.locate_file(name))
            if source.exists() and not (site / name).exists():
                (site / name).symlink_to(source)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    venv_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (venv_site / "core-dependencies.pth").write_text(f"{site}\n")
    assert purelib != venv_site
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MACHINE_", "AWS_", "DIGITALOCEAN_"))},
        "MACHINE_STORAGE_PATH": str(root / "store"),
        "HOME": str(root),
    }
    return python, env, root


def run(core, *args: str) -> subprocess.CompletedProcess:
    python, env, root = core
    return subprocess.run(
        [str(python.parent / "docker-machine"), *args], capture_output=True, text=True, env=env, cwd=root
    )


def test_the_core_venv_has_no_cloud_sdk(core):
    python, env, root = core
    code = "import importlib.util as u; print([m for m in %r if u.find_spec(m)])" % (CLOUD_SDKS,)
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=env, check=True, cwd=root)
    assert done.stdout.strip() == "[]"
    where = subprocess.run(
        [str(python), "-c", "import pulumi_docker_machine; print(pulumi_docker_machine.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=root,
    )
    assert "/venv/" in where.stdout, "the package is the wheel's, not the checkout's"


@pytest.mark.parametrize("driver", sorted(EXTRAS))
def test_a_cloud_driver_without_its_sdk_names_the_extra(core, driver):
    done = run(core, "create", "-d", driver, "m")
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stdout + done.stderr
    assert lines[0].endswith(f"needs its SDK: pip install 'pulumi-docker-machine[{EXTRAS[driver]}]'")
    store = Path(core[1]["MACHINE_STORAGE_PATH"])
    assert not (store / "machines" / "m").exists(), "nothing made"


def test_help_every_command_and_the_read_commands_work(core):
    python, env, root = core
    code = (
        "from click.testing import CliRunner\n"
        "from pulumi_docker_machine.cli.app import cli\n"
        "from pulumi_docker_machine.cli.commands import COMMANDS\n"
        "for name in COMMANDS:\n"
        "    result = CliRunner().invoke(cli, [name, '--help'])\n"
        "    assert result.exit_code == 0, (name, result.output)\n"
        "import sys\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in %r))\n" % (CLOUD_SDKS,)
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=env, cwd=root)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr
    for args in (("--help",), ("ls",), ("create", "-d", "amazonec2", "--help"), ("version",)):
        result = run(core, *args)
        assert result.returncode == 0, (args, result.stdout + result.stderr)
    assert "--amazonec2-security-group" in run(core, "create", "-d", "amazonec2", "--help").stdout


MOCK_PROGRAM = """
import base64, sys, dill, pulumi
from pulumi.runtime import rpc
from pulumi_docker_machine.components import DockerMachine, DockerMachineArgs, GenericDriver
from pulumi_docker_machine.components.drivers import driver_from_dict

def plain(value):
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return plain(value["value"])
        return {k: plain(v) for k, v in value.items()}
    return [plain(v) for v in value] if isinstance(value, list) else value

class Mocks(pulumi.runtime.Mocks):
    # The key material's dynamic providers run, as the engine's provider host would run them.
    def new_resource(self, args):
        inputs = plain(dict(args.inputs))
        if args.typ.rsplit(":", 1)[-1] in ("CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey"):
            blob = inputs.pop("__provider")
            provider = dill.loads(base64.b64decode(blob))
            made = provider.create(provider.check({}, inputs).inputs)
            return made.id, {**made.outs, "__provider": blob}
        if args.typ.endswith(":QemuVM"):  # the forwarded ports its provider would report
            inputs.update(ssh_port=2222, docker_port=2376, ssh_host="127.0.0.1")
        return args.name + "-id", inputs
    def call(self, args):
        return {}

pulumi.runtime.set_mocks(Mocks(), project="p", stack="s", preview=False)

@pulumi.runtime.test
def machines():
    made = [
        DockerMachine("g", DockerMachineArgs(driver=GenericDriver(ip_address="203.0.113.5", ssh_key=None))),
        DockerMachine("q", DockerMachineArgs(driver=driver_from_dict("qemu", {"storage_path": sys.argv[1]}))),
    ]
    return pulumi.Output.all(*[m.driver for m in made])

machines()
print(sorted(m for m in sys.modules if m.split(".")[0] in %r))
"""


def test_generic_and_qemu_machines_import_no_cloud_sdk(core, tmp_path):
    python, env, root = core
    done = subprocess.run(
        [str(python), "-c", MOCK_PROGRAM % (CLOUD_SDKS,), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    assert done.returncode == 0 and done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_the_install_sizes(core, tmp_path_factory):
    """The core install is the smaller by far: [all] adds the five clouds' SDKs (figures for the README)."""
    wheel = session_wheel(tmp_path_factory)
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    core_bytes = installed_bytes(closure(metadata).values())
    all_bytes = installed_bytes(closure(metadata, ("all",)).values())
    print(f"core {core_bytes / 1e6:.0f} MB, [all] {all_bytes / 1e6:.0f} MB")
    assert core_bytes * 3 < all_bytes
