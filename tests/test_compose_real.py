"""Compose for real: the Compose v2 plugin built by ``make compose``, the Pulumi engine built by ``make engine``,
a network-namespace test host provisioned as a generic machine, the busybox image imported (no registry).

- ``docker-machine compose dev ...``: up -d, a request reaches the published port, ps, down;
- ComposeApp in an inline Automation API program with the DockerMachine it targets: outputs, a changed
  file updates the application, destroy removes it (and then the machine);
- ``docker-machine stack deploy/rm`` on a single-node swarm formed on the test host. The kernel here has no
  IP_VS, so there is no routing mesh: ports are published in host mode and services use dnsrr.
Requests go to the test host's address only, after checking that it is up.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.conftest import ROOT, require
from tests.dockertools import busybox_image, docker, static_busybox, write_client_certs
from tests.test_engine_cli import PEM_KEY, create_generic, engine_world, environment, machine, shell

pytestmark = [pytest.mark.remote_host, pytest.mark.engine]

PLUGIN = ROOT / ".engine" / "docker-config" / "cli-plugins" / "docker-compose"
IMAGE = "dmtest/busybox:latest"
HTTPD = "busybox mkdir -p /www && echo {text} > /www/index.html && exec busybox httpd -f -p 80 -h /www"


def compose_file(text: str = "hello-from-web", port: int = 8080) -> str:
    return f"""services:
  web:
    image: {IMAGE}
    pull_policy: never
    stop_signal: SIGKILL
    command: ["/bin/busybox", "sh", "-c", "{HTTPD.format(text=text)}"]
    ports: ["{port}:80"]
  worker:
    image: {IMAGE}
    pull_policy: never
    stop_signal: SIGKILL
    command: ["/bin/busybox", "sleep", "3600"]
"""


def stack_file(web_deploy: str = "{endpoint_mode: dnsrr}") -> str:
    """Two services for docker stack deploy; web published in host mode (no routing mesh: no IP_VS here)."""
    return f"""services:
  web:
    image: {IMAGE}
    command: ["/bin/busybox", "sh", "-c", "{HTTPD.format(text="hello-from-the-swarm")}"]
    stop_signal: SIGKILL
    ports:
      - {{target: 80, published: 8090, protocol: tcp, mode: host}}
    deploy: {web_deploy}
  worker:
    image: {IMAGE}
    command: ["/bin/busybox", "sleep", "3600"]
    stop_signal: SIGKILL
    deploy: {{endpoint_mode: dnsrr}}
"""


STACK_FILE = stack_file()


@pytest.fixture(scope="module")
def host(remote_host):
    return remote_host


def link_compose_plugin(docker_config: Path) -> Path:
    """The plugin from make compose, where the docker CLI of these tests looks (DOCKER_CONFIG/cli-plugins)."""
    require([] if PLUGIN.exists() else ["the Docker Compose plugin in .engine/ (run 'make compose')"], "compose tests")
    require(
        [] if any((Path(p) / "docker").exists() for p in os.environ["PATH"].split(":")) else ["the docker CLI"],
        "compose tests",
    )
    plugins = docker_config / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    (plugins / "docker-compose").symlink_to(PLUGIN)
    return docker_config


@pytest.fixture
def compose_plugin(world) -> Path:
    return link_compose_plugin(world.docker_config)


@pytest.fixture(scope="module")
def dev(host, built_engine, tmp_path_factory):
    """Machine 'dev', made once with the busybox image imported, for the compose command's test and then the
    swarm stack's (which removes it): each leaves no container, service or swarm behind."""
    world, settings = engine_world(tmp_path_factory, built_engine, "dev")
    link_compose_plugin(world.docker_config)
    with environment(settings):
        created = create_generic(world, host, "dev")
        if created.returncode == 0:
            import_busybox(world, "dev", tmp_path_factory.mktemp("image"))
    yield world, created
    if (world.root / "machines" / "dev").exists():
        with environment(settings):
            machine(world, "rm", "-f", "-y", "dev")


