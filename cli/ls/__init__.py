"""``docker-machine ls``: every machine, its state probed over TLS in parallel."""

from __future__ import annotations

import os
import re
import sys

from ..application import Application
from ..gotemplate import TemplateError, render, uses
from ..engine_status import EngineStatus
from pulumi_docker_machine.store import HostConfig
from pulumi_docker_machine.store.migrated import DUE, migration_state, store_backend
from pulumi_docker_machine.store.swarms import swarm_membership
from ..table import tabulate
from .order import natural_key

DEFAULT_FORMAT = (
    "table {{ .Name }}\t{{ .Active }}\t{{ .DriverName}}\t{{ .State }}\t{{ .URL }}\t{{ .Swarm }}\t"
    "{{ .DockerVersion }}\t{{ .Error}}"
)
HEADERS = {
    "Name": "NAME",
    "Active": "ACTIVE",
    "ActiveHost": "ACTIVE_HOST",
    "ActiveSwarm": "ACTIVE_SWARM",
    "DriverName": "DRIVER",
    "State": "STATE",
    "URL": "URL",
    "SwarmOptions": "SWARM_OPTIONS",
    "Swarm": "SWARM",
    "EngineOptions": "ENGINE_OPTIONS",
    "DockerVersion": "DOCKER",
    "Error": "ERRORS",
    "ResponseTime": "RESPONSE",
}
FILTER_KEYS = ("driver", "state", "name", "swarm", "label")
PROBED = ("State", "URL", "DockerVersion", "Error", "ResponseTime")


def parse_filters(app: Application, filters: tuple[str, ...]) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep:
            app.abort(f"Unsupported filter syntax '{item}': use key=value")
        if key.lower() not in FILTER_KEYS:
            app.abort(f"Unsupported filter key '{key}'")
        if key.lower() == "name":
            try:
                re.compile(value)
            except re.error as err:
                app.abort(f"Error: invalid name filter '{value}': {err}: give a regular expression such as ^web")
        parsed.setdefault(key.lower(), []).append(value)
    return parsed


def matches(host: HostConfig, status: EngineStatus | None, filters: dict[str, list[str]]) -> bool:
    """Same key: any value matches. Different keys: all must."""
    tests = {
        "driver": lambda v: host.driver_name.lower() == v.lower(),
        "state": lambda v: status is not None and status.state.lower() == v.lower(),
        "name": lambda v: re.search(v, host.name) is not None,  # patterns checked in parse_filters
        "swarm": lambda v: (swarm_membership(host) or ("",))[0] == v,
        "label": lambda v: v in host.labels,
    }
    return all(any(tests[key](value) for value in values) for key, values in filters.items())


def swarm_column(host: HostConfig) -> str:
    """docker-machine's SWARM column: ``NAME (manager)`` for a manager (its ``(master)``), ``NAME`` otherwise."""
    membership = swarm_membership(host)
    if membership is None:
        return ""
    swarm, role = membership
    return f"{swarm} (manager)" if role == "manager" else swarm


def error_summary(error: str) -> str:
    """One line per machine: the first "Error: ..." line of a long reason, else its last line
    (the rest is in inspect and in the failed command's output)."""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    return next((line for line in lines if line.startswith("Error: ")), lines[-1] if lines else "")


def go_duration(ms: int) -> str:
    """A whole number of milliseconds as Go's time.Duration prints it (0.16.2's RESPONSE): 0s, 12ms, 1.5s, 1m0.25s."""
    if ms < 1000:
        return f"{ms}ms" if ms else "0s"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds = str(rest // 1000) + (f".{rest % 1000:03d}".rstrip("0") if rest % 1000 else "") + "s"
    return (f"{hours}h{minutes}m" if hours else f"{minutes}m" if minutes else "") + seconds


def row(host: HostConfig, status: EngineStatus | None, docker_host: str) -> dict:
    running = status is not None and status.state == "Running"
    # docker-machine's isActive: the URL matches and the machine runs (unknown unprobed: not stopped by us).
    host_options = host.data.get("HostOptions") or {}
    active = bool(docker_host) and host.url == docker_host and (running if status else not host.stopped_by_us)
    return {
        "Name": host.name,
        "Active": "*" if active else "-",
        "ActiveHost": active,
        "ActiveSwarm": False,
        "DriverName": host.driver_name,
        "State": status.state if status else "",
        "URL": host.url if running else "",
        "SwarmOptions": host_options.get("SwarmOptions"),
        "Swarm": swarm_column(host),
        "EngineOptions": host_options.get("EngineOptions"),
        "DockerVersion": status.docker_version if status else "",
        "Error": error_summary(status.error) if status else "",
        "ResponseTime": go_duration(round(status.response_time_ms)) if status is not None else "0s",
    }


def migrate_state_once(app: Application) -> None:
    """A store from before the pulumi_docker_machine namespace: its stacks migrated by the first ls (its one
    line on standard error, away from the table); otherwise two stats, no Pulumi."""
    if migration_state(app.store.root, store_backend(app.store.root)) != DUE:
        return
    from pulumi_docker_machine.automation.migrate import migrate_store_once
    from pulumi_docker_machine.automation.workspace import MachineWorkspace

    migrate_store_once(MachineWorkspace(app.store), say=lambda text: print(text, file=sys.stderr, flush=True))


def run(app: Application, *, quiet, filters, timeout, template) -> None:
    """List machines."""
    wanted = parse_filters(app, filters)
    migrate_state_once(app)
    hosts, broken = [], {}
    for name, entry in app.store.entries():
        if isinstance(entry, HostConfig):
            hosts.append(entry)
        else:  # listed with its reason, as 0.16.2 lists a host it can't load; it is not probed
            hosts.append(HostConfig({"Name": name, "DriverName": "not found"}))
            broken[name] = EngineStatus("Error", error=entry.reason)
    template = (template or DEFAULT_FORMAT).replace("\\t", "\t")
    needs_probe = "state" in wanted or (not quiet and uses(template, PROBED))
    statuses = dict(broken)
    if needs_probe:
        from ..probe import probe_all  # ssl and http.client: not for ls -q

        statuses = {**probe_all([h for h in hosts if h.name not in broken], timeout), **broken}
        from .backend import gone_from_backend

        statuses.update(gone_from_backend(app.store, hosts, statuses, timeout))
    docker_host = os.environ.get("DOCKER_HOST", "")
    selected = [h for h in hosts if matches(h, statuses.get(h.name), wanted)]
    if quiet:  # the machines that load, as 0.16.2's: a script gets names it can use
        for host in selected:
            if host.name not in broken:
                app.echo(host.name)
        return
    selected.sort(key=lambda host: natural_key(host.name))
    table = template.startswith("table ")
    body = template[len("table ") :] if table else template
    try:
        lines = [render(body, HEADERS)] if table else []
        lines += [render(body, row(h, statuses.get(h.name), docker_host)) for h in selected]
    except TemplateError as err:
        app.abort(f"Error: {err}")
    app.echo(tabulate(lines) if table else "".join(line + "\n" for line in lines), nl=False)
