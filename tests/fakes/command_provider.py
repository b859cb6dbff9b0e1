"""A stand-in for the pulumi-command provider's ``command:remote:Command``, run by the real engine.

Why it exists: the real provider is the Go module github.com/pulumi/pulumi-command/provider, which
this workplace's Go module proxy refuses ("403 This module version is not available", every version
tried), so it cannot be built here. Everything else in an engine test is real: the pulumi CLI, the
engine's diff/replace/delete ordering, state and secrets, the dynamic-provider process, SSH, dockerd.

It is started by the engine as the plugin ``pulumi-resource-command`` (a test puts a wrapper on PATH,
where the engine takes ambient plugins from) and follows pulumi-command v1.2.1's remote.Command
(provider/pkg/provider/remote, read from its source, and pulumi-go-provider v1.3.0's infer layer):
- inputs: ``connection`` (required, with ``host`` required; defaults user root, port 22,
  dialErrorLimit 10, perDialTimeout 15), ``create``/``update``/``delete``, ``stdin``,
  ``environment``, ``triggers``, ``logging``, ``addPreviousOutputInEnv``; outputs add ``stdout`` and
  ``stderr``. Check accepts inputs that are not known yet (a preview's), of any field;
- it supports previews: a previewed create or update runs nothing and reports ``stdout`` and
  ``stderr`` as unknown (the infer layer marks them computed);
- a change to ``triggers`` replaces; any other input change updates, running ``update`` or else
  ``create``; delete runs ``delete`` when set; a failed create leaves nothing in state (the real
  provider returns a plain error, not a partial-state one);
- the command itself runs through tests/fakes/remote_command.py, the one implementation the
  executing mocks use too: its docstring lists what is followed (dial retries and back-off, errors
  that fail at once, the agent, output) and what is not.
Connections go only to loopback and the test bed's 10.213.0.0/16.
"""

from __future__ import annotations

import ipaddress
import secrets
import sys
from concurrent import futures
from pathlib import Path
from threading import Event

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2

from tests.fakes.remote_command import CONNECTION_DEFAULTS, RemoteCommandError, run as run_remote


def _pulumi_protocol():
    """The SDK's generated plugin and provider protocol modules and its gRPC server options, loaded from the
    installed pulumi package without running ``pulumi/__init__.py``: importing the whole SDK (automation,
    mocks, every protocol) cost this plugin 0.14 s of CPU at each start, and the engine starts it for every
    update and destroy."""
    import importlib
    import importlib.util
    import types

    found = importlib.util.find_spec("pulumi")  # finds the package, runs none of it
    runtime = Path(found.submodule_search_locations[0]) / "runtime"  # type: ignore[index, union-attr]
    package = types.ModuleType("_pulumi_protocol")
    package.__path__ = [str(runtime / "proto")]  # its modules import each other relatively
    sys.modules["_pulumi_protocol"] = package
    plugin = importlib.import_module("_pulumi_protocol.plugin_pb2")
    provider = importlib.import_module("_pulumi_protocol.provider_pb2")
    provider_grpc = importlib.import_module("_pulumi_protocol.provider_pb2_grpc")
    spec = importlib.util.spec_from_file_location("_pulumi_grpc_settings", runtime / "_grpc_settings.py")
    settings = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(settings)  # type: ignore[union-attr]
    messages = types.SimpleNamespace(
        **{
            name: getattr(module, name)
            for module in (plugin, provider)
            for name in dir(module)
            if not name.startswith("_")
        }
    )
    return messages, provider_grpc, settings._GRPC_CHANNEL_OPTIONS


proto, provider_pb2_grpc, _GRPC_CHANNEL_OPTIONS = _pulumi_protocol()
ResourceProviderServicer = provider_pb2_grpc.ResourceProviderServicer

VERSION = "1.2.1"
INPUTS = (
    "triggers",
    "create",
    "update",
    "delete",
    "stdin",
    "logging",
    "connection",
    "environment",
    "addPreviousOutputInEnv",
)
OUTPUTS = ("stdout", "stderr")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the wire's unknown value (plugin.UnknownStringValue)
ALLOWED = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"), ipaddress.ip_network("10.213.0.0/16"))


def allowed(address: str) -> bool:
    return any(ipaddress.ip_address(address) in network for network in ALLOWED)


def _known(value) -> bool:
    return value != UNKNOWN


def plain(struct) -> dict:
    """A request's properties as plain values; an unknown stays the wire's unknown string."""
    return json_format.MessageToDict(struct)


def wire(props: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


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
    for key, kind in (
        ("host", str),
        ("user", str),
        ("privateKey", str),
        ("port", (int, float)),
        ("dialErrorLimit", (int, float)),
        ("perDialTimeout", (int, float)),
    ):
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


def run(props: dict, command: str) -> dict:
    """Run ``command`` over SSH as the real provider does; returns stdout and stderr."""
    stdout, stderr = run_remote(props["connection"], command, props.get("stdin"), allowed=allowed)
    return {"stdout": stdout, "stderr": stderr}


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _fail(context, err: RemoteCommandError):
    context.abort(getattr(grpc.StatusCode, err.grpc_code), str(err))


class CommandProvider(ResourceProviderServicer):
    def GetPluginInfo(self, request, context):
        return proto.PluginInfo(version=VERSION)

    def CheckConfig(self, request, context):
        return proto.CheckResponse(inputs=request.news)

    def DiffConfig(self, request, context):
        return proto.DiffResponse(changes=proto.DiffResponse.DIFF_NONE)

    def Configure(self, request, context):
        return proto.ConfigureResponse(acceptSecrets=False, supportsPreview=True)

    def Check(self, request, context):
        inputs, failures = check(plain(request.news))
        return proto.CheckResponse(
            inputs=wire(inputs), failures=[proto.CheckFailure(property=p, reason=r) for p, r in failures]
        )

    def Diff(self, request, context):
        changed, replaces = diff(plain(request.olds), plain(request.news))
        return proto.DiffResponse(
            changes=proto.DiffResponse.DIFF_SOME if changed else proto.DiffResponse.DIFF_NONE, replaces=replaces
        )

    def Create(self, request, context):
        props = plain(request.properties)
        state = {key: props[key] for key in INPUTS if key in props}
        if request.preview:  # nothing runs; the outputs are computed
            state.update(stdout=UNKNOWN, stderr=UNKNOWN)
        else:
            state.update(stdout="", stderr="")
            try:
                if props.get("create") is not None:
                    state.update(run(props, props["create"]))
            except RemoteCommandError as err:
                _fail(context, err)
        return proto.CreateResponse(id=f"{_name_of(request.urn)}{secrets.token_hex(4)}", properties=wire(state))

    def Update(self, request, context):
        olds, news = plain(request.olds), plain(request.news)
        state = {
            **{key: news[key] for key in INPUTS if key in news},
            "stdout": olds.get("stdout", ""),
            "stderr": olds.get("stderr", ""),
        }
        if request.preview:
            state.update(stdout=UNKNOWN, stderr=UNKNOWN)
            return proto.UpdateResponse(properties=wire(state))
        command = news.get("update") if news.get("update") is not None else news.get("create")
        try:
            if command is not None:
                state.update(run(news, command))
        except RemoteCommandError as err:
            _fail(context, err)
        return proto.UpdateResponse(properties=wire(state))

    def Delete(self, request, context):
        props = plain(request.properties)
        try:
            if props.get("delete") is not None:
                run(props, props["delete"])
        except RemoteCommandError as err:
            _fail(context, err)
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
