"""DigitalOcean droplet power: a dynamic provider through DigitalOcean's droplet actions API (pulumi-digitalocean
has no power resource).

Pickled by reference into every stack's state: this module's path and ``DropletPowerProvider`` are a contract
(pulumi_docker_machine/automation/providerpaths.py).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, Optional

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

API_URL = "https://api.digitalocean.com/v2"
POWER_TIMEOUT = 300


class DropletPowerProvider(ResourceProvider):
    """A droplet's wanted power state, through DigitalOcean's droplet actions API.

    The API token is a (secret) input, never captured by the provider.
    """

    def _call(self, props: dict[str, Any], method: str, path: str, body: Optional[dict] = None) -> dict:
        request = urllib.request.Request(  # noqa: S310 - https API (or a test's loopback)
            f"{props.get('api_url') or API_URL}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {props['token']}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - https API (or a test's loopback)
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")
            raise RuntimeError(f"DigitalOcean API {method} {path} failed: {err.code} {detail}") from None

    def _status(self, props: dict[str, Any]) -> str:
        return self._call(props, "GET", f"/droplets/{props['droplet_id']}")["droplet"]["status"]

    def _apply(self, props: dict[str, Any]) -> str:
        deadline = time.monotonic() + float(props.get("timeout") or POWER_TIMEOUT)
        status = self._status(props)
        while status == "new":  # still being created: it comes up on its own
            if time.monotonic() > deadline:
                raise RuntimeError(f"droplet {props['droplet_id']} is still being created")
            time.sleep(2)
            status = self._status(props)
        wanted = "active" if props["state"] == "running" else "off"
        if status == wanted:
            return status
        kind = "power_on" if wanted == "active" else ("power_off" if props.get("force") else "shutdown")
        action = self._call(props, "POST", f"/droplets/{props['droplet_id']}/actions", {"type": kind})["action"]
        while action["status"] == "in-progress":
            if time.monotonic() > deadline:
                raise RuntimeError(f"droplet {props['droplet_id']}: {kind} did not finish in time")
            time.sleep(2)
            action = self._call(props, "GET", f"/actions/{action['id']}")["action"]
        if action["status"] != "completed":
            raise RuntimeError(f"droplet {props['droplet_id']}: {kind} ended {action['status']}")
        return wanted

    def _outs(self, props: dict[str, Any], status: str) -> dict[str, Any]:
        return {
            "droplet_id": props["droplet_id"],
            "state": props["state"],
            "force": bool(props.get("force")),
            "status": status,
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['droplet_id']}-power", self._outs(props, self._apply(props)))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = ["droplet_id"] if str(news.get("droplet_id")) != str(olds.get("droplet_id")) else []
        changed = (
            replaces or news.get("state") != olds.get("state") or bool(news.get("force")) != bool(olds.get("force"))
        )
        return DiffResult(changes=bool(changed), replaces=replaces)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outs(news, self._apply(news)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo: the droplet keeps whatever power state it has."""


class DropletPower(Resource, module="docker-machine", name="DropletPower"):
    status: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(DropletPowerProvider(), name, {"status": None, **props}, opts)
