"""The Pulumi side of the store: one stack per machine in project ``docker-machine``.

The workspace folder is ``STORE/pulumi`` and stays (the stack settings files hold each stack's
passphrase salt). State goes to ``file://STORE/state`` unless ``--backend-url`` or
``PULUMI_BACKEND_URL`` names another backend, so a team can share machines.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from pulumi_docker_machine.components.files import ensure_private_dir, write_private, write_public

from ..store import Store
from ..store.lock import store_lock
from .stalelock import remove_stale_locks

PROJECT = "docker-machine"  # machines' stacks
SWARM_PROJECT = "docker-machine-swarm"  # swarms' stacks (a swarm and a machine may share a name)
PASSPHRASE_FILE = "passphrase"
MANUAL_INSTALL = "curl -fsSL https://get.pulumi.com | sh"
NO_INSTALL_VARIABLE = "DOCKER_MACHINE_PULUMI_INSTALL"  # "never": no download on first use (offline, CI, tests)


class PulumiUnavailable(RuntimeError):
    pass


@dataclass
class MachineWorkspace:
    store: Store
    backend_url: Optional[str] = None
    pulumi_command: object = None  # a pulumi.automation.PulumiCommand; tests inject a fake
    say: Callable[[str], None] = field(default=lambda text: None)
    debug: Optional[Callable[[str], None]] = None  # -D: where the commands run and the engine's log go
    # Swarms are stacks of their own project (so a swarm and a machine may share a name), in their own folder.
    project: str = PROJECT
    # The stacks' inline program, given by whoever opens them (machines: api's; swarms: swarm.py's).
    program: Optional[Callable[[], None]] = None
    force_unlock: bool = False  # --force-unlock: remove the stack's lock first, whoever holds it (pulumi cancel)

    @property
    def work_dir(self) -> Path:
        return self.store.root / ("pulumi" if self.project == PROJECT else f"pulumi-{self.project}")

    @property
    def backend(self) -> str:
        return self.backend_url or os.environ.get("PULUMI_BACKEND_URL") or (self.store.root / "state").as_uri()

    def passphrase_env(self) -> dict[str, str]:
        """The user's passphrase when set; otherwise one made once into a 0600 file in the store."""
        if os.environ.get("PULUMI_CONFIG_PASSPHRASE") is not None:
            return {"PULUMI_CONFIG_PASSPHRASE": os.environ["PULUMI_CONFIG_PASSPHRASE"]}
        if os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
            return {"PULUMI_CONFIG_PASSPHRASE_FILE": os.environ["PULUMI_CONFIG_PASSPHRASE_FILE"]}
        path = self.store.root / "pulumi" / PASSPHRASE_FILE  # one for every project of the store
        if not path.exists():
            # Made once: a second one would leave stacks whose secrets nothing can decrypt.
            with store_lock(self.store.root, "passphrase"):
                if not path.exists():
                    ensure_private_dir(path.parent)
                    write_private(path, secrets.token_urlsafe(32))
        return {"PULUMI_CONFIG_PASSPHRASE_FILE": str(path)}

    def env_vars(self) -> dict[str, str]:
        env = {
            "PULUMI_BACKEND_URL": self.backend,
            # The engine starts dynamic providers in their own Python: this one, which has this package.
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            **self.passphrase_env(),
        }
        if self.backend.startswith("file://"):
            folder = urllib.request.url2pathname(urllib.parse.urlparse(self.backend).path)
            Path(folder).mkdir(parents=True, exist_ok=True, mode=0o700)
        return env

    def command(self):
        """The Pulumi CLI (with -D, one that says what it runs)."""
        from .debugging import DebugCommand

        command = self._command()
        if self.debug is not None and not isinstance(command, DebugCommand):
            command = self.pulumi_command = DebugCommand(command, self.debug)
        return command

    def pulumi_log_options(self) -> dict:
        from .debugging import PULUMI_LOG_OPTIONS

        return dict(PULUMI_LOG_OPTIONS) if self.debug is not None else {}

    def _command(self):
        """The Pulumi CLI (injected, on PATH, in the store, or installed into the store on first use), each
        of its commands run behind a guard (``guarded``)."""
        from pulumi.automation import PulumiCommand

        if self.pulumi_command is None:
            self.pulumi_command = self._found_command()
        if type(self.pulumi_command) is PulumiCommand:  # the real one, not yet guarded; not a test's stand-in
            from .guarded import GuardedCommand

            self.pulumi_command = GuardedCommand(self.pulumi_command)
        return self.pulumi_command

    def _found_command(self):
        from pulumi.automation import PulumiCommand

        from .cliversion import CACHE_FILE, pulumi_command

        local = self.store.root / "pulumi-cli"
        if shutil.which("pulumi"):
            return pulumi_command(self.store.root / CACHE_FILE)
        if (local / "bin" / "pulumi").exists():
            return pulumi_command(self.store.root / CACHE_FILE, root=str(local))
        if os.environ.get(NO_INSTALL_VARIABLE) == "never":
            raise PulumiUnavailable(
                f"Error: the Pulumi CLI is not installed, and {NO_INSTALL_VARIABLE}=never forbids "
                f"fetching it: install it (make engine, or '{MANUAL_INSTALL}')"
            )
        self.say(f"The Pulumi CLI is not installed: installing it into {local} (first use only)...")
        try:
            return PulumiCommand.install(root=str(local))
        except Exception as err:  # noqa: BLE001 - offline, proxy, disk: all end here
            raise PulumiUnavailable(
                f"Error: could not install the Pulumi CLI ({err}): install it by hand with '{MANUAL_INSTALL}'"
            ) from None

    def _options(self):
        from pulumi.automation import LocalWorkspaceOptions

        self.write_project()
        return LocalWorkspaceOptions(
            work_dir=str(self.work_dir),
            env_vars=self.env_vars(),
            secrets_provider="passphrase",
            pulumi_command=self.command(),
        )

    def new_stack(self, name: str):
        """``(stack, True)`` when this call made the stack (its config is empty), else ``(self.stack(name),
        False)``. For a machine this store does not know yet: one ``pulumi stack init`` instead of
        a failing ``stack select`` first (create_or_select_stack's order); a stack that exists (another store's,
        or kept by ``rm -f``) is opened as one the store knows."""
        from pulumi.automation import create_stack, errors

        self.migrate_state_once()
        try:
            return create_stack(
                stack_name=name, project_name=self.project, program=self._program(), opts=self._options()
            ), True
        except errors.StackAlreadyExistsError:
            return self.stack(name), False

    def stack(self, name: str):
        """The stack ``name``, opened without running ``pulumi stack select`` (the Automation API runs it only to
        check that the stack exists and make it current, and every command run on a stack names it with
        ``--stack``): a stack that does not exist fails its first command with the same StackNotFoundError. A
        stack to make is ``new_stack``'s."""
        self.migrate_state_once()
        options = self._options()
        for line in remove_stale_locks(self.backend, self.project, name):
            self.say(line)
        stack = opened_stack(name, self.project, self._program(), options)
        if self.force_unlock:
            stack.cancel()
            self.say(f"Unlocked the stack of {name!r} (--force-unlock)")
        return stack

    def _program(self) -> Callable[[], None]:
        if self.program is None:
            raise ValueError(f"no program for the stacks of project {self.project!r}: give MachineWorkspace one")
        return self.program

    def write_project(self) -> None:
        """STORE/pulumi/Pulumi.yaml, replaced atomically and only when it changes: other processes'
        pulumi CLIs read it at any moment (a LocalWorkspace given project settings rewrites it in place)."""
        ensure_private_dir(self.work_dir)
        text = f"name: {self.project}\nruntime: python\nbackend:\n  url: {json.dumps(self.backend)}\n"
        path = self.work_dir / "Pulumi.yaml"
        with store_lock(self.store.root, "workspace"):
            if not path.exists() or path.read_text() != text:
                write_public(path, text)

    def stack_names(self) -> list[str]:
        from pulumi.automation import LocalWorkspace

        self.migrate_state_once()
        self.write_project()
        workspace = LocalWorkspace(
            work_dir=str(self.work_dir),
            env_vars=self.env_vars(),
            secrets_provider="passphrase",
            pulumi_command=self.command(),
        )
        return [summary.name for summary in workspace.list_stacks()]

    def migrate_state_once(self) -> None:
        """State written before pulumi_docker_machine's module paths: migrated before any stack is opened."""
        from .migrate import migrate_store_once

        migrate_store_once(self)


def opened_stack(name: str, project: str, program: Callable[[], None], options):
    """``select_stack(...)`` without its ``pulumi stack select``: the SDK's own LocalWorkspace, and a Stack made as
    its ``__init__`` makes one, minus the mode's command. Pinned to the SDK of pyproject.toml (3.260.0)."""
    from pulumi.automation import Stack
    from pulumi.automation._local_workspace import _inline_source_stack_helper
    from pulumi.automation._stack import StackInitMode

    def unchecked(stack_name: str, workspace) -> Stack:
        stack = Stack.__new__(Stack)
        stack.name, stack.workspace, stack._mode = stack_name, workspace, StackInitMode.SELECT
        return stack

    return _inline_source_stack_helper(name, program, project, unchecked, options)
