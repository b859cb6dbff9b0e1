"""The operations that change machines, for the CLI and for Python apps.

    from pulumi_docker_machine.automation import MachineSpec, create_machine, remove_machine, machine_env
    create_machine("dev", MachineSpec(driver="digitalocean", driver_options={"region": "fra1"}))
    machine_env("dev")  # {"DOCKER_HOST": ..., "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": ..., ...}

Each call opens the machine's stack in the store's workspace and runs one Pulumi update.
"""

from __future__ import annotations

import dataclasses
import functools
import secrets as random
import subprocess
from typing import Callable, Optional

from pulumi_docker_machine.components.drivers import DriverArgumentError, DriverInfo, describe
from pulumi_docker_machine.components.drivers.info import POWER_STATE, SSH_REBOOT, PreCreateCheckError
from pulumi_docker_machine.components.names import name_problem, valid_machine_name

from ..knownhosts import HostKeyPin
from ..store import INVALID_NAME, BrokenMachine, HostConfig, MachineNotFound, Store
from ..store.lock import LockBusy, store_lock
from ..store.swarms import swarm_membership
from . import update
from .backenderrors import unreachable
from .certs import ensure_shared_certs, signed_by_another_ca
from .interrupt import interrupted
from .progress import Progress
from .stackconfig import set_stack_config
from .settings import NAMESPACE, MachineSpec, from_config, from_outputs, machine_args, to_config
from .stalelock import release_stale_locks
from .storesync import mark_error, outputs_plain, write_machine
from .workspace import PROJECT, MachineWorkspace, PulumiUnavailable

Say = Callable[[str], None]


class MachineError(RuntimeError):
    """A machine operation that could not be done; the message is for the user as it is."""

    exit_code = 1


class PreCreateCheckFailed(MachineError):
    exit_code = 3  # docker-machine's code for a failed pre-create check


class MachineBusy(MachineError):
    pass


def _quiet(_: str) -> None:
    pass


def machine_program() -> None:
    """The inline program of a machine's stack, imported when the engine runs it (it imports Pulumi)."""
    from ..programs.inline import machine_program as program

    program()


def _workspace(workspace: Optional[MachineWorkspace], store: Optional[Store], say: Say) -> MachineWorkspace:
    """The store's workspace for machines' stacks (``workspace``: the caller's, for its backend and CLI)."""
    base = workspace or MachineWorkspace(store or Store(), say=say)
    return dataclasses.replace(base, project=PROJECT, program=machine_program, pulumi_command=base.pulumi_command)


def _last_line(err: Exception) -> str:
    """The last line of a Pulumi CLI error: the part that says what went wrong."""
    text = str(err).strip()
    return text.splitlines()[-1] if text else ""


def _busy(name: str) -> MachineBusy:
    return MachineBusy(f"Error: machine {name!r} is busy: another command is changing it (its stack is locked); "
                       "try again when that one has finished, or, if none is running (it was killed on another "
                       "host), run this one again with --force-unlock")


def _interrupted(name: str) -> MachineError:
    return MachineError(f"Interrupted: the update of {name!r} was cancelled; run the command again to finish it, "
                        f"or 'docker-machine rm {name}' to remove what was made")


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


def pre_create_checks(spec: MachineSpec) -> MachineSpec:
    """The driver's PreCreateCheck (docker-machine's exit 3): what only the host around it can tell. The spec to
    create with: the driver may settle an option here (qemu's accelerator)."""
    check = _driver_info(spec.driver).check
    if check is None:
        return spec
    try:
        return dataclasses.replace(spec, driver_options=check(dict(spec.driver_options)))
    except PreCreateCheckError as err:
        raise PreCreateCheckFailed(f'Error with pre-create check: "{err}"') from None


def _driver_info(driver: str) -> DriverInfo:
    """What the driver answers (components/drivers/<name>/__init__.py); a driver name from a store or a stack
    that no driver has is one line."""
    try:
        return describe(driver)
    except DriverArgumentError as err:
        raise MachineError(f"Error: {err}") from None


