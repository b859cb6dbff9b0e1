"""The machine verbs, for the CLI and for Python apps: create, remove, start/stop/kill, restart, provision,
regenerate certificates, and a machine's environment.

    from pulumi_docker_machine.automation import MachineSpec, create_machine, remove_machine, machine_env
    create_machine("dev", MachineSpec(driver="digitalocean", driver_options={"region": "fra1"}))
    machine_env("dev")  # {"DOCKER_HOST": ..., "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": ..., ...}

Each call opens the machine's stack in the store's workspace and runs one Pulumi update (runner.py).
"""

from __future__ import annotations

import dataclasses
import secrets as random
from typing import Optional, Sequence

from pulumi_docker_machine.components.drivers import DriverArgumentError, DriverInfo, describe
from pulumi_docker_machine.components.drivers.info import POWER_STATE, SSH_REBOOT, PreCreateCheckError
from pulumi_docker_machine.components.names import name_problem

from ..knownhosts import HostKeyPin
from ..store import BrokenMachine, HostConfig, MachineNotFound, Store
from ..store.swarms import swarm_membership
from .adoption import kept_config
from .certs import ensure_shared_certs, signed_by_another_ca
from .errors import MachineError, PreCreateCheckFailed, declared_elsewhere, in_swarm, not_ours
from .runner import MACHINES, Say, destroy_stack, locked, quiet, up_stack, workspace_for
from .settings import NAMESPACE, MachineSpec, machine_args, secret_option_names, to_config
from .storesync import mark_error, write_machine
from .workspace import MachineWorkspace


def _workspace(workspace: Optional[MachineWorkspace], store: Optional[Store], say: Say) -> MachineWorkspace:
    return workspace_for(MACHINES, workspace, store, say)


def check_configuration(name: str, spec: MachineSpec) -> None:
    """What docker-machine checks before "Running pre-create checks...": the name, then the driver's flags
    (its SetConfigFromFlags), the engine options and SANs: the component's own checks of the arguments
    ``spec`` makes. Exit 1; nothing is created."""
    from pulumi_docker_machine.components.machine import validate

    if name_problem(name):
        raise MachineError(f"Error creating machine: {name_problem(name)}")
    try:
        validate(name, machine_args(spec))
    except (ValueError, TypeError) as err:
        raise MachineError(f"Error setting machine configuration from flags provided: {err}") from None


# The credentials a later update does not know (its stack keeps them): stand-ins, for the driver's checks only.
KEPT_SECRET = "kept-in-the-stack"


def check_settings(name: str, spec: MachineSpec) -> None:
    """create's checks, with create's messages, of an existing machine's changed spec (set, provision's engine
    flags); its credentials, kept in its stack, stood in for."""
    secret = secret_option_names(spec.driver) or frozenset()
    stand_ins = {key: KEPT_SECRET for key in secret if spec.driver_options.get(key) is None}
    check_configuration(name, dataclasses.replace(spec, driver_options={**spec.driver_options, **stand_ins}))


def pre_create_checks(spec: MachineSpec) -> MachineSpec:
    """The driver's PreCreateCheck (docker-machine's exit 3): what only the host around it can tell. The spec to
    create with: the driver may settle an option here (qemu's accelerator)."""
    check = driver_info(spec.driver).check
    if check is None:
        return spec
    try:
        return dataclasses.replace(spec, driver_options=check(dict(spec.driver_options)))
    except PreCreateCheckError as err:
        raise PreCreateCheckFailed(f'Error with pre-create check: "{err}"') from None


def driver_info(driver: str) -> DriverInfo:
    """What the driver answers (components/drivers/<name>/__init__.py); a driver name from a store or a stack
    that no driver has is one line."""
    try:
        return describe(driver)
    except DriverArgumentError as err:
        raise MachineError(f"Error: {err}") from None


def spec_of(host: HostConfig) -> MachineSpec:
    """The spec a machine was made with (credentials stay in its stack's secret config)."""
    if host.pulumi.get("DeclaredIn"):
        raise declared_elsewhere(host)
    membership = swarm_membership(host)
    if membership:
        raise in_swarm(host, membership[0])
    saved = host.pulumi.get("Spec")
    if not saved:
        raise not_ours(host.name)
    try:
        return MachineSpec(**saved)
    except TypeError:  # config.json is untrusted input
        raise MachineError(
            f"Error: machine {host.name!r}: config.json's Pulumi.Spec is not a machine spec: run "
            f"'docker-machine import {host.name}' to rebuild it from the backend"
        ) from None


