"""docker-machine's rule for machine names, and where its machine store lives."""

from __future__ import annotations

import os
import re
from pathlib import Path

MACHINE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-\.]*$")
INVALID_NAME = "Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -"


def default_store_root() -> Path:
    """``MACHINE_STORAGE_PATH``, else ``~/.docker/machine``."""
    return Path(os.environ.get("MACHINE_STORAGE_PATH") or Path.home() / ".docker" / "machine")