def not_ours(name: str) -> MachineError:
    return MachineError(f"machine {name!r} was made by the original docker-machine, not through Pulumi: "
                        "manage it with that docker-machine, or rm -f to forget it here")


def declared_elsewhere(host: HostConfig) -> MachineError:
    return MachineError(f"machine {host.name!r} belongs to the declarative stack {host.pulumi['DeclaredIn']}: "
                        "change it there with pulumi up, or rm -f to forget it here")


def in_swarm(host: HostConfig, swarm: str) -> MachineError:
    return MachineError(f"machine {host.name!r} is a node of swarm {swarm!r}: change it with 'docker-machine swarm "
                        f"scale {swarm}' or 'docker-machine swarm rm {swarm}', or rm -f to forget it here")


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
        raise MachineError(f"Error: machine {host.name!r}: config.json's Pulumi.Spec is not a machine spec: run "
                           f"'docker-machine import {host.name}' to rebuild it from the backend") from None


def _run_update(workspace: MachineWorkspace, name: str, spec: MachineSpec, say: Say, doing: str,
                replace: Optional[list[str]] = None, docker_context: bool = True) -> HostConfig:
    """One update of the machine's stack; one process at a time changes a machine (its store lock)."""
    if signed_by_another_ca(workspace.store, name):
        raise MachineError(f"Error: machine {name!r} was imported from a store with another CA, and changing it here "
                           "would lock that store out: change it from the store that made it, or copy that store's "
                           "certs/ folder into this one first")
    try:
        with store_lock(workspace.store.root, f"machine.{name}", wait=False):
            return _update(workspace, name, spec, say, doing, replace, docker_context)
    except LockBusy:
        raise _busy(name) from None


def up_stack(workspace: MachineWorkspace, name: str, values: dict, say: Say, doing: str,
             on_failure: Callable[[str], object], busy: Callable[[str], MachineError],
             replace: Optional[list[str]] = None, new: bool = False):
    """Set the stack's config and run one update with progress; a failure is one message, handed to
    ``on_failure`` (to keep the machine or swarm listed as Error) and raised as MachineError. ``new``: the
    store does not know the machine, so its stack most likely does not exist yet (made first, not selected)."""
    from pulumi.automation import errors

    progress = Progress(say)
    stack = None
    try:
        stack, fresh = workspace.new_stack(name) if new else (workspace.stack(name), False)
        set_stack_config(workspace, stack, values, fresh=fresh)
        if interrupted():  # Ctrl-C came before the engine started: start nothing
            raise _interrupted(name)
        return update.up(stack, on_event=progress, color="never", replace=replace,
                         **workspace.pulumi_log_options())
    except errors.ConcurrentUpdateError as err:
        if not release_stale_locks(stack, name, str(err), say):
            raise busy(name) from None
        return up_stack(workspace, name, values, say, doing, on_failure, busy, replace)  # the dead lock is gone
    except errors.CommandError as err:
        if interrupted():
            raise _interrupted(name) from None
        if unreachable(str(err), workspace.backend):  # not the machine's failure: its record stays as it was
            raise MachineError(unreachable(str(err), workspace.backend)) from None
        message = progress.failure(_last_line(err), doing=doing)
        on_failure(message)
        raise MachineError(message) from None
    except KeyboardInterrupt:  # from Python code that did not defer Ctrl-C to the engine
        raise _interrupted(name) from None


# pulumi-command's error (ssh.FixedHostKey) when the host shows another key than connection.hostKey.
HOST_KEY_MISMATCH = "ssh: host key mismatch"