def _run_update(
    workspace: MachineWorkspace,
    name: str,
    spec: MachineSpec,
    say: Say,
    doing: str,
    replace: Optional[list[str]] = None,
    docker_context: bool = True,
    new_vm: bool = False,
) -> HostConfig:
    """One update of the machine's stack; one process at a time changes a machine (its store lock). ``new_vm``: the
    update replaces the VM, whose new host key the old one's pin would refuse: the pin is dropped (under the lock)."""
    if signed_by_another_ca(workspace.store, name):
        raise MachineError(
            f"Error: machine {name!r} was imported from a store with another CA, and changing it here "
            "would lock that store out: change it from the store that made it, or copy that store's "
            "certs/ folder into this one first"
        )
    with locked(MACHINES, workspace.store, name):
        if new_vm:
            HostKeyPin.of(workspace.store, name).path.unlink(missing_ok=True)
        return _update(workspace, name, spec, say, doing, replace, docker_context)


# pulumi-command's error (ssh.FixedHostKey) when the host shows another key than connection.hostKey.
HOST_KEY_MISMATCH = "ssh: host key mismatch"


def _update(
    workspace: MachineWorkspace,
    name: str,
    spec: MachineSpec,
    say: Say,
    doing: str,
    replace: Optional[list[str]],
    docker_context: bool,
) -> HostConfig:
    store = workspace.store
    previous = store.load(name) if store.exists(name) else None
    pin = HostKeyPin.of(store, name)  # provisioning requires the pinned host key (none yet: any, and it is pinned)
    pinned_key = pin.preferred_key()

    def reason(message: str) -> str:  # a refused host key is the pin's one line, as ssh, scp and mount say it
        return pin.mismatch_message() if pinned_key and HOST_KEY_MISMATCH in message else message

    try:
        result = up_stack(
            workspace,
            MACHINES,
            name,
            # A machine adopted from docker-machine 0.16: its imports and key again, from its record (adoption.py).
            {**to_config(spec, ensure_shared_certs(store), pinned_key), **kept_config(store, previous)},
            say,
            doing,
            lambda message: mark_error(store, name, spec, workspace.backend, reason(message), previous),
            replace=replace,
            new=previous is None,
        )
    except MachineError as err:
        if reason(str(err)) != str(err):
            raise MachineError(reason(str(err))) from None
        raise
    try:
        return write_machine(store, name, spec, result.outputs, workspace.backend, docker_context=docker_context)
    except (OSError, ValueError, KeyError) as err:
        raise MachineError(
            f"Error: {name!r} was updated, but writing it into the store failed ({err}); "
            f"fix that, then run 'docker-machine import {name}'"
        ) from None


def create_machine(
    name: str,
    spec: MachineSpec,
    *,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
    docker_context: bool = True,
) -> HostConfig:
    workspace = _workspace(workspace, store, say)
    store = workspace.store
    if store.exists(name) and store.load(name).pulumi.get("State") != "Error":
        raise MachineError(f'Docker machine "{name}" already exists')
    check_configuration(name, spec)
    say("Running pre-create checks...")
    spec = pre_create_checks(spec)
    say("Creating machine...")
    host = _run_update(workspace, name, spec, say, "creating machine", docker_context=docker_context)
    say("Docker is up and running!")
    say(
        "To see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: "
        f"docker-machine env {name}"
    )
    return host


