"""``STORE/pulumi/state-migrated.json``: which backends' stacks of this store are on the module paths of
pulumi_docker_machine (automation/migrate.py moves them, once). Read on every command, so cheap: no Pulumi.

``{"backends": [URL, ...]}``; ``"*"`` for a store this version made (it never wrote an old path). A store
that never ran the engine has neither of the engine's folders and nothing to migrate.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MARKER = Path("pulumi") / "state-migrated.json"
EVERY_BACKEND = "*"
# The workspace folders of the machines' and the swarms' projects (MachineWorkspace.work_dir).
WORKSPACE_FOLDERS = ("pulumi", "pulumi-docker-machine-swarm")
DONE, NEW, DUE = "done", "new", "due"


def store_backend(root: Path) -> str:
    """The backend the store's commands use without --backend-url (MachineWorkspace.backend)."""
    return os.environ.get("PULUMI_BACKEND_URL") or (root / "state").absolute().as_uri()


def migrated_backends(root: Path) -> list[str]:
    try:
        data = json.loads((root / MARKER).read_text())
    except (OSError, ValueError):
        return []
    backends = data.get("backends") if isinstance(data, dict) else None
    return [b for b in backends if isinstance(b, str)] if isinstance(backends, list) else []


def migration_state(root: Path, backend: str) -> str:
    """DONE (marked), NEW (the engine never ran for this store: nothing old in it) or DUE."""
    done = migrated_backends(root)
    if EVERY_BACKEND in done or backend in done:
        return DONE
    if not any((root / folder).is_dir() for folder in WORKSPACE_FOLDERS):
        return NEW
    return DUE
