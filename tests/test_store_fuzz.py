"""Corrupt stores never crash: a fixed corpus of mutations of real config.json files (docker-machine 0.16's, for
every driver, and one as this tool writes it) and of swarm records, each run through every read command,
ssh/scp argument building and ``rm -f``, in process (click's CliRunner; the plain forms are the same bodies,
tests/test_cli_fast.py). Every command either works or says one line and exits 1; ``ls`` always lists;
``rm -f`` always removes. The corpus is generated from a fixed seed, so a failure reproduces.

Tests talk only to 127.0.0.0/8: addresses in the corpus are loopback or not addresses at all, and name
resolution is limited to loopback literals for the whole test, so a mutated host name never leaves this host.
"""

from __future__ import annotations

import copy
import json
import random
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from pulumi_docker_machine.cli.app import cli
from tests.conftest import LEGACY_FIXTURE, add_machine

SEED = 19
MUTATIONS = 400
SWARM_MUTATIONS = 200

# Values a hostile or broken store might hold where a string, number, object or list belongs.
NASTY = [
    None,
    "",
    "x",
    0,
    -1,
    65536,
    2**70,
    1.5,
    1e308,
    True,
    [],
    {},
    ["x"],
    {"x": 1},
    "[" * 40,
    "a" * 5000,
    "line\nbreak",
    "esc\x1b[31m",
    "nul\x00",
    '",ProxyCommand=touch /tmp/dmfuzz-pwned',
    "-oProxyCommand=x",
    '";touch dmfuzz;"',
    "$(touch dmfuzz)",
    "`touch dmfuzz`",
    "tcp://[::1",
    "tcp://127.0.0.2:99999",
    "tcp://",
    "fe80::1%$(id)",
    "fe80::1%lo",
    "127.0.0.3",
    "::1",
    "relative/path",
    "../../etc/passwd",
    "/dev/zero",
    "C:\\Users\\x",
    "\u2028",
    "ünïcode",
    "{}",
    "%s%n",
]
# Fixed entries: each crashed before (issue #19).
SPECIALS = {
    "brackets": "[" * 150_000,
    "driver-null": lambda d: d.update(Driver=None),
    "none-url": lambda d: (d.update(DriverName="none"), d["Driver"].update(URL="tcp://[::1")),
    "hostoptions-null": lambda d: d.update(HostOptions=None),
    "engineoptions-null": lambda d: d["HostOptions"].update(EngineOptions=None),
    "spec-driver-options": lambda d: d.setdefault("Pulumi", {}).update(
        Spec={"driver": "generic", "driver_options": "x"}
    ),
    "ssh-key-option": lambda d: d["Driver"].update(SSHKeyPath='/k",ProxyCommand=touch /tmp/dmfuzz-pwned'),
    "scope-id": lambda d: d["Driver"].update(IPAddress="fe80::1%$(touch dmfuzz)"),
    "store-path": lambda d: d["HostOptions"]["AuthOptions"].update(StorePath='/x";touch dmfuzz;"\n'),
}


def paths(node, prefix=()):
    """Every place in a JSON tree: (path, value)."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


def mutate(data, rng: random.Random):
    """One random change: a value replaced, a key dropped, a value nested or wrapped."""
    data = copy.deepcopy(data)
    places = [p for p, _ in paths(data) if p]
    path = rng.choice(places)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    action = rng.randrange(4)
    if action == 0 and isinstance(parent, dict):
        del parent[key]
    elif action == 1:
        value = parent[key]
        for _ in range(rng.choice((1, 3, 40))):
            value = [value] if rng.random() < 0.5 else {"x": value}
        parent[key] = value
    else:
        parent[key] = copy.deepcopy(rng.choice(NASTY))
    return data


def bases(root: Path) -> list[dict]:
    """Real config.json files named 'm': docker-machine 0.16's for each driver, and one this tool wrote."""
    text = (LEGACY_FIXTURE / "machines" / "legacy" / "config.json").read_text().replace("STORE", str(root))
    legacy = json.loads(text.replace("192.168.99.100", "127.0.0.2"))
    legacy.update(Name="m")
    legacy["Driver"]["MachineName"] = "m"
    found = [legacy]
    for fixture in sorted((LEGACY_FIXTURE / "drivers").glob("*.json")):
        config = copy.deepcopy(legacy)
        driver = json.loads(fixture.read_text().replace("STORE", str(root)))
        driver = json.loads(json.dumps(driver).replace('"192.168.', '"127.0.'))  # loopback only
        config.update(DriverName=fixture.stem, Driver={**driver, "MachineName": "m"})
        found.append(config)
    scratch = root.parent / "ours"
    add_machine(
        scratch,
        "m",
        ip="127.0.0.2",
        engine_port=1,
        labels=("env=fuzz",),
        docker_context=False,
        pulumi_extra={
            "Backend": "file:///nonexistent",
            "Spec": {"driver": "generic", "engine": {"labels": []}, "driver_options": {}, "tls_sans": []},
        },
    )
    found.append(json.loads((scratch / "machines" / "m" / "config.json").read_text()))
    return found


def corpus(root: Path) -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    originals = bases(root)
    entries = [(f"base-{i}", json.dumps(b)) for i, b in enumerate(originals)]
    for name, special in SPECIALS.items():
        if isinstance(special, str):
            entries.append((name, special))
            continue
        data = copy.deepcopy(originals[0])
        special(data)
        entries.append((name, json.dumps(data)))
    for i in range(MUTATIONS):
        data = mutate(rng.choice(originals), rng)
        text = json.dumps(data)
        if rng.random() < 0.1:  # a truncated write
            text = text[: rng.randrange(len(text))]
        entries.append((f"mutation-{i}", text))
    return entries


