"""Rendering the provisioning that turns a Linux host into a Docker engine behind mutual TLS.

The result is what the component hands to ``pulumi_command.remote.Command``:
``command`` (a POSIX sh script with no secrets in it, fine to show in a diff or
a process listing) and ``stdin`` (the certificates, the server key and the
engine's environment, ``--engine-env``: secrets that only ever travel through
the SSH channel; on the host the environment goes into a 0600 file that
systemd's ``EnvironmentFile=`` or the launcher reads).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from importlib.resources import files

from ..engine import EngineOptionError, EngineOptions
from ..names import MAX_NAME_LENGTH, valid_machine_name

DOCKER_DIR = "/etc/docker"
CA_PATH = f"{DOCKER_DIR}/ca.pem"
SERVER_CERT_PATH = f"{DOCKER_DIR}/server.pem"
SERVER_KEY_PATH = f"{DOCKER_DIR}/server-key.pem"
DAEMON_JSON_PATH = f"{DOCKER_DIR}/daemon.json"
ENGINE_ENV_PATH = f"{DOCKER_DIR}/docker-machine.env"  # --engine-env, 0600, never in a command line
ENGINE_ENV_BEGIN = "-----BEGIN DOCKER-MACHINE ENGINE ENV-----"
ENGINE_ENV_END = "-----END DOCKER-MACHINE ENGINE ENV-----"

DEFAULT_DAEMON_TIMEOUT = 120  # seconds for dockerd to answer after a restart
DEFAULT_CLOUD_INIT_TIMEOUT = 600  # seconds to wait for cloud-init on a new VM

# One argument of a Linux command line may be at most 128 KiB (MAX_ARG_STRLEN).
_MAX_SCRIPT_BYTES = 120 * 1024
_HEREDOC_END = "DOCKER_MACHINE_EOF"
_HEADER = (
    "#!/bin/sh\n# docker-machine provisioning, generated: see components/provision in pulumi-docker-machine.\nset -eu\n"
)


@dataclass(frozen=True)
class Provisioning:
    """A remote command and the standard input to send with it."""

    command: str
    stdin: str


def daemon_config(engine: EngineOptions, driver: str) -> dict:
    """The machine's ``/etc/docker/daemon.json``."""
    config: dict = {
        "hosts": ["unix:///var/run/docker.sock", f"tcp://0.0.0.0:{engine.port}"],
        "tls": True,
        "tlsverify": True,
        "tlscacert": CA_PATH,
        "tlscert": SERVER_CERT_PATH,
        "tlskey": SERVER_KEY_PATH,
        "labels": engine.all_labels(driver),
    }
    if engine.storage_driver:
        config["storage-driver"] = engine.storage_driver
    if engine.registry_mirrors:
        config["registry-mirrors"] = list(engine.registry_mirrors)
    if engine.insecure_registries:
        config["insecure-registries"] = list(engine.insecure_registries)
    return config


