"""A stand-in for the pulumi-command provider's ``command:remote:Command``, run by the real engine.

Why it exists: the real provider is the Go module github.com/pulumi/pulumi-command/provider, which
this workplace's Go module proxy refuses ("403 This module version is not available", every version
tried), so it cannot be built here. Everything else in an engine test is real: the pulumi CLI, the
engine's diff/replace/delete ordering, state and secrets, the dynamic-provider process, SSH, dockerd.

It is started by the engine as the plugin ``pulumi-resource-command`` (a test puts a wrapper on PATH,
where the engine takes ambient plugins from) and follows pulumi-command v1.2.1's remote.Command
(provider/pkg/provider/remote, read from its source):
- inputs: ``connection`` (required, with ``host`` required; defaults user root, port 22,
  dialErrorLimit 10, perDialTimeout 15), ``create``/``update``/``delete``, ``stdin``,
  ``environment``, ``triggers``, ``logging``, ``addPreviousOutputInEnv``; outputs add ``stdout`` and
  ``stderr`` (one trailing newline trimmed);
- a change to ``triggers`` replaces; any other input change updates, running ``update`` or else
  ``create``; delete runs ``delete`` when set; a failed create leaves nothing in state (the real
  provider returns a plain error, not a partial-state one);
- a failing command is reported as ``Process exited with status N: running "CMD":`` and the output.
Not modelled: ``environment`` and ``addPreviousOutputInEnv`` (nothing here sets them), password, agent
and proxy connections, host-key checking, logging of the output into
the engine's diagnostics. Connections go only to loopback and the test bed's 10.213.0.0/16.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent import futures
from threading import Event

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime import proto, rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import ResourceProviderServicer, provider_pb2_grpc

VERSION = "1.2.1"
INPUTS = ("triggers", "create", "update", "delete", "stdin", "logging", "connection", "environment",
          "addPreviousOutputInEnv")
CONNECTION_DEFAULTS = {"user": "root", "port": 22, "dialErrorLimit": 10, "perDialTimeout": 15}
ALLOWED = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.213.0.0/16"))
# pulumi-command retries ssh.Dial, whose handshake includes authentication: a key not installed yet (a VM
# whose cloud-init has not run) is a dial error too.
_DIAL_ERROR = re.compile(r"Connection refused|Connection timed out|No route to host|Network is unreachable|"
                         r"Connection reset|Connection closed|kex_exchange_identification|Permission denied \(")


class CommandFailed(Exception):
    pass


def _serialize(props: dict):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def _known(value) -> bool:
    return value is not rpc.UNKNOWN and value != rpc.UNKNOWN


def check(news: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Defaults applied, and the failures pulumi-command's schema would report."""
    failures: list[tuple[str, str]] = []
    inputs = {key: value for key, value in news.items() if key in INPUTS}
    connection = inputs.get("connection")
    if connection is None:
        failures.append(("connection", "Missing required field 'connection' on 'remote.Command'"))
        return inputs, failures
    if not _known(connection):
        return inputs, failures
    if not isinstance(connection, dict):
        failures.append(("connection", "connection must be an object"))
        return inputs, failures
    connection = {**CONNECTION_DEFAULTS, **{k: v for k, v in connection.items() if v is not None}}
    if "host" not in connection:
        failures.append(("connection.host", "Missing required field 'host' on 'remote.Connection'"))
    for key, kind in (("host", str), ("user", str), ("privateKey", str), ("port", (int, float)),
                      ("dialErrorLimit", (int, float)), ("perDialTimeout", (int, float))):
        if key in connection and _known(connection[key]) and not isinstance(connection[key], kind):
            failures.append((f"connection.{key}", f"{key} has the wrong type"))
    for key in ("create", "update", "delete", "stdin"):
        if inputs.get(key) is not None and _known(inputs[key]) and not isinstance(inputs[key], str):
            failures.append((key, f"{key} must be a string"))
    inputs["connection"] = connection
    return inputs, failures


def diff(olds: dict, news: dict) -> tuple[bool, list[str]]:
    changed = [key for key in INPUTS if olds.get(key) != news.get(key)]
    return bool(changed), (["triggers"] if "triggers" in changed else [])


def _check_address(host: str) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise CommandFailed(f"the stand-in command provider connects only to IP addresses, not {host!r}") from None
    if not any(address in network for network in ALLOWED):
        raise CommandFailed(f"the stand-in command provider refuses {host}: only loopback and the test bed")


