"""A Docker CLI context per machine, so ``docker --context NAME ps`` works.

The Docker CLI's context store: ``$DOCKER_CONFIG/contexts/meta/<sha256 of the name>/meta.json``
and the TLS files in ``$DOCKER_CONFIG/contexts/tls/<sha256>/docker/``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pulumi_docker_machine.components.files import ensure_private_dir, remove_tree, write_atomic, write_private

MARK = "docker-machine"  # in the context's description: we only ever remove contexts we made


def docker_config_dir() -> Path:
    return Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def _digest(name: str) -> str:
    import hashlib  # ~6 ms: only the commands that touch a context pay for it

    return hashlib.sha256(name.encode()).hexdigest()


def meta_dir(name: str) -> Path:
    return docker_config_dir() / "contexts" / "meta" / _digest(name)


def tls_dir(name: str) -> Path:
    return docker_config_dir() / "contexts" / "tls" / _digest(name)


def write(name: str, url: str, machine_dir: Path) -> bool:
    """Write (or refresh) the machine's context; a context of the user's with that name is left alone."""
    if (meta_dir(name) / "meta.json").exists() and not ours(name):
        return False
    meta = {
        "Name": name,
        "Metadata": {"Description": f"{MARK} machine {name}"},
        "Endpoints": {"docker": {"Host": url, "SkipTLSVerify": False}},
    }
    folder = meta_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "meta.json", json.dumps(meta), 0o644)
    docker_tls = ensure_private_dir(tls_dir(name) / "docker")
    for file in ("ca.pem", "cert.pem", "key.pem"):
        source = machine_dir / file
        if source.is_file():
            write_private(docker_tls / file, source.read_bytes())
    return True


def ours(name: str) -> bool:
    try:
        meta = json.loads((meta_dir(name) / "meta.json").read_text())
    except (OSError, ValueError):
        return False
    return str(meta.get("Metadata", {}).get("Description", "")).startswith(MARK)


def remove(name: str) -> None:
    if ours(name):
        remove_tree(meta_dir(name))
        remove_tree(tls_dir(name))
