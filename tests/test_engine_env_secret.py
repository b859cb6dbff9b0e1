"""``--engine-env`` values (proxy passwords) are secrets: in no process's command line (local or on the host),
secret in the stack's config and state, and still in dockerd's environment.

The first tests need no engine; the last creates a machine through the real engine against a test host,
watching every process's command line the whole time (run it under the shared lock: flock /tmp/pdm-realhost.lock).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from pulumi_docker_machine.automation.settings import MachineSpec, from_config, to_config
from pulumi_docker_machine.components import DigitalOceanDriver, DockerMachine, DockerMachineArgs, EngineOptions
from pulumi_docker_machine.components.machine import OUTPUTS
from tests.conftest import MachineMocks, require, run_program
from tests.execwatch import ExecWatch
from tests.execwatch import unavailable as execwatch_unavailable

PROXY_PASSWORD = "Pr0xy-" + secrets.token_hex(8)
ENV = [f"HTTPS_PROXY=http://dm:{PROXY_PASSWORD}@127.0.0.1:9", f"DMTEST_TOKEN={PROXY_PASSWORD}-2"]
CERTS = {"ca_pem": "CA", "ca_key_pem": "CAKEY", "client_cert_pem": "CERT", "client_key_pem": "KEY"}


def test_stack_config_keeps_the_environment_as_a_secret_and_reads_it_back():
    spec = MachineSpec(driver="generic", engine={"labels": ["a=b"], "env": ENV})
    values = to_config(spec, CERTS)
    plain = {key: value for key, (value, secret) in values.items() if not secret}
    assert not any(PROXY_PASSWORD in value for value in plain.values()), "an --engine-env value in plain config"
    assert values["docker-machine:engineEnv"][1] is True
    back = from_config({key: value for key, (value, _) in values.items()})
    assert back.engine == spec.engine
    none = to_config(MachineSpec(driver="generic", engine={"env": []}), CERTS)["docker-machine:engineEnv"]
    assert none == ("[]", False), "no environment: a plain empty list replaces an earlier secret one"
    old = {"docker-machine:driver": "generic", "docker-machine:engine": '{"env": ["A=1"]}'}
    assert from_config(old).engine == {"env": ["A=1"]}, "a stack from before keeps its environment"


def test_the_component_keeps_the_environment_secret_and_off_the_command(monkeypatch):
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_test_token")
    mocks = MachineMocks()

    def program():
        machine = DockerMachine("envy", DockerMachineArgs(driver=DigitalOceanDriver(), engine=EngineOptions(env=ENV)))
        return {name: getattr(machine, name) for name in OUTPUTS}

    outputs = run_program(mocks, program)
    engine, secret = outputs["engine"]
    assert secret and engine["env"] == ENV, "the engine output is secret when it holds an environment"
    command = mocks.one("command:remote:Command").inputs
    assert PROXY_PASSWORD not in command["create"]
    assert command["stdin"].count(PROXY_PASSWORD) == 2
    assert not any(PROXY_PASSWORD in str(trigger) for trigger in command["triggers"])


# ----- through the real engine, watching every process's command line --------------------------------------------


class ArgvWatch(ExecWatch):
    """Every process's command line while a command runs (the test host shares this machine's process table: its
    sshd and the provisioning shell are seen too); ``leaks``: those that hold ``needle``."""

    def __init__(self, needle: str) -> None:
        require(execwatch_unavailable(), "watching every process's command line")
        super().__init__()
        self.needle = needle

    @property
    def leaks(self) -> list[str]:
        return [line[:300] for line in sorted(self.seen) if self.needle in line]

    @property
    def saw_provisioning(self) -> bool:
        return any("docker-machine provisioning, generated" in line for line in self.seen)


@pytest.mark.remote_host
@pytest.mark.engine
def test_engine_env_is_in_no_argv_no_plaintext_state_and_in_dockerds_environment(world, remote_host, pulumi_engine):
    from tests.test_engine_cli import SCRIPTS, generic_create_args, machine

    host = remote_host
    args = generic_create_args(host)
    for item in ENV:
        args += ["--engine-env", item]
    env = {**os.environ, **world.env, "DOCKER_CONFIG": str(world.docker_config)}
    with ArgvWatch(PROXY_PASSWORD) as watch:
        # The docker-machine process itself is given the value on its command line by the test (as a user
        # types it): what must not happen is any process it starts, here or on the host, showing it.
        created = subprocess.run(
            [str(SCRIPTS / "docker-machine"), *args, "envy"], capture_output=True, text=True, env=env, timeout=600
        )
    assert created.returncode == 0, created.stdout + created.stderr
    own = [line for line in watch.leaks if "docker-machine create" in line]
    assert watch.leaks == own, f"an --engine-env value in a command line: {watch.leaks[len(own) :][:3]}"
    assert watch.saw_provisioning, "the watch saw the provisioning command's shell"

    pid = host.pid_of("dockerd")
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert all(item.encode() in environ for item in ENV), "dockerd runs with the environment"
    assert host.output("stat -c %a /etc/docker/docker-machine.env").strip() == "600"

    texts = [p.read_text(errors="replace") for p in (world.root / "state").rglob("*") if p.is_file()]
    texts += [p.read_text() for p in (world.root / "pulumi").glob("Pulumi.*.yaml")]
    assert any("ServerCertificate" in t for t in texts) and any("engineEnv" in t for t in texts), "state and config"
    assert not any(PROXY_PASSWORD in t for t in texts), "an --engine-env value in plaintext state or config"

    # The stack's secret config gives it back: provisioning again keeps dockerd's environment.
    host.output("rm -f /etc/docker/docker-machine.env")
    with ArgvWatch(PROXY_PASSWORD) as watch:
        provisioned = machine(world, "provision", "envy")
    assert provisioned.returncode == 0, provisioned.stdout + provisioned.stderr
    assert watch.leaks == [], f"an --engine-env value in a command line: {watch.leaks[:3]}"
    assert PROXY_PASSWORD in host.output("cat /etc/docker/docker-machine.env")
    assert machine(world, "rm", "-y", "envy").returncode == 0