def run(props: dict, command: str) -> dict:
    """Run ``command`` over SSH as the real provider does; returns stdout and stderr."""
    connection = props["connection"]
    host = connection["host"]
    _check_address(host)
    limit = int(connection.get("dialErrorLimit", 10))
    per_dial = int(connection.get("perDialTimeout", 15))
    with tempfile.TemporaryDirectory() as folder:
        key = os.path.join(folder, "key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(connection.get("privateKey") or "")
        ssh = ["ssh", "-F", "/dev/null", "-i", key, "-p", str(int(connection.get("port", 22))),
               "-l", str(connection.get("user", "root")), "-o", "IdentitiesOnly=yes",
               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
               "-o", f"ConnectTimeout={per_dial or 600}", "-o", "LogLevel=error",
               "--", host, command]
        attempt = 0
        while True:
            attempt += 1
            result = subprocess.run(ssh, input=(props.get("stdin") or "").encode(), capture_output=True)
            stderr = result.stderr.decode(errors="replace")
            if result.returncode == 255 and _DIAL_ERROR.search(stderr) and (limit < 0 or attempt < limit):
                time.sleep(1)
                continue
            break
    stdout = result.stdout.decode(errors="replace")
    if result.returncode == 255 and _DIAL_ERROR.search(stderr):
        raise CommandFailed(f"Dial: failed to dial {host}:{connection.get('port', 22)} after {attempt} attempts: "
                            f"{stderr.strip()}")
    if result.returncode != 0:
        raise CommandFailed(f"Process exited with status {result.returncode}: running {json.dumps(command)}:\n"
                            f"{stdout}{stderr}")
    return {"stdout": stdout.removesuffix("\n"), "stderr": stderr.removesuffix("\n")}


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


class CommandProvider(ResourceProviderServicer):
    def GetPluginInfo(self, request, context):
        return proto.PluginInfo(version=VERSION)

    def CheckConfig(self, request, context):
        return proto.CheckResponse(inputs=request.news)

    def DiffConfig(self, request, context):
        return proto.DiffResponse(changes=proto.DiffResponse.DIFF_NONE)

    def Configure(self, request, context):
        return proto.ConfigureResponse(acceptSecrets=False, supportsPreview=False)

    def Check(self, request, context):
        news = rpc.deserialize_properties(request.news, True)
        inputs, failures = check(news)
        return proto.CheckResponse(inputs=_serialize(inputs),
                                   failures=[proto.CheckFailure(property=p, reason=r) for p, r in failures])

    def Diff(self, request, context):
        olds = rpc.deserialize_properties(request.olds, True)
        news = rpc.deserialize_properties(request.news, True)
        changed, replaces = diff(olds, news)
        return proto.DiffResponse(changes=proto.DiffResponse.DIFF_SOME if changed else proto.DiffResponse.DIFF_NONE,
                                  replaces=replaces)

    def Create(self, request, context):
        props = rpc.deserialize_properties(request.properties)
        state = {key: props[key] for key in INPUTS if key in props}
        try:
            if props.get("create"):
                state.update(run(props, props["create"]))
        except CommandFailed as err:
            context.abort(grpc.StatusCode.UNKNOWN, str(err))
        return proto.CreateResponse(id=f"{_name_of(request.urn)}{secrets.token_hex(4)}", properties=_serialize(state))

    def Update(self, request, context):
        olds = rpc.deserialize_properties(request.olds)
        news = rpc.deserialize_properties(request.news)
        state = {**{key: news[key] for key in INPUTS if key in news},
                 "stdout": olds.get("stdout", ""), "stderr": olds.get("stderr", "")}
        command = news.get("update") or news.get("create")
        try:
            if command:
                state.update(run(news, command))
        except CommandFailed as err:
            context.abort(grpc.StatusCode.UNKNOWN, str(err))
        return proto.UpdateResponse(properties=_serialize(state))

    def Delete(self, request, context):
        props = rpc.deserialize_properties(request.properties)
        try:
            if props.get("delete"):
                run(props, props["delete"])
        except CommandFailed as err:
            context.abort(grpc.StatusCode.UNKNOWN, str(err))
        return empty_pb2.Empty()

    def Read(self, request, context):
        return proto.ReadResponse(id=request.id, properties=request.properties, inputs=request.inputs)

    def Cancel(self, request, context):
        return empty_pb2.Empty()


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(CommandProvider(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    try:
        Event().wait()
    except KeyboardInterrupt:  # the engine ends its plugins with SIGINT
        server.stop(0)


if __name__ == "__main__":
    main()
