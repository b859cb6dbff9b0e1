"""Live progress on a terminal (rich): one line per step under way, updating in place (spinner, seconds so far),
written out for good as done or failed when the step ends; base-image downloads as bars with bytes and speed.

One view per process, shared by every stack the command runs at once (``rm a b c``): a step's line names its
machine when more than one is under way. The live area exists only while a step runs, so the command's own
lines (printed through standard output, which rich routes above the live area meanwhile) keep their order.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, TextIO

from rich.console import Console, Group
from rich.file_proxy import FileProxy
from rich.live import Live
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TransferSpeedColumn
from rich.spinner import Spinner
from rich.text import Text

from pulumi_docker_machine.components.drivers.downloads import VARIABLE, downloads

from .progress import DONE, FAILED, STOPPED

SPIN_INTERVAL = 0.08  # seconds a spinner frame shows (rich's "dots")


class _Proxy(FileProxy):
    """rich's stand-in for sys.stdout/sys.stderr while the live area shows (what is written goes above it), with
    the file's encoding: click.echo, which the commands use, goes around a stream without one (to its buffer)."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.rich_proxied_file, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return getattr(self.rich_proxied_file, "errors", None) or "strict"


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or closed
        return False


@dataclass
class _Step:
    stack: str
    label: str
    started: float = field(default_factory=time.monotonic)


class LiveView:
    """The steps under way and the downloads; ``start``/``finish`` from any thread (the engine's events)."""

    def __init__(self, console: Optional[Console] = None, downloads_dir: Optional[Path] = None) -> None:
        self.console = console or Console(highlight=False)
        self.lock = threading.RLock()
        self.steps: dict[str, _Step] = {}
        self.stacks: set[str] = set()
        self.live: Optional[Live] = None
        self.saved: Optional[tuple[TextIO, TextIO]] = None  # sys.stdout and sys.stderr while the live area shows
        self.downloads_dir = downloads_dir
        self.bars = Progress(
            TextColumn("  Downloading {task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=self.console,
        )
        self.tasks: dict[str, TaskID] = {}
        self.frames = Spinner("dots").frames

    def start(self, key: str, stack: str, label: str) -> None:
        with self.lock:
            self.stacks.add(stack)
            self.steps[key] = _Step(stack, label)
            if self.live is None:
                self.live = Live(
                    get_renderable=self.render,
                    console=self.console,
                    refresh_per_second=8,
                    transient=True,
                    redirect_stdout=False,  # _redirect's instead
                    redirect_stderr=False,
                )
                self._redirect()
                self.live.start()

    def finish(self, key: str, mark: str, note: str = "") -> None:
        """The step's line, written for good with ``mark`` (DONE, FAILED, STOPPED) and its time."""
        with self.lock:
            step = self.steps.pop(key, None)
            if step is None:
                return
            line = self._line(step, mark)
            if note:
                line.append(f" {note}", style="red" if mark == FAILED else "")
            self.console.print(line, soft_wrap=True)  # whole, however narrow the terminal: it stays
            if self.live is not None and not self.steps:
                self.live.stop()
                self.live = None
                self._restore()
            elif self.live is not None:
                self.live.refresh()  # the live area without this step at once, not at the next tick

    def _redirect(self) -> None:
        """What the command prints meanwhile goes above the live area; standard error too when it is the terminal
        (redirected elsewhere, it stays where the user sent it)."""
        if self.console.is_terminal and not isinstance(sys.stdout, FileProxy):
            self.saved = (sys.stdout, sys.stderr)
            sys.stdout = _Proxy(self.console, sys.stdout)
            if _is_terminal(sys.stderr):
                sys.stderr = _Proxy(self.console, sys.stderr)

    def _restore(self) -> None:
        if self.saved is not None:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            sys.stdout, sys.stderr = self.saved
            self.saved = None

    def stop(self) -> None:
        """Every step still shown ends as stopped (the process is leaving)."""
        for key in list(self.steps):
            self.finish(key, STOPPED)

    def _line(self, step: _Step, mark: str) -> Text:
        style = {DONE: "green", FAILED: "red"}.get(mark, "dim")
        line = Text.assemble((mark, style), " ", self._label(step))
        line.append(f" ({time.monotonic() - step.started:.1f}s)", style="dim")
        return line

    def _label(self, step: _Step) -> Text:
        return Text(f"({step.stack}) {step.label}" if len(self.stacks) > 1 else step.label)

    def render(self) -> Group:
        """Called by rich under its own lock (one render at a time); never takes ours, which is held while
        calling rich."""
        now = time.monotonic()
        rows = []
        for step in list(self.steps.values()):  # a copy: steps come and go meanwhile
            frame = self.frames[int(now / SPIN_INTERVAL) % len(self.frames)]
            row = Text.assemble((frame, "cyan"), " ", (f"{now - step.started:3.0f}s ", "dim"))
            row.append_text(self._label(step))
            row.no_wrap, row.overflow = True, "ellipsis"  # one line each, however narrow the terminal
            rows.append(row)
        self._update_bars()
        return Group(*rows, self.bars) if self.tasks else Group(*rows)

    def _update_bars(self) -> None:
        current = {d.key: d for d in downloads(self.downloads_dir)} if self.downloads_dir else {}
        for key in [key for key in self.tasks if key not in current]:
            self.bars.remove_task(self.tasks.pop(key))
        for key, download in current.items():
            if key not in self.tasks:
                self.tasks[key] = self.bars.add_task(download.name, total=download.total)
            self.bars.update(self.tasks[key], completed=download.done, total=download.total)


_view: Optional[LiveView] = None
_view_lock = threading.Lock()


def view() -> LiveView:
    """The process's one view; its downloads folder is made here and named to the engine through the environment."""
    global _view
    with _view_lock:
        if _view is None:
            folder = Path(tempfile.mkdtemp(prefix="docker-machine-progress-"))
            os.environ[VARIABLE] = str(folder)
            _view = LiveView(downloads_dir=folder)
            atexit.register(_close, _view, folder)
        return _view


def _close(live_view: LiveView, folder: Path) -> None:
    live_view.stop()
    shutil.rmtree(folder, ignore_errors=True)
