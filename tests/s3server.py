"""A real S3 server on 127.0.0.1 for the team-backend tests: moto's server mode, in a process of its own.

moto keeps its buckets in the memory of that process, so "the server stopped" closes only its
listening socket (the port refuses connections) and "the server returns" listens again on the same
port with the same objects, as a restarted S3 service with its data kept would. The process is
driven over its stdin: ``stop`` and ``start``, each answered with one line once done.

Credentials are dummies, handed over through the environment only (never argv).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from typing import Optional

ADDRESS = "127.0.0.1"  # the rule: tests talk to 127.0.0.0/8 and their own namespaces only
REGION = "us-east-1"
# moto accepts any key; these are what moto's own documentation uses, so nothing real can be here.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}
# What the AWS SDKs read besides those: none of the developer's own configuration may leak in.
AWS_NOISE = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_CA_BUNDLE",
)


def _serve() -> None:  # the child process
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the test's output

    port = int(sys.argv[2])
    server = ThreadedMotoServer(ip_address=ADDRESS, port=port, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]  # the one chosen for port 0: "start" comes back to it
    print(f"listening {port}", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "stop" and server is not None:
            server.stop()
            server = None
        elif command == "start" and server is None:
            server = ThreadedMotoServer(ip_address=ADDRESS, port=port, verbose=False)
            server.start()
        print(f"{command} done", flush=True)


def aws_env(base: Optional[dict] = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without the user's AWS settings, with the dummy keys."""
    env = {key: value for key, value in (os.environ if base is None else base).items() if key not in AWS_NOISE}
    return {**env, **CREDENTIALS, "AWS_EC2_METADATA_DISABLED": "true"}


@dataclass
class S3Server:
    """``with S3Server() as s3:`` a moto S3 server on 127.0.0.1:s3.port until the block ends."""

    port: int = 0
    process: Optional[subprocess.Popen] = field(default=None, repr=False)

    def __enter__(self) -> "S3Server":
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from tests.s3server import _serve; _serve()", "serve", str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=aws_env(),
            cwd=os.path.dirname(os.path.dirname(__file__)),
        )
        line = self._answer()
        if not line.startswith("listening "):
            raise RuntimeError(f"the S3 server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def _answer(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the S3 server exited ({self.process.wait()})")
        return line.strip()

    def _tell(self, command: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        if self._answer() != f"{command} done":
            raise RuntimeError(f"the S3 server did not {command}")

    def stop(self) -> None:
        """Unreachable: the port refuses connections (the objects are kept)."""
        self._tell("stop")

    def start(self) -> None:
        """Back on the same port, with the same objects."""
        self._tell("start")

    @property
    def endpoint(self) -> str:
        return f"http://{ADDRESS}:{self.port}"

    def backend_url(self, bucket: str) -> str:
        """The ``s3://`` URL pulumi v3.260.0 (gocloud.dev s3blob, AWS SDK v2) takes for this server."""
        query = urllib.parse.urlencode({"endpoint": self.endpoint, "region": REGION, "use_path_style": "true"})
        return f"s3://{bucket}?{query}"

    def client(self):
        """A boto3 S3 client of this server (the S3 API, as any tool would read the bucket)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def keys(self, bucket: str) -> list[str]:
        """The keys of ``bucket``'s objects (listed, not read)."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in ``bucket``, by key."""
        s3 = self.client()
        found = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                found[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        return found

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()  # type: ignore[union-attr]
