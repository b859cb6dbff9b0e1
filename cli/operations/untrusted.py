"""What a stack's state or a backend hands back is untrusted input: checked before it reaches the store.

A stack's outputs name folders (the machine name), ssh arguments (user, host, port) and URLs; a
hostile or broken stack must not write outside the store or smuggle an option into ssh.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from components.names import USER_NAME, is_address, is_port, name_problem

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
    if out.get("ssh_port") is not None and not is_port(out["ssh_port"]):
        problems.append(f"{name}: ssh_port {str(out['ssh_port'])[:20]!r} is not a TCP port")
    docker_host = out.get("docker_host") or ""
    url = _DOCKER_HOST.fullmatch(docker_host) if isinstance(docker_host, str) else None
    if docker_host and not (url and is_port(int(url.group(2)))):
        problems.append(f"{name}: docker_host {str(docker_host)[:80]!r} is not tcp://ADDRESS:PORT")
    for key in ("ca_pem", "client_cert_pem", "client_key_pem", "server_cert_pem", "ssh_private_key"):
        value = out.get(key)
        if value and not (isinstance(value, str) and value.lstrip().startswith("-----BEGIN ")):
            problems.append(f"{name}: {key} is not PEM text")
    for key in ("engine", "driver_options"):
        if out.get(key) is not None and not isinstance(out[key], dict):
            problems.append(f"{name}: {key} is not a map")
    return problems


def check_machine(name: Any, out: Mapping[str, Any]) -> None:
    problems = machine_problems(name, out)
    if problems:
        raise UntrustedValue("; ".join(problems))
