"""``docker-machine env`` output eval'ed by the real shells: a value from config.json is data, never code.

A machine's certificate folder (``HostOptions.AuthOptions.StorePath``, printed as DOCKER_CERT_PATH) comes
from config.json, which anyone who can write the store controls. Each shell here that is installed
(bash, zsh, fish, tcsh; in CI all four are required) evals the output of ``env --shell X`` as its hint
says, then prints the variable: it must be the folder's path exactly, and nothing may have run.
Ordinary values must print byte for byte as docker-machine 0.16 prints them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pulumi_docker_machine.cli.app import cli
from pulumi_docker_machine.cli import shells
from tests.conftest import require

# Each shell's own code in a double-quoted string, plus what would close the quote and start a command.
HOSTILE = (
    'x";touch PWNED1;echo "',
    "$(touch PWNED2)",
    "`touch PWNED3`",
    "(touch PWNED4)",
    "$HOME",
    "back\\slash\\",
    "bang!1",
    "it's",
    "$(touch PWNED5",
    "a\\",
    '"',
)
# tcsh's eval `...` globs before it reads quotes, so tcsh refuses these (below); the others take them.
BRACES = ("${HOME}", 'a{,";touch PWNED6;"}', "{a,b}")


def hostile_store_path(root: Path, shell: str) -> Path:
    return root / "x" / "/".join(HOSTILE + (() if shell == "tcsh" else BRACES)) / "dev"


def point_dev_at(world, folder: Path) -> None:
    """Make 'dev' keep its certificates in ``folder`` (AuthOptions.StorePath), as a hostile store would."""
    store = world.store()
    host = store.load("dev")
    folder.mkdir(parents=True)
    for name in ("ca.pem", "cert.pem", "key.pem"):
        shutil.copy(host.machine_dir / name, folder / name)
    host.auth["StorePath"] = str(folder)
    store.save(host, docker_context=False)


def env_output(*args: str) -> str:
    result = CliRunner().invoke(cli, ["env", *args, "dev"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


# How each shell evals the output (its own hint) and prints the variable afterwards.
EVAL = {
    "bash": ["bash", "--norc", "--noprofile", "-c", 'eval "$(cat out)" && printenv DOCKER_CERT_PATH'],
    "bash-unquoted": ["bash", "--norc", "--noprofile", "-c", "eval $(cat out) && printenv DOCKER_CERT_PATH"],
    "zsh": ["zsh", "-f", "-c", 'eval "$(cat out)" && printenv DOCKER_CERT_PATH'],
    "fish": ["fish", "--no-config", "-c", "eval (cat out); and printenv DOCKER_CERT_PATH"],
    "tcsh": ["tcsh", "-f", "-c", "eval `cat out` && printenv DOCKER_CERT_PATH"],
}


def shell_binary(name: str) -> str:
    binary = EVAL[name][0]
    require([] if shutil.which(binary) else [f"{binary} (apt-get install {binary})"], f"env eval in {binary}")
    return binary


@pytest.mark.parametrize("shell", sorted(EVAL))
def test_a_hostile_cert_path_is_data_in_every_shell(world, engine, tmp_path, shell):
    binary = shell_binary(shell)
    folder = hostile_store_path(tmp_path, shell)
    point_dev_at(world, folder)
    output = env_output() if binary == "bash" else env_output("--shell", binary)
    work = tmp_path / "work"
    work.mkdir()
    (work / "out").write_text(output)
    result = subprocess.run(
        EVAL[shell],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, (output, result.stderr)
    assert sorted(p.name for p in work.iterdir()) == ["out"], output  # no PWNED file: nothing ran
    assert result.stdout == f"{folder}\n", output


def test_ordinary_values_print_as_docker_machine_prints_them(world, engine, tmp_path):
    """A folder with spaces, quotes of another kind, #, %, ~ and non-ASCII letters: printed verbatim."""
    folder = tmp_path / "my machines" / "it's ~ #1 50% ünïcode" / "dev"
    point_dev_at(world, folder)
    url = f"tcp://127.0.0.1:{engine.port}"
    assert env_output() == (
        f'export DOCKER_TLS_VERIFY="1"\nexport DOCKER_HOST="{url}"\n'
        f'export DOCKER_CERT_PATH="{folder}"\nexport DOCKER_MACHINE_NAME="dev"\n'
        "# Run this command to configure your shell: \n# eval $(docker-machine env dev)\n"
    )
    assert env_output("--shell", "fish").splitlines()[2] == f'set -gx DOCKER_CERT_PATH "{folder}";'
    assert env_output("--shell", "tcsh").splitlines()[2] == f'setenv DOCKER_CERT_PATH "{folder}";'
    assert env_output("--shell", "powershell").splitlines()[2] == f'$Env:DOCKER_CERT_PATH = "{folder}"'
    assert env_output("--shell", "emacs").splitlines()[2] == f'(setenv "DOCKER_CERT_PATH" "{folder}")'


def test_cmd_refuses_what_it_cannot_quote_in_one_line(world, engine, tmp_path):
    folder = tmp_path / "a&calc" / "dev"
    point_dev_at(world, folder)
    result = CliRunner().invoke(cli, ["env", "--shell", "cmd", "dev"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: DOCKER_CERT_PATH {str(folder)[:80]!r} can't be printed for cmd safely: it holds '&', which cmd.exe "
        "would act on: use another --shell (powershell), or move the store to a path without it"
    ]


@pytest.mark.parametrize("part", ['a{,";touch PWNED;"}', "x*", "[ab]", "what?"])
def test_tcsh_refuses_what_its_eval_would_glob(world, engine, tmp_path, part):
    folder = tmp_path / part / "dev"
    point_dev_at(world, folder)
    glob = next(c for c in part if c in "{}*?[")
    result = CliRunner().invoke(cli, ["env", "--shell", "tcsh", "dev"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: DOCKER_CERT_PATH {str(folder)[:80]!r} can't be printed for tcsh safely: it holds {glob!r}, which "
        "tcsh's eval `...` expands before any quoting applies: fix it where it comes from (the machine's "
        "config.json, or no_proxy/NO_PROXY in your environment)"
    ]


def test_a_control_character_from_the_environment_is_refused(world, engine, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "example.com\n$(touch PWNED)")
    result = CliRunner().invoke(cli, ["env", "--no-proxy", "dev"])
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith(
        "Error: NO_PROXY 'example.com\\n$(touch PWNED),127.0.0.1' can't be printed for "
        "bash safely: it holds a control character ('\\n')"
    )


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        # PowerShell and Emacs are not installed here: their quoting is checked against their documented syntax.
        ("powershell", '$Env:K = "a`$(x)``b`"c\\d`\u201ce"\n'),
        ("emacs", '(setenv "K" "a$(x)`b\\"c\\\\d\u201ce")\n'),
        ("bash", 'export K="a\\$(x)\\`b\\"c\\\\d\u201ce"\n'),
        ("fish", 'set -gx K "a\\$(x)`b\\"c\\\\d\u201ce";\n'),
        ("tcsh", 'setenv K "a"\'$\'"(x)"\'`\'"b"\'"\'"c"\'\\\'"d\u201ce";\n'),
    ],
)
def test_each_shell_escapes_what_it_expands(shell, expected):
    assert shells.shell(shell).set("K", 'a$(x)`b"c\\d\u201ce') == expected
