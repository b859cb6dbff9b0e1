"""What a stack's state or a backend hands back is untrusted input: checked before it reaches the store.

A stack's outputs name folders (the machine name), ssh arguments (user, host, port) and URLs; a
hostile or broken stack must not write outside the store or smuggle an option into ssh.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from pulumi_docker_machine.components.names import USER_NAME, is_address, is_port, name_problem
from pulumi_docker_machine.components.ssh.hostkeys import host_keys_problem

_DOCKER_HOST = re.compile(r"tcp://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})")


class UntrustedValue(ValueError):
    pass


def machine_problems(name: Any, out: Mapping[str, Any]) -> list[str]:
    """What is wrong with one machine's outputs, each problem one line naming the value."""
    if name_problem(name):
        return [f"machine name {str(name)[:80]!r}: {name_problem(name)}"]
    problems = []
    user = out.get("ssh_user") or "root"
    if not isinstance(user, str) or not USER_NAME.fullmatch(user):
        problems.append(f"{name}: ssh_user {str(user)[:80]!r} is not a user name")
    for key in ("ip", "ssh_host"):
        if out.get(key) and not is_address(out[key]):
            problems.append(f"{name}: {key} {str(out[key])[:80]!r} is neither an IP address nor a host name")
    port = out.get("ssh_port")
    if port is not None and not (is_port(port) or (type(port) is int and port == 0)):  # 0: no SSH (none driver)
        problems.append(f"{name}: ssh_port {str(out['ssh_port'])[:20]!r} is not a TCP port")
    docker_host = out.get("docker_host") or ""
    url = _DOCKER_HOST.fullmatch(docker_host) if isinstance(docker_host, str) else None
    if docker_host and not (url and is_port(int(url.group(2)))):
        problems.append(f"{name}: docker_host {str(docker_host)[:80]!r} is not tcp://ADDRESS:PORT")
    for key in ("ca_pem", "client_cert_pem", "client_key_pem", "server_cert_pem", "ssh_private_key"):
        value = out.get(key)
        if value and not (isinstance(value, str) and value.lstrip().startswith("-----BEGIN ")):
            problems.append(f"{name}: {key} is not PEM text")
    for key in ("ca_pem", "client_cert_pem", "client_key_pem"):
        if not out.get(key):
            problems.append(f"{name}: {key} is missing")
    for key in ("engine", "driver_options"):
        if out.get(key) is not None and not isinstance(out[key], dict):
            problems.append(f"{name}: {key} is not a map")
    keys_problem = host_keys_problem(out.get("ssh_host_keys"))
    if keys_problem:
        problems.append(f"{name}: ssh_host_keys {keys_problem}")
    engine = out.get("engine")
    if not isinstance(engine, dict):
        engine = {}
    for key in ("labels", "env", "opts", "insecure_registries", "registry_mirrors"):
        value = engine.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            problems.append(f"{name}: engine.{key} is not a list of strings")
    return problems


def rehearse(writes: Mapping[str, Callable[[Any], Any]]) -> list[str]:
    """Run every machine's write against a scratch store, then load what it wrote as the commands will:
    the problems, one line each (empty: every write works and its config.json loads). Nothing of the real
    store is touched, so an import writes all of its machines or none (a shaped but malformed output
    fails here, not half-way through the real writes)."""
    from pulumi_docker_machine.components.files import PrivateTempFolder

    from ..store import Store

    problems = []
    with PrivateTempFolder("docker-machine-import-") as folder:
        scratch = Store(folder / "store")
        for name, write in writes.items():
            try:
                write(scratch)
                scratch.load(name)
            except (ValueError, TypeError, KeyError, AttributeError) as err:
                problems.append(f"{name}: {str(err).splitlines()[0] if str(err) else type(err).__name__}"[:300])
    return problems


def check_machine(name: Any, out: Mapping[str, Any]) -> None:
    problems = machine_problems(name, out)
    if problems:
        raise UntrustedValue("; ".join(problems))
