"""A closed standard output (``docker-machine ls | head -1``) ends the command as it ends a Go binary: killed by
SIGPIPE (a shell sees 141; ``set -o pipefail`` scripts see the same as with docker-machine), without a word.

Python ignores SIGPIPE and raises BrokenPipeError instead; restoring the default action for the whole run would
also kill the process when a socket's peer goes away (an engine probed by ``ls``), where Go returns an error.
So only a write that failed because standard output or error is a closed pipe ends the process this way."""

from __future__ import annotations

import os
import select
import signal


def closed(fd: int) -> bool:
    """The pipe or socket behind ``fd`` has no reader any more (poll reports an error on its write end)."""
    if not hasattr(select, "poll"):  # Windows: no poll, and no SIGPIPE to die of
        return False
    poller = select.poll()
    try:
        poller.register(fd, select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False


def end_if_closed(err: BaseException) -> None:
    """Die of SIGPIPE when ``err`` is a broken pipe on standard output or error; return otherwise (the caller
    handles ``err`` as any other error)."""
    if not isinstance(err, BrokenPipeError) or not (closed(1) or closed(2)):
        return
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGPIPE)
