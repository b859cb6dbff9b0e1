"""Shell completion through the installed ``docker-machine``: the scripts ``docker-machine completion bash|zsh|fish``
prints, sourced in the real bash and fish and asked for candidates as the shell asks them; zsh through its side of
click's protocol (its completion functions run only inside zsh's line editor). Candidates: commands, flags, the
drivers after -d, and the machine and swarm names of the store (-s or MACHINE_STORAGE_PATH)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

BIN = Path(sys.executable).parent
SCRIPT = BIN / "docker-machine"
# The built-ins and the example plugin make install puts in the test venv (examples/hetzner-driver).
DRIVERS = [
    "amazonec2",
    "azure",
    "digitalocean",
    "exoscale",
    "generic",
    "google",
    "hetzner",
    "hyperv",
    "libvirt",
    "none",
    "openstack",
    "qemu",
    "rackspace",
    "vcd",
    "virtualbox",
    "vmware",
    "vmwarevsphere",
]


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    """Machines dev and dev2 (and a folder whose name is no machine name), swarm web."""
    root = tmp_path / "store"
    for name in ("dev", "dev2", "bad name", "x\ny"):
        (root / "machines" / name).mkdir(parents=True)
        (root / "machines" / name / "config.json").write_text("{}")
    (root / "machines" / "half").mkdir()  # no config.json: no machine
    (root / "swarms" / "web").mkdir(parents=True)
    (root / "swarms" / "web" / "config.json").write_text("{}")
    monkeypatch.setenv("MACHINE_STORAGE_PATH", str(root))
    monkeypatch.setenv("PATH", f"{BIN}:{os.environ['PATH']}")
    return root


def shell(name: str) -> str:
    path = shutil.which(name)
    require([] if path else [f"{name} (Debian package {name})"], "the shell completion tests")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> dict[str, Path]:
    """Each shell's script as ``docker-machine completion SHELL`` prints it, in a file."""
    folder = tmp_path_factory.mktemp("completion")
    found = {}
    for sh in ("bash", "zsh", "fish"):
        found[sh] = folder / f"docker-machine.{sh}"
        done = subprocess.run([str(SCRIPT), "completion", sh], capture_output=True, text=True, check=True)
        found[sh].write_text(done.stdout)
    return found


def bash(scripts, line: str) -> list[str]:
    """What bash offers after ``line`` (complete words, then the one being typed): the sourced script's function."""
    program = (
        'source "$1"; shift\n'
        'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))\n'
        "_docker_machine_completion docker-machine\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    args = [shell("bash"), "--norc", "-c", program, "bash", str(scripts["bash"]), *line.split(" ")]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    assert done.stderr == ""
    return [word for word in done.stdout.splitlines() if word]


def fish(scripts, line: str) -> list[str]:
    """What fish offers after ``line``: ``complete -C`` with the sourced script."""
    program = 'source $argv[1]; complete -C "$argv[2]"'
    args = [shell("fish"), "--no-config", "-c", program, str(scripts["fish"]), line]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    assert done.stderr == ""
    return [word.split("\t")[0] for word in done.stdout.splitlines()]


def zsh(scripts, line: str) -> list[str]:
    """The zsh script's request (COMP_WORDS, COMP_CWORD as it sets them) and the values of its answer."""
    cword = str(len(line.split(" ")) - 1)
    env = {**os.environ, "_DOCKER_MACHINE_COMPLETE": "zsh_complete", "COMP_WORDS": line, "COMP_CWORD": cword}
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, check=True)
    answer = done.stdout.strip("\n").split("\n") if done.stdout.strip() else []
    assert len(answer) % 3 == 0 and set(answer[0::3]) <= {"plain"}, answer
    return answer[1::3]


def test_bash_offers_commands_flags_drivers_machines_and_swarms(store, scripts, tmp_path):
    assert bash(scripts, "docker-machine st") == ["stack", "start", "status", "stop"]
    assert {"-q", "--quiet", "--backend-url", "--help"} <= set(bash(scripts, "docker-machine stop -"))
    assert bash(scripts, "docker-machine create -d ") == DRIVERS
    assert bash(scripts, "docker-machine create -d generic ") == [], "a new name: nothing to offer"
    assert bash(scripts, "docker-machine stop dev ") == ["dev", "dev2"], "a folder with a bad name is left out"
    assert (
        bash(scripts, "docker-machine scp d") == ["dev:", "dev2:"] and bash(scripts, "docker-machine scp dev:/") == []
    )
    assert bash(scripts, "docker-machine swarm rm ") == ["web"]
    assert bash(scripts, "docker-machine stack deploy ") == ["web"]
    assert bash(scripts, "docker-machine help con") == ["config"]
    other = tmp_path / "other"
    (other / "machines" / "far").mkdir(parents=True)
    (other / "machines" / "far" / "config.json").write_text("{}")
    assert bash(scripts, f"docker-machine -s {other} ssh ") == ["far"], "-s as typed"


@pytest.mark.parametrize("ask", [fish, zsh])
def test_fish_and_zsh_offer_drivers_machines_and_swarms(store, scripts, ask):
    assert ask(scripts, "docker-machine ip ") == ["dev", "dev2"]
    assert ask(scripts, "docker-machine swarm env w") == ["web"]
    assert set(ask(scripts, "docker-machine swarm create -d ")) == set(DRIVERS)


def test_the_scripts_are_click_s_and_zsh_registers_its_own(store, scripts):
    standard = subprocess.run(
        [str(SCRIPT)], env={**os.environ, "_DOCKER_MACHINE_COMPLETE": "bash_source"}, capture_output=True, text=True
    )
    assert standard.stdout == scripts["bash"].read_text(), "click's standard variable prints the same script"
    # zsh reads its script, and compinit registers the completion function for docker-machine.
    program = 'autoload -Uz compinit && compinit -u -d "$1"; source "$2"; print -r -- $_comps[docker-machine]'
    args = [shell("zsh"), "-f", "-c", program, "zsh", str(store / "zcompdump"), str(scripts["zsh"])]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.stdout.strip() == "_docker_machine_completion", done.stderr


def test_an_unknown_shell_is_one_line_and_the_shells_are_candidates(store, scripts):
    done = subprocess.run([str(SCRIPT), "completion", "tcsh"], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "Error: no completion for the shell 'tcsh': give bash, zsh or fish\n"
    assert bash(scripts, "docker-machine completion ") == ["bash", "zsh", "fish"]
