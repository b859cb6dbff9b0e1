"""A stack's exported state (``pulumi stack export --show-secrets``) with its providers' moved module paths
rewritten (picklerewrite.py): every dynamic resource's ``__provider``, in its inputs and its outputs, in the
resources and in the pending operations. Nothing else changes.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from typing import Any

from .picklerewrite import Refused, mentions_moved_module, rewrite

PROVIDER_KEY = "__provider"
# How the engine marks a secret value in exported state (sdk/go/common/resource/sig).
SECRET_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
MAX_VALUE = 8192  # base64 of picklerewrite.MAX_BYTES, and room to spare


def migrate_deployment(deployment: Any) -> tuple[dict, list[str]]:
    """(the deployment rewritten, the URNs of the resources changed); ``Refused`` names the resource whose
    provider is not one this project wrote, and then nothing is returned changed."""
    if not isinstance(deployment, dict):
        raise Refused("the exported state is not a deployment")
    migrated = copy.deepcopy(deployment)
    changed = []
    for resource in _resources(migrated):
        urn = str(resource.get("urn", "?"))
        touched = False
        for section in ("inputs", "outputs"):
            properties = resource.get(section)
            if isinstance(properties, dict) and PROVIDER_KEY in properties:
                try:
                    new = _migrate_value(properties[PROVIDER_KEY])
                except Refused as err:
                    raise Refused(f"{urn}: {err}") from None
                if new is not None:
                    properties[PROVIDER_KEY] = new
                    touched = True
        if touched:
            changed.append(urn)
    return migrated, changed


def _resources(deployment: dict) -> list[dict]:
    resources = deployment.get("resources") or []
    pending = deployment.get("pending_operations") or []
    if not isinstance(resources, list) or not isinstance(pending, list):
        raise Refused("the exported state's resources are not a list")
    found = resources + [op.get("resource") for op in pending if isinstance(op, dict)]
    if not all(isinstance(resource, dict) for resource in found):
        raise Refused("a resource of the exported state is not an object")
    return found


def _migrate_value(value: Any) -> Any:
    """The value rewritten (kept a secret when it was one), or None when it needs no change."""
    if isinstance(value, str):
        return _migrate_text(value)
    if isinstance(value, dict) and value.get(SECRET_KEY) == SECRET_SIG:
        if "plaintext" not in value:
            raise Refused("its provider is an encrypted secret (the state must be exported with its secrets shown)")
        try:
            inner = json.loads(value["plaintext"])
        except (TypeError, ValueError):
            raise Refused("its provider's secret is not JSON") from None
        if not isinstance(inner, str):
            raise Refused("its provider is not a string")
        new = _migrate_text(inner)
        return None if new is None else {**value, "plaintext": json.dumps(new)}
    raise Refused("its provider is not a string")


def _migrate_text(text: str) -> str | None:
    if len(text) > MAX_VALUE:
        raise Refused(f"its provider is longer than {MAX_VALUE} characters")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Refused("its provider is not base64") from None
    if not mentions_moved_module(data):
        return None  # a current path, or someone else's provider: not ours to change
    new = rewrite(data)
    return None if new is None else base64.b64encode(new).decode("ascii")