def get(host, port: int, timeout: float = 60) -> str:
    """The body at the test host's port, once something answers there (within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        host.assert_up()
        try:
            with urllib.request.urlopen(f"http://{host.address}:{port}/", timeout=5) as response:
                return response.read().decode()
        except OSError as err:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing answered on {host.address}:{port}: {err}") from None
            time.sleep(0.5)


def import_busybox(world, name: str, tmp_path: Path) -> None:
    image = tmp_path / "busybox.tar"
    image.write_bytes(busybox_image(static_busybox()))
    imported = shell(world, f"docker $(docker-machine config {name}) import - {IMAGE} < {image}")
    assert imported.returncode == 0, imported.stderr


@dataclass
class SwarmTarget:
    """What ComposeApp needs of a swarm: a manager's engine and certificates (DockerSwarm's outputs)."""

    docker_host: str
    ca_pem: str
    client_cert_pem: str
    client_key_pem: str
    is_swarm: bool = True


def export_app(app) -> None:
    import pulumi

    pulumi.export("services", app.services)
    pulumi.export("published_ports", app.published_ports)


def inline_stack(tmp_path: Path, program) -> auto.Stack:
    """A stack of an inline program in a local file backend under ``tmp_path``."""
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(state),
        project_settings=auto.ProjectSettings(
            name="compose-test", runtime="python", backend=auto.ProjectBackend(url=state.as_uri())
        ),
        secrets_provider="passphrase",
        env_vars={"PULUMI_CONFIG_PASSPHRASE": "compose passphrase", "PULUMI_PYTHON_CMD": sys.executable},
    )
    return auto.create_or_select_stack("dev", project_name="compose-test", program=program, opts=opts)


def test_compose_command_up_ps_down(dev, host, pulumi_engine, tmp_path):
    world, created = dev
    assert created.returncode == 0, created.stdout + created.stderr
    app = tmp_path / "app"
    app.mkdir()
    (app / "compose.yaml").write_text(compose_file())
    file = str(app / "compose.yaml")

    up = machine(world, "compose", "dev", "-f", file, "-p", "shop", "up", "-d")
    assert up.returncode == 0, up.stdout + up.stderr
    assert get(host, 8080) == "hello-from-web\n"
    ps = machine(world, "compose", "dev", "-f", file, "-p", "shop", "ps", "--format", "{{.Service}} {{.State}}")
    assert ps.returncode == 0, ps.stderr
    assert sorted(ps.stdout.splitlines()) == ["web running", "worker running"]
    wrong = machine(world, "compose", "dev", "-p", "shop", "no-such-subcommand")
    assert wrong.returncode != 0, "docker compose's own failure is the exit code"

    down = machine(world, "compose", "dev", "-f", file, "-p", "shop", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    left = shell(world, "docker $(docker-machine config dev) ps -aq")
    assert left.returncode == 0 and left.stdout == "", "down removed both containers"


def test_stack_deploy_and_rm_on_a_single_node_swarm(dev, host, pulumi_engine, tmp_path):
    world, created = dev
    assert created.returncode == 0, created.stdout + created.stderr
    initialized = host.ssh(f"docker swarm init --advertise-addr {host.address}")
    assert initialized.returncode == 0, initialized.stderr
    try:
        (tmp_path / "stack.yml").write_text(STACK_FILE)
        deployed = machine(
            world, "stack", "deploy", "dev", "-c", str(tmp_path / "stack.yml"), "--resolve-image", "never", "shop"
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert get(host, 8090, timeout=120) == "hello-from-the-swarm\n"
        services = machine(world, "stack", "services", "dev", "shop", "--format", "{{.Name}}")
        assert sorted(services.stdout.split()) == ["shop_web", "shop_worker"], services.stdout + services.stderr

        removed = machine(world, "stack", "rm", "dev", "shop")
        assert removed.returncode == 0, removed.stdout + removed.stderr
        assert host.output("docker service ls -q") == ""
        deadline = time.monotonic() + 60  # the manager removes the stack's network; the node follows in a moment
        while host.output("docker network ls -q --filter label=com.docker.stack.namespace=shop") != "":
            assert time.monotonic() < deadline, "the stack's network is still there a minute after stack rm"
            time.sleep(1)

        # The same file as a ComposeApp whose target is a swarm (is_swarm: docker stack deploy / stack rm).
        from pulumi_docker_machine.components import ComposeApp, ComposeAppArgs

        folder = world.root / "machines" / "dev"
        swarm = SwarmTarget(
            docker_host=f"tcp://{host.address}:2376",
            ca_pem=(folder / "ca.pem").read_text(),
            client_cert_pem=(folder / "cert.pem").read_text(),
            client_key_pem=(folder / "key.pem").read_text(),
        )
        # Its variables from an env file, substituted before docker runs (none reaches docker's environment).
        env_file = tmp_path / "swarm.env"
        env_file.write_text("GREETING=hello-from-the-swarm\nWEB_PORT=8090\nLD_PRELOAD=/nonexistent/evil.so\n")
        content = STACK_FILE.replace("hello-from-the-swarm", "${GREETING}").replace(
            "published: 8090", "published: '${WEB_PORT}'"
        )
        assert "${GREETING}" in content and "${WEB_PORT}" in content
        stack = inline_stack(
            tmp_path,
            lambda: export_app(
                ComposeApp(
                    "shop",
                    ComposeAppArgs(target=swarm, content=content, env_files=[str(env_file)], resolve_image="never"),
                )
            ),
        )
        up = stack.up()
        assert up.outputs["services"].value == ["web", "worker"]
        assert up.outputs["published_ports"].value == {"web": ["8090->80/tcp"]}
        assert get(host, 8090, timeout=120) == "hello-from-the-swarm\n"
        stack.destroy()
        assert host.output("docker service ls -q") == "", "destroy ran docker stack rm"
    finally:
        host.ssh("docker swarm leave --force")
    assert machine(world, "rm", "-y", "dev").returncode == 0


def test_compose_app_through_the_engine(world, host, pulumi_engine, compose_plugin, tmp_path, monkeypatch):
    from pulumi_docker_machine.components import (
        ComposeApp,
        ComposeAppArgs,
        DockerMachine,
        DockerMachineArgs,
        GenericDriver,
    )
    from pulumi_docker_machine.components.engine import EngineOptions

    monkeypatch.setenv("DOCKER_CONFIG", str(compose_plugin))  # where the provider's docker finds the plugin
    env_file = tmp_path / "app.env"
    env_file.write_text("WEB_PORT=8080\n")

    def program_for(content: str | None):
        def program() -> None:
            box = DockerMachine(
                "box",
                DockerMachineArgs(
                    driver=GenericDriver(ip_address=host.address, ssh_key=str(host.ssh_key)),
                    engine=EngineOptions(install_url="none"),
                ),
            )
            import pulumi

            pulumi.export("docker_host", box.docker_host)
            pulumi.export("ca_pem", box.ca_pem)
            pulumi.export("client_cert_pem", box.client_cert_pem)
            pulumi.export("client_key_pem", box.client_key_pem)
            if content is not None:
                app = ComposeApp("shop", ComposeAppArgs(target=box, content=content, env_files=[str(env_file)]))
                pulumi.export("services", app.services)
                pulumi.export("published_ports", app.published_ports)

        return program

    stack = inline_stack(tmp_path, program_for(None))
    state = tmp_path / "state"
    outputs = stack.up().outputs
    certs = write_client_certs(
        tmp_path / "certs", outputs["ca_pem"].value, outputs["client_cert_pem"].value, outputs["client_key_pem"].value
    )
    imported = docker(
        host, outputs["docker_host"].value, certs, "import", "-", IMAGE, stdin=busybox_image(static_busybox())
    )
    assert imported.returncode == 0, imported.stderr

    # ${WEB_PORT} comes from the env file.
    first = compose_file().replace('"8080:80"', '"${WEB_PORT}:80"')
    up = stack.up(program=program_for(first))
    assert up.outputs["services"].value == ["web", "worker"]
    assert up.outputs["published_ports"].value == {"web": ["8080->80/tcp"]}
    assert get(host, 8080) == "hello-from-web\n"
    again = stack.up(program=program_for(first))
    assert set(again.summary.resource_changes) == {"same"}, "the same file: nothing to do"

    changed = stack.up(program=program_for(compose_file(text="changed", port=8081)))
    assert changed.summary.resource_changes.get("update") == 1, changed.summary.resource_changes
    assert changed.outputs["published_ports"].value == {"web": ["8081->80/tcp"]}
    assert get(host, 8081) == "changed\n"

    checkpoints = [p.read_text() for p in state.rglob("*.json") if "/stacks/" in str(p)]
    assert any("ComposeDeployment" in text for text in checkpoints), "the state file was found"
    for text in checkpoints:
        assert not PEM_KEY.search(text.replace("\\n", "\n")), "a private key in plaintext"
        assert "WEB_PORT=8080" not in text, "an env file in plaintext"

    dropped = stack.up(program=program_for(None))
    assert dropped.summary.resource_changes.get("delete") == 2, dropped.summary.resource_changes  # app + deployment
    left = docker(host, outputs["docker_host"].value, certs, "ps", "-aq")
    assert left.returncode == 0 and left.stdout == b"", "removing the app ran docker compose down"

    stack.up(program=program_for(first))
    assert get(host, 8080) == "hello-from-web\n"
    deleted: list[str] = []

    def on_event(event) -> None:
        pre = event.resource_pre_event
        if pre is not None and pre.metadata.op == "delete":
            deleted.append(pre.metadata.type)

    stack.destroy(on_event=on_event)
    order = [t.rsplit(":", 1)[1] for t in deleted]
    assert "ComposeDeployment" in order and order.index("ComposeDeployment") < order.index("Command"), (
        f"the app goes before the machine is deprovisioned: {deleted}"
    )
    assert host.output("ls /etc/docker/server.pem 2>/dev/null || true") == "", "and then the machine was undone"