def _update(workspace: MachineWorkspace, name: str, spec: MachineSpec, say: Say, doing: str,
            replace: Optional[list[str]], docker_context: bool) -> HostConfig:
    store = workspace.store
    previous = store.load(name) if store.exists(name) else None
    pin = HostKeyPin.of(store, name)  # provisioning requires the pinned host key (none yet: any, and it is pinned)
    pinned_key = pin.preferred_key()

    def reason(message: str) -> str:  # a refused host key is the pin's one line, as ssh, scp and mount say it
        return pin.mismatch_message() if pinned_key and HOST_KEY_MISMATCH in message else message

    try:
        result = up_stack(workspace, name, to_config(spec, ensure_shared_certs(store), pinned_key), say, doing,
                          lambda message: mark_error(store, name, spec, workspace.backend, reason(message),
                                                     previous), _busy, replace=replace, new=previous is None)
    except MachineError as err:
        if reason(str(err)) != str(err):
            raise MachineError(reason(str(err))) from None
        raise
    try:
        return write_machine(store, name, spec, result.outputs, workspace.backend, docker_context=docker_context)
    except (OSError, ValueError, KeyError) as err:
        raise MachineError(f"Error: {name!r} was updated, but writing it into the store failed ({err}); "
                           f"fix that, then run 'docker-machine import {name}'") from None


def create_machine(name: str, spec: MachineSpec, *, store: Optional[Store] = None,
                   workspace: Optional[MachineWorkspace] = None, say: Say = _quiet,
                   docker_context: bool = True) -> HostConfig:
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
    say("To see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: "
        f"docker-machine env {name}")
    return host


def remove_machine(name: str, *, force: bool = False, store: Optional[Store] = None,
                   workspace: Optional[MachineWorkspace] = None, say: Say = _quiet) -> None:
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
    try:
        with store_lock(store.root, f"machine.{name}", wait=False):
            _remove(workspace, host, force, say)
    except LockBusy:
        raise _busy(name) from None


def _forget(store: Store, name: str, say: Say) -> None:
    try:
        note = store.remove(name)
    except OSError as err:
        raise MachineError(f"Error removing {name!r} from the store: {err}") from None
    if note:
        say(f"WARNING: {note}")


def _remove(workspace: MachineWorkspace, host: HostConfig, force: bool, say: Say) -> None:
    from pulumi.automation import errors

    store, name = workspace.store, host.name
    membership = swarm_membership(host)
    if not host.pulumi or host.pulumi.get("DeclaredIn") or membership:
        if not force:
            if membership:
                raise in_swarm(host, membership[0])
            raise declared_elsewhere(host) if host.pulumi else not_ours(name)
        _forget(store, name, say)
        return
    try:
        stack = workspace.stack(name, create=False)
        update.destroy(stack, on_event=Progress(say), color="never", **workspace.pulumi_log_options())
        stack.workspace.remove_stack(name)
    except PulumiUnavailable as err:
        if not force:
            raise
        say(f"WARNING: {name!r} could not be destroyed ({err}); its stack is kept, so 'docker-machine import' "
            "can bring it back to retry")
    except errors.StackNotFoundError:
        pass  # never got as far as a stack
    except errors.ConcurrentUpdateError:
        raise _busy(name) from None
    except errors.CommandError as err:
        if interrupted():
            raise MachineError(f"Interrupted: the removal of {name!r} was cancelled; run 'docker-machine rm {name}' "
                               "again to finish it") from None
        if unreachable(str(err), workspace.backend):
            raise MachineError(unreachable(str(err), workspace.backend)) from None
        if not force:
            raise MachineError(f"Error removing host {name!r}: {_last_line(err)}") from None
        say(f"WARNING: the cloud side of {name!r} could not be removed ({_last_line(err)}); "
            "its stack is kept, so 'docker-machine import' can bring it back to retry")
    _forget(store, name, say)


POWER = {"start": ("running", False), "stop": ("stopped", False), "kill": ("stopped", True)}
DOING = {"start": "starting machine", "stop": "stopping machine", "kill": "killing machine"}


def set_power(name: str, action: str, *, store: Optional[Store] = None,
              workspace: Optional[MachineWorkspace] = None, say: Say = _quiet) -> HostConfig:
    """start, stop or kill: the machine's wanted power state, realized by its driver."""
    workspace = _workspace(workspace, store, say)
    host = workspace.store.load(name)
    spec = spec_of(host)
    info = _driver_info(spec.driver)
    if info.power.get(action) != POWER_STATE:
        raise MachineError(info.refusal(action))
    power, force = POWER[action]
    if action == "start" and not host.stopped_by_us and host.pulumi.get("State") == "Running":
        raise MachineError(f'Machine "{name}" is already running.')
    if action in ("stop", "kill") and host.stopped_by_us:
        raise MachineError(f'Machine "{name}" is already stopped.')
    spec = dataclasses.replace(spec, power=power, force_stop=force)
    return _run_update(workspace, name, spec, say, DOING[action])


