"""Ctrl-C while the engine runs belongs to the engine.

A terminal's Ctrl-C reaches the whole process group: the pulumi CLI then cancels, finishes the steps
under way and releases the stack's lock. Were this process to stop at once, it would close the pipes
the CLI writes to, and the CLI would die of SIGPIPE holding the lock (every later command: "busy").
So the write commands only note the interrupt and report it once the engine has stopped.
"""

from __future__ import annotations

import signal
import threading

_interrupted = threading.Event()


def defer_ctrl_c_to_engine() -> None:
    """From now on, SIGINT is only noted (main thread only: that is where Python takes signals)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda signum, frame: _interrupted.set())


def interrupted() -> bool:
    return _interrupted.is_set()