def _systemd_word(value: str) -> str:
    """One ExecStart= argument: double-quoted, with systemd's specifier and variable escapes."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


def systemd_dropin(engine: EngineOptions) -> str:
    """Drop-in for docker.service: clears the unit's ``-H fd://`` so daemon.json's hosts apply.

    ``@DOCKERD@`` is replaced on the host by dockerd's path (it differs between packages).
    """
    command = " ".join(
        ["@DOCKERD@", f"--config-file={DAEMON_JSON_PATH}", *(_systemd_word(f) for f in engine.dockerd_flags())]
    )
    lines = ["[Service]", f"EnvironmentFile={ENGINE_ENV_PATH}", "ExecStart=", f"ExecStart={command}"]
    return "\n".join(lines) + "\n"


def launcher(engine: EngineOptions) -> str:
    """The script that runs dockerd on a host without systemd."""
    lines = [
        "#!/bin/sh",
        "# Written by docker-machine: runs dockerd with this machine's engine options.",
        "set -a",
        f". {ENGINE_ENV_PATH}",
        "set +a",
    ]
    args = ["@DOCKERD@", f"--config-file={DAEMON_JSON_PATH}", *engine.dockerd_flags()]
    lines.append("exec " + " ".join(args[:1] + [shlex.quote(a) for a in args[1:]]))
    return "\n".join(lines) + "\n"


def _heredoc_function(name: str, content: str) -> str:
    if any(line == _HEREDOC_END for line in content.splitlines()):
        raise ValueError(f"{name} content contains the line {_HEREDOC_END}")
    return f"{name}() {{\n    cat <<'{_HEREDOC_END}'\n{content.rstrip(chr(10))}\n{_HEREDOC_END}\n}}\n"


def body() -> str:
    """The fixed part of the script: its functions and ``main``."""
    return files(__package__).joinpath("provision.sh").read_text()


def render_script(
    engine: EngineOptions,
    driver: str,
    *,
    hostname: str | None = None,
    ssh_user: str = "root",
    daemon_timeout: int = DEFAULT_DAEMON_TIMEOUT,
    cloud_init_timeout: int = DEFAULT_CLOUD_INIT_TIMEOUT,
    reinstall: bool = False,
) -> str:
    """The whole provisioning script for one machine (``reinstall``: run the installer even over Docker)."""
    if hostname is not None and not valid_machine_name(hostname):
        raise ValueError(
            f"invalid hostname {hostname!r}: allowed hostname chars are 0-9a-zA-Z . - (starting with a letter or digit)"
        )
    if not re.match(r"^[a-z][a-z0-9_-]*$", driver):
        raise ValueError(f"invalid driver name {driver!r}")
    for name, value in (("daemon_timeout", daemon_timeout), ("cloud_init_timeout", cloud_init_timeout)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number of seconds >= 1, not {value!r}")
    settings = {
        "MACHINE_HOSTNAME": hostname or "",
        "MACHINE_SSH_USER": ssh_user,
        "ENGINE_INSTALL_URL": engine.install_url,
        "ENGINE_PORT": str(engine.port),
        "DAEMON_TIMEOUT": str(daemon_timeout),
        "CLOUD_INIT_TIMEOUT": str(cloud_init_timeout),
        "ENGINE_REINSTALL": "yes" if reinstall else "no",
    }
    parts = [
        _HEADER,
        "".join(f"{key}={shlex.quote(value)}\n" for key, value in settings.items()),
        _heredoc_function("daemon_json", json.dumps(daemon_config(engine, driver), indent=4)),
        _heredoc_function("systemd_dropin", systemd_dropin(engine)),
        _heredoc_function("launcher", launcher(engine)),
        body(),
        'main "$@"\n',
    ]
    script = "\n".join(parts)
    size = len(script.encode())
    if size > _MAX_SCRIPT_BYTES:
        raise EngineOptionError(
            f"the engine options make the provisioning script {size} bytes, more than the "
            f"{_MAX_SCRIPT_BYTES} one command line takes: use fewer or shorter --engine-* values"
        )
    return script


def render_deprovision_script() -> str:
    """The script that removes what provisioning configured (Docker stays installed)."""
    return "\n".join([_HEADER, body(), "deprovision\n"])


def check_command_size(engine: EngineOptions, driver: str) -> None:
    """Before anything is made: engine options that would make the script too long (EngineOptionError)."""
    render_script(engine, driver, hostname="h" * MAX_NAME_LENGTH, ssh_user="x" * 32)  # the longest allowed


def remote_command(script: str, ssh_user: str = "root") -> str:
    """The command line run over SSH; non-root users go through passwordless sudo."""
    run = f"sh -c {shlex.quote(script)}"
    return run if ssh_user == "root" else f"sudo -n {run}"


def certificate_bundle(ca_pem: str, server_cert_pem: str, server_key_pem: str) -> str:
    """The start of the provisioning's standard input: CA certificate, server certificate, server key."""
    return "".join(pem.strip() + "\n" for pem in (ca_pem, server_cert_pem, server_key_pem))


def _env_value(value: str) -> str:
    """A value in double quotes, read the same by POSIX sh and by systemd's EnvironmentFile= (both take
    backslash before any of ``\\ " ` $`` as that character; EnvironmentFile= expands no specifiers)."""
    return '"' + "".join("\\" + c if c in '\\"`$' else c for c in value) + '"'


def engine_environment(engine: EngineOptions) -> str:
    """The ``--engine-env`` block of the standard input: the content of ENGINE_ENV_PATH between two marker lines
    (EngineOptions has refused names that are not shell names and values holding a line break)."""
    lines = [f"{name}={_env_value(value)}" for name, value in engine.env_pairs()]
    return "\n".join([ENGINE_ENV_BEGIN, *lines, ENGINE_ENV_END]) + "\n"


def provisioning_stdin(engine: EngineOptions, ca_pem: str, server_cert_pem: str, server_key_pem: str) -> str:
    """Standard input of the provisioning: the three PEM blocks, then the engine's environment."""
    return certificate_bundle(ca_pem, server_cert_pem, server_key_pem) + engine_environment(engine)


def provisioning(
    engine: EngineOptions,
    driver: str,
    *,
    ca_pem: str,
    server_cert_pem: str,
    server_key_pem: str,
    hostname: str | None = None,
    ssh_user: str = "root",
    daemon_timeout: int = DEFAULT_DAEMON_TIMEOUT,
    cloud_init_timeout: int = DEFAULT_CLOUD_INIT_TIMEOUT,
) -> Provisioning:
    """Command and standard input, exactly as ``remote.Command`` sends them."""
    script = render_script(
        engine,
        driver,
        hostname=hostname,
        ssh_user=ssh_user,
        daemon_timeout=daemon_timeout,
        cloud_init_timeout=cloud_init_timeout,
    )
    return Provisioning(
        command=remote_command(script, ssh_user),
        stdin=provisioning_stdin(engine, ca_pem, server_cert_pem, server_key_pem),
    )
