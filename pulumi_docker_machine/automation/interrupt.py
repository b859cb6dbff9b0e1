"""Ctrl-C, a closed terminal (SIGHUP) or SIGTERM while the engine runs: the engine cancels, then we stop.

The pulumi CLI runs behind a guard in a session of its own (``guarded``), so no terminal signal reaches it
directly. The write commands note the signal, ask every running guard to cancel its pulumi (which finishes
the steps under way, saves the state and releases the stack's lock), and report the interrupt once the
engine has stopped. Were this process to stop at once, the guard would cancel all the same (it learns of
our death through PR_SET_PDEATHSIG); this way the user also hears how it ended.
"""

from __future__ import annotations

import os
import signal
import threading

_interrupted = threading.Event()
_running: set = set()  # the guards' Popen objects
_lock = threading.Lock()
# Windows has no SIGHUP (a closed console ends the process group instead).
SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _cancel_all() -> None:
    for process in list(_running):
        try:
            process.send_signal(signal.SIGTERM)
        except OSError:
            pass


def _terminal_gone() -> None:
    """After a hang-up our terminal is gone: later output goes nowhere rather than failing with EIO."""
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        try:
            if os.isatty(fd):
                os.dup2(null, fd)
        except OSError:
            pass
    os.close(null)


def _on_signal(signum, frame) -> None:
    if signum == getattr(signal, "SIGHUP", None):
        _terminal_gone()
    if not _interrupted.is_set():
        _interrupted.set()
        _cancel_all()


def defer_ctrl_c_to_pulumi() -> None:
    """From now on SIGINT, SIGTERM and SIGHUP cancel the Pulumi engine's work (main thread only: that is where
    Python takes signals)."""
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, _on_signal)


def watch(process) -> None:
    """A guard just started: it hears of any interrupt, also of one that came before it was known."""
    with _lock:
        _running.add(process)
    if _interrupted.is_set():
        process.send_signal(signal.SIGTERM)


def unwatch(process) -> None:
    with _lock:
        _running.discard(process)


def interrupted() -> bool:
    return _interrupted.is_set()