def restart_machine(name: str, *, store: Optional[Store] = None, workspace: Optional[MachineWorkspace] = None,
                    say: Say = _quiet) -> HostConfig:
    workspace = _workspace(workspace, store, say)
    host = workspace.store.load(name)
    info = _driver_info(spec_of(host).driver)
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
    from ..sshargs import ssh_command

    reach = subprocess.run(ssh_command(host, ["true"]), capture_output=True, text=True, timeout=60)
    if reach.returncode != 0:
        raise MachineError(f"Error restarting {host.name!r}: it can't be reached over SSH "
                           f"({(reach.stderr.strip().splitlines() or ['ssh exit ' + str(reach.returncode)])[-1]})")
    done = subprocess.run(ssh_command(host, ["sudo", "shutdown", "-r", "now"]), capture_output=True, text=True,
                          timeout=60)
    if done.returncode not in (0, SSH_FAILED):
        reason = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[-1]
        raise MachineError(f"Error restarting {host.name!r}: 'sudo shutdown -r now' failed: {reason}")


def provision_machine(name: str, *, reinstall: bool = False, store: Optional[Store] = None,
                      workspace: Optional[MachineWorkspace] = None, say: Say = _quiet) -> HostConfig:
    """Re-run provisioning (``reinstall``: upgrade the engine with its installer first)."""
    workspace = _workspace(workspace, store, say)
    spec = dataclasses.replace(spec_of(workspace.store.load(name)), provision_nonce=random.token_hex(8),
                               reinstall_engine=reinstall)
    host = _run_update(workspace, name, spec, say, "provisioning machine")
    if reinstall:  # the next update must not reinstall again
        from pulumi.automation import ConfigValue

        host.data["Pulumi"]["Spec"]["reinstall_engine"] = False
        workspace.store.save(host)
        workspace.stack(name).set_config(f"{NAMESPACE}:reinstallEngine", ConfigValue(value="false"))
    return host


def server_certificate_urn(name: str) -> str:
    return (f"urn:pulumi:{name}::docker-machine::docker-machine:index:DockerMachine$"
            f"pulumi-python:dynamic/docker-machine:ServerCertificate::{name}-server-cert")


def regenerate_certs(name: str, *, client_certs: bool = False, store: Optional[Store] = None,
                     workspace: Optional[MachineWorkspace] = None, say: Say = _quiet) -> HostConfig:
    """A new server certificate (and with ``client_certs`` a new CA and client certificate), uploaded."""
    workspace = _workspace(workspace, store, say)
    spec = spec_of(workspace.store.load(name))
    if client_certs:
        ensure_shared_certs(workspace.store, regenerate=True)
    say("Regenerating TLS certificates")
    return _run_update(workspace, name, spec, say, "regenerating certificates", replace=[server_certificate_urn(name)])