def remove_machine(
    name: str,
    *,
    force: bool = False,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> None:
    workspace = _workspace(workspace, store, say)
    store = workspace.store
    try:
        host = store.load(name)  # also: a name the store accepts, before it names a lock file
    except (BrokenMachine, MachineNotFound) as err:
        if force and name in store.names():  # a broken folder: nothing in it can be trusted to destroy anything
            _forget(store, name, say)
            return
        if isinstance(err, MachineNotFound):
            raise
        raise MachineError(str(err)) from None
    with locked(MACHINES, store, name):
        _remove(workspace, host, force, say)


def _forget(store: Store, name: str, say: Say) -> None:
    try:
        note = store.remove(name)
    except OSError as err:
        raise MachineError(f"Error removing {name!r} from the store: {err}") from None
    if note:
        say(f"WARNING: {note}")


def _remove(workspace: MachineWorkspace, host: HostConfig, force: bool, say: Say) -> None:
    store, name = workspace.store, host.name
    membership = swarm_membership(host)
    if not host.pulumi or host.pulumi.get("DeclaredIn") or membership:
        if not force:
            if membership:
                raise in_swarm(host, membership[0])
            raise declared_elsewhere(host) if host.pulumi else not_ours(name)
        _forget(store, name, say)
        return
    destroy_stack(workspace, MACHINES, name, force, say, run_program=_destroy_runs_program(host))
    _forget(store, name, say)


def _destroy_runs_program(host: HostConfig) -> bool:
    from pulumi_docker_machine.components.drivers import is_driver

    try:
        return is_driver(host.driver_name) and describe(host.driver_name).destroy_runs_program
    except DriverArgumentError:  # a plugin that no longer loads: its stack's own settings, as for any other
        return False


POWER = {"start": ("running", False), "stop": ("stopped", False), "kill": ("stopped", True)}
DOING = {"start": "starting machine", "stop": "stopping machine", "kill": "killing machine"}


def set_power(
    name: str,
    action: str,
    *,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> HostConfig:
    """start, stop or kill: the machine's wanted power state, realized by its driver."""
    workspace = _workspace(workspace, store, say)
    host = workspace.store.load(name)
    spec = spec_of(host)
    info = driver_info(spec.driver)
    if info.power.get(action) != POWER_STATE:
        raise MachineError(info.refusal(action))
    power, force = POWER[action]
    if action == "start" and not host.stopped_by_us and host.pulumi.get("State") == "Running":
        raise MachineError(f'Machine "{name}" is already running.')
    if action in ("stop", "kill") and host.stopped_by_us:
        raise MachineError(f'Machine "{name}" is already stopped.')
    spec = dataclasses.replace(spec, power=power, force_stop=force)
    return _run_update(workspace, name, spec, say, DOING[action])


def restart_machine(
    name: str, *, store: Optional[Store] = None, workspace: Optional[MachineWorkspace] = None, say: Say = quiet
) -> HostConfig:
    workspace = _workspace(workspace, store, say)
    host = workspace.store.load(name)
    info = driver_info(spec_of(host).driver)
    if info.power.get("restart") == SSH_REBOOT:
        say(f'Restarting "{name}"...')
        _reboot_over_ssh(host)
        return host
    if info.power.get("restart") != POWER_STATE:
        raise MachineError(info.refusal("restart"))
    if not host.stopped_by_us:
        set_power(name, "stop", workspace=workspace, say=say)
    return set_power(name, "start", workspace=workspace, say=say)


SSH_FAILED = 255  # ssh's own exit code: it could not connect, or the connection dropped


def _reboot_over_ssh(host: HostConfig) -> None:
    """docker-machine's generic restart: ``sudo shutdown -r now`` over SSH. The connection drops as the
    host goes down (ssh then exits 255), so the host is first reached once to tell that apart."""
    from ..sshargs import run_ssh

    reach = run_ssh(host, ["true"], timeout=60)
    if reach.returncode != 0:
        raise MachineError(
            f"Error restarting {host.name!r}: it can't be reached over SSH "
            f"({(reach.stderr.strip().splitlines() or ['ssh exit ' + str(reach.returncode)])[-1]})"
        )
    done = run_ssh(host, ["sudo", "shutdown", "-r", "now"], timeout=60)
    if done.returncode not in (0, SSH_FAILED):
        reason = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[-1]
        raise MachineError(f"Error restarting {host.name!r}: 'sudo shutdown -r now' failed: {reason}")


def provision_machine(
    name: str,
    *,
    reinstall: bool = False,
    engine_env: Sequence[str] = (),
    engine_opts: Sequence[str] = (),
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> HostConfig:
    """Re-run provisioning (``reinstall``: upgrade the engine with its installer first). ``engine_env`` and
    ``engine_opts``, when given, replace the engine's environment and options (a proxy changed in place)."""
    workspace = _workspace(workspace, store, say)
    spec = dataclasses.replace(
        spec_of(workspace.store.load(name)), provision_nonce=random.token_hex(8), reinstall_engine=reinstall
    )
    if engine_env or engine_opts:
        engine = {**spec.engine, **({"env": list(engine_env)} if engine_env else {})}
        spec = dataclasses.replace(spec, engine={**engine, **({"opts": list(engine_opts)} if engine_opts else {})})
        check_settings(name, spec)
    host = _run_update(workspace, name, spec, say, "provisioning machine")
    if reinstall:  # the next update must not reinstall again
        from pulumi.automation import ConfigValue

        host.data["Pulumi"]["Spec"]["reinstall_engine"] = False
        workspace.store.save(host)
        workspace.stack(name).set_config(f"{NAMESPACE}:reinstallEngine", ConfigValue(value="false"))
    return host


def server_certificate_urn(name: str) -> str:
    return (
        f"urn:pulumi:{name}::docker-machine::docker-machine:index:DockerMachine$"
        f"pulumi-python:dynamic/docker-machine:ServerCertificate::{name}-server-cert"
    )


def regenerate_certs(
    name: str,
    *,
    client_certs: bool = False,
    store: Optional[Store] = None,
    workspace: Optional[MachineWorkspace] = None,
    say: Say = quiet,
) -> HostConfig:
    """A new server certificate (and with ``client_certs`` a new CA and client certificate), uploaded."""
    workspace = _workspace(workspace, store, say)
    spec = spec_of(workspace.store.load(name))
    if client_certs:
        ensure_shared_certs(workspace.store, regenerate=True)
    say("Regenerating TLS certificates")
    return _run_update(workspace, name, spec, say, "regenerating certificates", replace=[server_certificate_urn(name)])


def machine_env(name: str, *, store: Optional[Store] = None) -> dict[str, str]:
    """What ``docker-machine env`` sets, as a dict for a Python app's subprocess environment."""
    return (store or Store()).load(name).docker_env()
