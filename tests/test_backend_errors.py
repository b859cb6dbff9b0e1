"""The shared-backend errors read from the pulumi CLI's text: an unreachable backend, a dead lock in a bucket.

The texts are the engine's own (pulumi v3.260.0 with gocloud.dev's s3blob, captured against the S3
server of tests/test_team_s3.py), not made up: that file proves them end to end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timezone

from pulumi_docker_machine.automation.backenderrors import unreachable, where
from pulumi_docker_machine.automation.stalelock import release_stale_locks, stale_locks_in_error

BACKEND = "s3://team?endpoint=http%3A%2F%2F127.0.0.1%3A34515&region=us-east-1&use_path_style=true"
READ_FAILED = (
    'error: read ".pulumi/meta.yaml": blob (key ".pulumi/meta.yaml") (code=Unknown): operation error S3: '
    "GetObject, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , "
    'HostID: , request send failed, Get "http://127.0.0.1:34515/team/.pulumi/meta.yaml?x-id=GetObject": '
    "dial tcp 127.0.0.1:34515: connect: connection refused"
)
SSH_FAILED = (
    "error: Dial failed: dial tcp 10.213.1.2:22: connect: connection refused\n"
    "Error creating machine: the update failed while waiting for ssh to be available"
)


def test_an_unreachable_bucket_is_one_line_without_the_query():
    message = unreachable("code: 255\nstdout: \nstderr: " + READ_FAILED, BACKEND)
    assert message == (
        "Error: the Pulumi backend s3://team can't be reached (connection refused): check the "
        "network and --backend-url/PULUMI_BACKEND_URL, then run the command again"
    )


def test_the_machines_own_dial_error_is_not_the_backend():
    assert unreachable(SSH_FAILED, BACKEND) is None
    assert unreachable(SSH_FAILED, "file:///tmp/state") is None


def test_a_cloud_backend_is_known_by_its_host():
    text = 'error: Get "https://api.pulumi.com/api/user": dial tcp: lookup api.pulumi.com: no such host'
    assert "https://api.pulumi.com can't be reached (its host name does not resolve)" in unreachable(
        text, "https://api.pulumi.com"
    )
    assert where("azblob://machines?storage_account=x") == "azblob://machines"
    assert where("https://user:secret@pulumi.example.com/x") == "https://pulumi.example.com"


def _locked(*locks: tuple[str, str, int, str]) -> str:
    lines = [
        f"the stack is currently locked by {len(locks)} lock(s). Either wait for the other process(es) to end "
        "or delete the lock file with `pulumi cancel`."
    ]
    lines += [
        f"  s3://team/.pulumi/locks/organization/docker-machine/dev/{n}.json?endpoint=x: created by "
        f"{user}@{host} (pid {pid}) at {taken}"
        for n, (user, host, pid, taken) in enumerate(locks)
    ]
    return "\n".join(lines)


def _dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


NOW = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_dead_lock_of_this_host_is_named():
    pid = _dead_pid()
    said = stale_locks_in_error(_locked(("root", socket.gethostname(), pid, NOW)), "dev")
    assert said == [f"Removed a stale lock of 'dev' left by a command that could not release it (pid {pid} is gone)"]


def test_a_live_lock_another_hosts_or_a_strange_one_is_left_alone():
    host = socket.gethostname()
    dead = _dead_pid()
    assert stale_locks_in_error(_locked(("root", host, os.getpid(), NOW)), "dev") == []
    assert stale_locks_in_error(_locked(("root", "elsewhere", dead, NOW)), "dev") == []
    assert stale_locks_in_error(_locked(("root", host, dead, NOW), ("root", host, os.getpid(), NOW)), "dev") == []
    assert stale_locks_in_error(_locked(("root", host, dead, "yesterday")), "dev") == []
    assert stale_locks_in_error("conflict: another update is in progress", "dev") == []


def test_no_stack_yet_no_release():
    """A refusal before the stack was opened: nothing to cancel (the real cancel is proven in test_team_s3)."""
    said: list[str] = []
    assert not release_stale_locks(None, "dev", _locked(("root", socket.gethostname(), _dead_pid(), NOW)), said.append)
    assert said == []