def import_machines(names: Optional[list[str]] = None, *, store: Optional[Store] = None,
                    workspace: Optional[MachineWorkspace] = None, say: Say = _quiet) -> list[str]:
    """Rebuild the local store from the backend's stacks (a team's shared machines)."""
    workspace = _workspace(workspace, store, say)
    from pulumi_docker_machine.components.drivers import REGISTRY

    wanted = names or workspace.stack_names()
    bad = [name for name in wanted if not valid_machine_name(name)]
    if bad:
        raise MachineError(f"Error: the backend has stacks that are not machine names: {', '.join(map(repr, bad))} "
                           f"({INVALID_NAME}); import the others by name")
    from .untrusted import rehearse

    prepared, problems = {}, []
    for name in wanted:
        stack = workspace.stack(name, create=False)
        config = {key: value.value for key, value in stack.get_all_config().items()}
        outputs = stack.outputs()
        # A stack made from another store has its config in that store's workspace.
        try:
            spec = from_config(config) if f"{NAMESPACE}:driver" in config else from_outputs(outputs_plain(outputs))
        except (ValueError, TypeError, KeyError, AttributeError):  # the backend's config is untrusted too
            problems.append(f"{name}: its stack's config is not a machine's")
            continue
        if not isinstance(spec.driver, str) or spec.driver not in REGISTRY:
            problems.append(f"{name}: unknown driver {str(spec.driver)[:40]!r}")
            continue
        prepared[name] = (spec, outputs)
    problems += rehearse({name: functools.partial(write_machine, name=name, spec=spec, outputs=outputs,
                                                  backend=workspace.backend, docker_context=False)
                          for name, (spec, outputs) in prepared.items()})
    if problems:  # nothing is written unless every machine checks out
        raise MachineError("Error: the backend has machines this store can't take (nothing was imported):\n"
                           + "\n".join(problems))
    for name, (spec, outputs) in prepared.items():
        write_machine(workspace.store, name, spec, outputs, workspace.backend, imported=True)
        say(f"Imported {name}")
    return list(prepared)


def import_stack(stack_name: str, project_dir: str, *, store: Optional[Store] = None, pulumi_command=None,
                 say: Say = _quiet) -> list[str]:
    """A declarative stack's machines (stacks/, ``pulumi up``) into the local store, so env/ssh/ls work."""
    from pulumi.automation import LocalWorkspaceOptions, errors, select_stack

    from pulumi_docker_machine.components.drivers import REGISTRY

    from .untrusted import machine_problems, rehearse

    store = store or Store()
    try:
        stack = select_stack(stack_name=stack_name, work_dir=project_dir,
                             opts=LocalWorkspaceOptions(pulumi_command=pulumi_command))
        out = outputs_plain(stack.outputs())
    except errors.CommandError as err:
        raise MachineError(f"Error reading stack {stack_name!r} in {project_dir}: {_last_line(err)}") from None
    machines = out.get("machines") or {}
    if not machines:
        raise MachineError(f"stack {stack_name!r} exports no machines: is it a docker-machine stack, and up to date?")
    keys = out.get("machine_ssh_keys") or {}
    if not isinstance(machines, dict) or not isinstance(keys, dict):
        raise MachineError(f"stack {stack_name!r}: its 'machines' output is not a map of machine names")
    shared = {key: out.get(key) for key in ("ca_pem", "client_cert_pem", "client_key_pem")}
    imports = {}
    for name, machine in machines.items():
        outputs = {**(machine if isinstance(machine, dict) else {}), **shared, "ssh_private_key": keys.get(name, "")}
        imports[name] = outputs
    problems, specs = [], {}
    for name, outputs in imports.items():
        found = machine_problems(name, outputs)
        if outputs.get("driver") not in REGISTRY:
            found.append(f"{name}: unknown driver {str(outputs.get('driver'))[:40]!r}")
        if not found:
            specs[name] = from_outputs(outputs)
        problems += found
    declared_in = f"{project_dir} (stack {stack_name})"
    problems += rehearse({name: functools.partial(write_machine, name=name, spec=specs[name], outputs=imports[name],
                                                  backend="", docker_context=False, declared_in=declared_in)
                          for name in specs})
    if problems:  # a stack's outputs are untrusted: nothing is written unless every machine checks out
        raise MachineError(f"Error: stack {stack_name!r} exports machines this store can't take "
                           "(nothing was imported):\n" + "\n".join(problems))
    for name in sorted(imports):
        write_machine(store, name, specs[name], imports[name], backend="", declared_in=declared_in)
        say(f"Imported {name}")
    return sorted(imports)


def machine_env(name: str, *, store: Optional[Store] = None) -> dict[str, str]:
    """What ``docker-machine env`` sets, as a dict for a Python app's subprocess environment."""
    return (store or Store()).load(name).docker_env()