@pytest.fixture
def loopback_only(monkeypatch):
    """Name resolution answers only for 127.0.0.0/8 literals: no mutated host name reaches a resolver."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host  # the probe passes bytes
        if not (isinstance(name, str) and name.startswith("127.") and name.replace(".", "").isdigit()):
            raise socket.gaierror(socket.EAI_NONAME, f"the fuzz test resolves no {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def no_engine(monkeypatch, tmp_path):
    """No pulumi anywhere: rm -f of a machine that loads then forgets it without asking an engine."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("DOCKER_MACHINE_PULUMI_INSTALL", "never")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)


READ = [
    ["ls"],
    ["ls", "-q"],
    ["ls", "-t", "1"],
    ["inspect", "m"],
    ["inspect", "-f", "{{.Driver.IPAddress}}", "m"],
    ["ip", "m"],
    ["url", "m"],
    ["status", "m"],
    ["config", "m"],
    ["env", "m"],
    ["env", "--shell", "fish", "m"],
    ["env", "--shell", "cmd", "m"],
    ["active"],
    ["version", "m"],
]


def invoke(args: list[str]):
    return CliRunner().invoke(cli, args)


def check_one_line_or_success(label: str, args: list[str], result) -> None:
    where = f"{label}: {' '.join(args)}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{where}: {type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code in (0, 1), f"{where}: exit {result.exit_code}"
    if result.exit_code == 1:
        assert len(result.stderr.strip().splitlines()) == 1 or (
            args[0] in ("config", "env", "version")
            and result.stderr.startswith(("Error checking TLS connection", "Error running connection boilerplate"))
        ), f"{where}: {result.stderr!r}"
    if args[0] == "ls":
        assert result.exit_code == 0, f"{where}: {result.stderr!r}"


def ssh_arguments_are_safe(label: str, store) -> None:
    """ssh and scp get their host after "--" and no option from config.json's values."""
    from pulumi_docker_machine.sshargs import identity_options, ssh_command
    from pulumi_docker_machine.store import BrokenMachine

    try:
        host = store.load("m")
    except BrokenMachine:
        return
    if not host.ssh_host:
        return
    args = ssh_command(host, ["true"])
    at = args.index("--")
    assert args[at - 1 :] == ["m", "--", "true"], label  # the destination is the machine's name
    assert args[at - 7 : at - 5] == ["-o", f"HostName={host.ssh_host.replace('%', '%%')}"], label
    assert not host.ssh_host.startswith("-"), label
    for word in [*args, *identity_options(host)]:
        assert isinstance(word, str) and "\n" not in word and "ProxyCommand" not in word, (label, word)


def test_every_command_on_every_corrupt_config(world, loopback_only, no_engine, tmp_path):
    folder = world.root / "machines" / "m"
    entries = corpus(tmp_path / "corpus-root")
    assert len(entries) >= 250
    for label, text in entries:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(text)
        for args in READ:
            check_one_line_or_success(label, args, invoke(args))
        ssh_arguments_are_safe(label, world.store())
        result = invoke(["rm", "-f", "m"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{label}: rm -f: {type(result.exception).__name__}: {result.exception}"
        )
        assert result.exit_code == 0 and not folder.exists(), f"{label}: rm -f: {result.output!r}"
    assert not list(tmp_path.glob("dmfuzz*")) and not Path("/tmp/dmfuzz-pwned").exists()


def swarm_base() -> dict:
    return {
        "Name": "s",
        "Driver": "generic",
        "Managers": ["s-manager-1"],
        "Workers": ["s-worker-1"],
        "State": "Running",
        "Backend": "",
        "Spec": {
            "driver": "generic",
            "managers": 1,
            "workers": 1,
            "driver_options": {},
            "engine": {"labels": ["a=b"]},
            "manager_options": [{"driver_options": {"ip_address": "127.0.0.2"}}],
            "worker_options": [{"labels": {"x": "y"}}],
        },
    }


def test_every_swarm_command_on_every_corrupt_swarm_record(world, loopback_only, no_engine, tmp_path):
    from pulumi_docker_machine.store.swarms import BrokenSwarm, load_swarm
    from pulumi_docker_machine.components.files import remove_tree

    add_machine(world.root, "s-manager-1", ip="127.0.0.2", engine_port=1, docker_context=False)
    rng = random.Random(SEED)
    entries = [
        ("base", json.dumps(swarm_base())),
        ("brackets", "[" * 150_000),
        ("nested", json.dumps({**swarm_base(), "Spec": {"engine": json.loads("[" * 60 + "]" * 60)}})),
        ("driver-list", json.dumps({**swarm_base(), "Driver": ["x"]})),
        ("spec-string", json.dumps({**swarm_base(), "Spec": "x"})),
    ]
    entries += [(f"mutation-{i}", json.dumps(mutate(swarm_base(), rng))) for i in range(SWARM_MUTATIONS)]
    folder = world.root / "swarms" / "s"
    for label, text in entries:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(text)
        for args in (
            ["swarm", "ls"],
            ["swarm", "ls", "-q"],
            ["swarm", "env", "s"],
            ["ls"],
            ["ls", "--filter", "swarm=s"],
        ):
            check_one_line_or_success(label, args, invoke(args))
        try:
            load_swarm(world.store(), "s")
            broken = False
        except BrokenSwarm:
            broken = True
        result = invoke(["swarm", "rm", "-f", "s"])
        check_one_line_or_success(label, ["swarm", "rm", "-f", "s"], result)
        if broken:  # a record that loads is destroyed through the engine first (none here: it says so)
            assert result.exit_code == 0 and not folder.exists(), f"{label}: swarm rm -f: {result.output!r}"
        remove_tree(folder)
