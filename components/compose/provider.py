"""ComposeApp's deployment as a Pulumi dynamic provider running the local ``docker`` CLI.

The engine stores this provider pickled *by reference*: the module path ``pulumi_docker_machine.components.compose.provider``
and the class name ``ComposeDeploymentProvider`` are a contract with every existing stack's state. The
provider holds no state.

Inputs (all echoed into the outputs, since ``diff`` sees the previous outputs): ``project_name``,
``mode`` (compose or stack), ``docker_host``, ``ca_pem``, ``client_cert_pem``, ``client_key_pem``
(secret), ``content`` (the Compose file), ``env_files`` (a list of ``{name, content}``, secret),
``project_directory``, ``resolve_image`` (stack), ``remove_volumes`` (compose down). Outputs added:
``content_sha256``, ``services``, ``published_ports``.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import deploy

# What the Python SDK puts in place of a value not known yet (during preview).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Another project name, engine or kind of deployment is another application: the old one goes first
# (same name on the same engine must never be deployed, then removed).
REPLACE_ON = ("project_name", "mode", "docker_host")
# Re-run up / deploy when any of these changed (the file, its env files, where its paths resolve, the
# image policy, or the credentials kept for the next call).
UPDATE_ON = (
    "content",
    "env_files",
    "project_directory",
    "resolve_image",
    "remove_volumes",
    "ca_pem",
    "client_cert_pem",
    "client_key_pem",
)
DEFAULTS = {
    "mode": "compose",
    "env_files": [],
    "project_directory": "",
    "resolve_image": "always",
    "remove_volumes": False,
}


def _props(props: dict[str, Any]) -> dict[str, Any]:
    return {**DEFAULTS, **{k: v for k, v in props.items() if v is not None or k not in DEFAULTS}}


def _outs(props: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    return {**props, "content_sha256": deploy.content_sha256(props["content"]), **found}


class ComposeDeploymentProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = _props(news)
        return CheckResult(news, [CheckFailure(p, r) for p, r in deploy.problems(news, UNKNOWN)])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = _props(olds), _props(news)
        replaces = [k for k in REPLACE_ON if news.get(k) == UNKNOWN or news.get(k) != olds.get(k)]
        changed = [k for k in UPDATE_ON if news.get(k) == UNKNOWN or news.get(k) != olds.get(k)]
        return DiffResult(changes=bool(replaces or changed), replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = _props(props)
        _refuse(props)
        try:
            found = deploy.deploy(props)
        except BaseException:
            # Nothing half-made stays behind unrecorded: what did start is taken down again.
            try:
                deploy.remove(props)
            except Exception:  # noqa: BLE001 - the deploy's own error is the one to report
                pass
            raise
        return CreateResult(f"{props['mode']}:{props['project_name']}", _outs(props, found))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        news = _props(news)
        _refuse(news)
        return UpdateResult(_outs(news, deploy.deploy(news)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = _props(props)
        found = deploy.summary(props)
        if not found["services"]:
            return ReadResult("", {})  # gone: `pulumi refresh` drops it
        return ReadResult(id_, _outs(props, found))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        deploy.remove(_props(props))


def _refuse(props: dict[str, Any]) -> None:
    found = deploy.problems(props)
    if found:
        raise ValueError(found[0][1])
