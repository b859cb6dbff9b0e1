"""ComposeApp's provider (diff, checks, the docker command lines it runs) and the compose/stack commands'
error paths, with a stand-in ``docker`` that records what it was given. No engine, no host."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_docker_machine.components.compose.deploy import deploy, problems, remove, summary
from pulumi_docker_machine.components.compose.interpolate import InterpolationError
from pulumi_docker_machine.components.compose.dockercli import (
    MISSING_DOCKER,
    MISSING_PLUGIN,
    DockerCLIError,
    compose_ps_summary,
    parse_env_file,
    service_inspect_summary,
)
from pulumi_docker_machine.components.compose.provider import UNKNOWN, ComposeDeploymentProvider
from tests.conftest import require
from tests.test_cli_read import NOT_FOUND, run_script

KEY = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE\n-----END PRIVATE KEY-----\n"
FILE = "services:\n  web:\n    image: dmtest/busybox\n    ports: ['8080:80']\n  worker:\n    image: dmtest/busybox\n"

FAKE_DOCKER = Path(__file__).parent / "fakes" / "docker.py"  # parses its arguments as the real CLI does


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    (folder / "docker").write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE_DOCKER} "$@"\n')
    (folder / "docker").chmod(0o755)
    log = tmp_path / "docker.log"
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(log))
    for key in ("FAKE_NO_COMPOSE", "FAKE_DOCKER_OUT", "FAKE_DOCKER_EXIT", "DOCKER_CONTEXT", "DOCKER_HOST"):
        monkeypatch.delenv(key, raising=False)

    def calls() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return calls


def props(**overrides) -> dict:
    base = {
        "project_name": "shop",
        "mode": "compose",
        "docker_host": "tcp://127.0.0.1:2376",
        "ca_pem": "CA",
        "client_cert_pem": "CERT",
        "client_key_pem": KEY,
        "content": FILE,
        "env_files": [],
        "project_directory": "",
        "resolve_image": "always",
        "remove_volumes": False,
    }
    return {**base, **overrides}


# ----- diff and check ---------------------------------------------------------------------------------------------


def test_diff_updates_on_content_and_env_files_replaces_on_identity():
    provider = ComposeDeploymentProvider()
    old = {**props(), "services": ["web"], "published_ports": {}, "content_sha256": "x"}
    assert not provider.diff("id", old, props()).changes, "nothing changed"
    changed = provider.diff("id", old, props(content=FILE + "  db:\n    image: dmtest/busybox\n"))
    assert changed.changes and not changed.replaces, "a new file is an update (up again), not a replacement"
    env = provider.diff("id", old, props(env_files=[{"name": ".env", "content": "TAG=2\n"}]))
    assert env.changes and not env.replaces
    for key, value in (
        ("project_name", "other"),
        ("mode", "stack"),
        ("docker_host", "tcp://127.0.0.2:2376"),
        ("docker_host", UNKNOWN),
    ):
        replaced = provider.diff("id", old, props(**{key: value}))
        assert replaced.replaces == [key] and replaced.delete_before_replace, key
    assert provider.diff("id", old, props(content=UNKNOWN)).changes, "a file not known yet may differ"


def test_check_names_each_bad_input():
    provider = ComposeDeploymentProvider()
    assert provider.check({}, props()).failures == []
    assert provider.check({}, props(docker_host=UNKNOWN, content=UNKNOWN)).failures == [], "preview: not known yet"
    bad = provider.check(
        {},
        props(
            project_name="Shop!",
            mode="helm",
            content="  \n",
            resolve_image="sometimes",
            docker_host="unix:///var/run/docker.sock",
            project_directory="/no/such/dir",
        ),
    )
    assert [f.property for f in bad.failures] == [
        "project_name",
        "mode",
        "content",
        "resolve_image",
        "docker_host",
        "project_directory",
    ]
    checked = provider.check({}, {k: v for k, v in props().items() if k not in ("mode", "env_files")})
    assert checked.inputs["mode"] == "compose" and checked.inputs["env_files"] == [], "defaults filled in"


# ----- what the provider runs -----------------------------------------------------------------------------------

PS_JSON = "\n".join(
    json.dumps(r)
    for r in (
        {
            "Service": "web",
            "Publishers": [
                {"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"},
                {"URL": "::", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"},
                {"URL": "", "TargetPort": 9000, "PublishedPort": 0, "Protocol": "tcp"},
            ],
        },
        {"Service": "worker", "Publishers": None},
    )
)


def test_compose_up_over_tls_files_no_secret_in_argv(fake_docker, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_DOCKER_OUT", PS_JSON)
    monkeypatch.setenv("DOCKER_CONTEXT", "elsewhere")  # must not win over the machine
    project = tmp_path / "project"
    project.mkdir()
    env_files = [{"name": ".env", "content": "APP_TAG=1\n"}, {"name": "prod.env", "content": "APP_SECRET=s3cret\n"}]
    found = deploy(props(env_files=env_files, project_directory=str(project)))
    assert found == {"services": ["web", "worker"], "published_ports": {"web": ["8080->80/tcp"]}}

    calls = fake_docker()
    version, up, ps = calls
    assert version["argv"] == ["compose", "version"]
    assert up["argv"][:6] == ["compose", "--project-name", "shop", "--file", "-", "--project-directory"]
    assert up["argv"][-3:] == ["up", "--detach", "--remove-orphans"]
    assert up["argv"].count("--env-file") == 2 and list(up["env_files"].values()) == [
        "APP_TAG=1\n",
        "APP_SECRET=s3cret\n",
    ]
    assert up["stdin"] == FILE and up["cwd"] == str(project), "the file on stdin, paths from the project folder"
    assert ps["argv"][-4:] == ["ps", "--all", "--format", "json"]
    assert up["env"]["DOCKER_HOST"] == "tcp://127.0.0.1:2376" and up["env"]["DOCKER_TLS_VERIFY"] == "1"
    assert "DOCKER_CONTEXT" not in up["env"]
    assert "APP_SECRET" not in up["env"], "compose reads env files itself (--env-file), not from its environment"
    assert up["modes"] == {"folder": "0o700", "ca.pem": "0o644", "cert.pem": "0o644", "key.pem": "0o600"}
    for call in calls:
        assert not any("PRIVATE KEY" in a or "s3cret" in a for a in call["argv"]), "no secret on a command line"
    assert not Path(up["env"]["DOCKER_CERT_PATH"]).exists(), "the private folder is removed afterwards"


STACK_FILE = (
    "services:\n  web:\n    image: dmtest/busybox:${APP_TAG}\n    deploy:\n      replicas: ${APP_REPLICAS:-1}\n"
)


def test_stack_deploy_substitutes_env_files_none_reaches_dockers_environment(fake_docker, monkeypatch):
    monkeypatch.setenv(
        "FAKE_DOCKER_OUT",
        json.dumps(
            [
                {
                    "Spec": {
                        "Name": "shop_web",
                        "EndpointSpec": {
                            "Mode": "dnsrr",
                            "Ports": [
                                {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"}
                            ],
                        },
                    }
                },
                {"Spec": {"Name": "shop_worker", "EndpointSpec": {"Mode": "dnsrr"}}},
            ]
        ),
    )
    monkeypatch.setenv("APP_REPLICAS", "3")  # the deployer's environment wins over an env file, as in docker compose
    hostile = "LD_PRELOAD=/tmp/evil.so\nHTTPS_PROXY=http://127.0.0.9:1\nDOCKER_HOST=tcp://127.0.0.9:2376\n"
    env_files = [{"name": "e", "content": "APP_TAG=7$x\nAPP_REPLICAS=5\n" + hostile}]
    found = deploy(props(mode="stack", resolve_image="never", content=STACK_FILE, env_files=env_files))
    assert found == {"services": ["web", "worker"], "published_ports": {"web": ["8080->80/tcp"]}}
    deployed, listed, inspected = fake_docker()
    assert deployed["argv"] == ["stack", "deploy", "--compose-file", "-", "--prune", "--resolve-image", "never", "shop"]
    assert deployed["stdin"] == (
        'services:\n  web:\n    image: "dmtest/busybox:7$$x"\n    deploy:\n      replicas: 3\n'
    ), "substituted here; a $ in a value escaped for docker"
    for key in ("APP_TAG", "LD_PRELOAD", "HTTPS_PROXY"):
        assert key not in deployed["env"] and key not in deployed["all_env"], f"{key} reached docker's environment"
    assert deployed["env"]["DOCKER_HOST"] == "tcp://127.0.0.1:2376", "an env file does not point docker elsewhere"
    assert listed["argv"] == ["service", "ls", "--quiet", "--filter", "label=com.docker.stack.namespace=shop"]
    assert inspected["argv"] == ["service", "inspect", "svc1", "svc2"]


def test_stack_deploy_of_a_file_that_cannot_be_substituted_runs_nothing(fake_docker):
    with pytest.raises(
        InterpolationError,
        match=r"^invalid interpolation format for services.web.image: "
        r'"required variable APP_TAG is missing a value: set it"',
    ):
        deploy(props(mode="stack", content="services:\n  web:\n    image: busybox:${APP_TAG:?set it}\n"))
    assert fake_docker() == [], "no docker command ran"


def test_down_and_stack_rm(fake_docker):
    remove(props(remove_volumes=True))
    remove(props(mode="stack"))
    calls = [c["argv"] for c in fake_docker()]
    assert calls[1][-3:] == ["down", "--remove-orphans", "--volumes"]
    assert calls[2] == ["stack", "rm", "shop"]


def test_a_failure_names_the_command_and_create_takes_down_what_started(fake_docker, monkeypatch):
    monkeypatch.setenv("FAKE_DOCKER_EXIT", "17")
    with pytest.raises(DockerCLIError, match=r"^docker compose up of shop on tcp://127.0.0.1:2376 failed \(exit 17\)"):
        ComposeDeploymentProvider().create(props())
    assert [c["argv"][-1] for c in fake_docker()] == ["version", "--remove-orphans", "version", "--remove-orphans"]
    assert fake_docker()[3]["argv"][-2] == "down", "the half-made project is taken down"


def test_missing_compose_plugin_and_missing_docker(fake_docker, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_NO_COMPOSE", "1")
    with pytest.raises(DockerCLIError) as raised:
        summary(props())
    assert str(raised.value) == MISSING_PLUGIN
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(DockerCLIError) as raised:
        deploy(props())
    assert str(raised.value) == MISSING_DOCKER


def test_output_parsers():
    assert compose_ps_summary(PS_JSON) == (["web", "worker"], {"web": ["8080->80/tcp"]})
    older = json.dumps(
        [{"Service": "db", "Publishers": [{"TargetPort": 53, "PublishedPort": 5353, "Protocol": "udp"}]}]
    )
    assert compose_ps_summary(older) == (["db"], {"db": ["5353->53/udp"]}), "an older plugin prints one array"
    assert compose_ps_summary("") == ([], {})
    assert service_inspect_summary(json.dumps([{"Spec": {"Name": "other_web"}}]), "shop") == (["other_web"], {})
    assert parse_env_file("# c\nexport A=1\nB = 'two words'\nC=\"x\\ny\"\nD=plain # note\nbad line\n") == {
        "A": "1",
        "B": "two words",
        "C": "x\ny",
        "D": "plain",
    }
    assert problems(props(project_name="a" * 64))[0][0] == "project_name"


# ----- the component's arguments ---------------------------------------------------------------------------------


class Target:
    docker_host = "tcp://127.0.0.1:2376"
    ca_pem, client_cert_pem, client_key_pem = "CA", "CERT", KEY


def test_component_arguments(tmp_path):
    import pulumi

    from pulumi_docker_machine.components import ComposeAppArgs
    from pulumi_docker_machine.components.compose.component import (
        ComposeArgumentError,
        build_props,
        default_project_name,
    )

    compose_file = tmp_path / "app" / "compose.yaml"
    compose_file.parent.mkdir()
    compose_file.write_text(FILE)
    (tmp_path / "app.env").write_text("APP_TAG=1\n")
    built = build_props(
        "Shop.Front", ComposeAppArgs(target=Target(), file=compose_file, env_files=[tmp_path / "app.env"])
    )
    assert built["content"] == FILE and built["project_directory"] == str(compose_file.parent)
    assert built["project_name"] == "shop-front" == default_project_name("Shop.Front") and built["mode"] == "compose"
    assert isinstance(built["env_files"], pulumi.Output) and isinstance(built["client_key_pem"], pulumi.Output)

    class Swarm(Target):
        is_swarm = True

    assert build_props("s", ComposeAppArgs(target=Swarm(), content=FILE))["mode"] == "stack"
    assert build_props("s", ComposeAppArgs(target=Swarm(), content=FILE))["project_directory"] == ""
    for args, message in (
        (ComposeAppArgs(target=Target()), "give either file= (a path) or content= (the text)"),
        (ComposeAppArgs(target=Target(), file=compose_file, content=FILE), "give either file="),
        (
            ComposeAppArgs(target=object(), content=FILE),
            "it has no docker_host, ca_pem, client_cert_pem, client_key_pem",
        ),
        (ComposeAppArgs(target=Target(), content=FILE, project_name="Bad Name"), "project name 'Bad Name' must be"),
        (ComposeAppArgs(target=Target(), file=tmp_path / "none.yaml"), "cannot read the Compose file"),
        (ComposeAppArgs(target=Target(), content=FILE, env_files=["/no/such.env"]), "cannot read the env file"),
        (ComposeAppArgs(target=Target(), content=FILE, resolve_image="sometimes"), "resolve_image must be one of"),
    ):
        with pytest.raises(ComposeArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
            build_props("app", args)


# ----- the commands ------------------------------------------------------------------------------------------------


def fake_path(tmp_path) -> str:
    return f"{tmp_path / 'fake-bin'}:{os.environ['PATH']}"


def test_compose_command_passes_everything_and_exits_with_dockers_code(world, engine, fake_docker, tmp_path):
    env = {"PATH": fake_path(tmp_path), "FAKE_DOCKER_LOG": os.environ["FAKE_DOCKER_LOG"], "FAKE_DOCKER_EXIT": "5"}
    result = run_script(world, "compose", "dev", "-f", "x.yaml", "up", "-d", "--remove-orphans", extra_env=env)
    assert result.returncode == 5, result.stderr
    version, call = fake_docker()
    assert version["argv"] == ["compose", "version"]
    assert call["argv"] == ["compose", "-f", "x.yaml", "up", "-d", "--remove-orphans"], "every argument after NAME"
    folder = world.root / "machines" / "dev"
    assert call["env"]["DOCKER_HOST"] == f"tcp://127.0.0.1:{engine.port}" and call["env"]["DOCKER_TLS_VERIFY"] == "1"
    assert call["env"]["DOCKER_CERT_PATH"] == str(folder) and call["env"]["DOCKER_MACHINE_NAME"] == "dev"


def test_compose_command_error_paths(world, engine, fake_docker, tmp_path):
    env = {"PATH": fake_path(tmp_path), "FAKE_DOCKER_LOG": os.environ["FAKE_DOCKER_LOG"]}
    unknown = run_script(world, "compose", "nope", "ps", extra_env=env)
    assert (unknown.returncode, unknown.stderr) == (1, NOT_FOUND)
    no_plugin = run_script(world, "compose", "dev", "ps", extra_env={**env, "FAKE_NO_COMPOSE": "1"})
    assert (no_plugin.returncode, no_plugin.stderr) == (1, f"Error: {MISSING_PLUGIN}\n")
    assert no_plugin.stderr.count("\n") == 1, "one line"
    no_docker = run_script(world, "compose", "dev", "ps", extra_env={"PATH": str(tmp_path / "empty")})
    assert (no_docker.returncode, no_docker.stderr) == (1, f"Error: {MISSING_DOCKER}\n")
    assert [c["argv"] for c in fake_docker()] == [["compose", "version"]], "nothing ran but the plugin check"


def test_stack_commands_take_a_manager_machine(world, engine, fake_docker, tmp_path):
    env = {"PATH": fake_path(tmp_path), "FAKE_DOCKER_LOG": os.environ["FAKE_DOCKER_LOG"]}
    deployed = run_script(
        world, "stack", "deploy", "dev", "-c", "stack.yml", "--resolve-image", "never", "shop", extra_env=env
    )
    assert deployed.returncode == 0, deployed.stderr
    removed = run_script(world, "stack", "rm", "dev", "shop", extra_env=env)
    assert removed.returncode == 0, removed.stderr
    listed = run_script(world, "stack", "services", "dev", "shop", "--format", "{{.Name}}", extra_env=env)
    assert listed.returncode == 0, listed.stderr
    unknown = run_script(world, "stack", "rm", "nope", "shop", extra_env=env)
    assert (unknown.returncode, unknown.stderr) == (1, NOT_FOUND)
    calls = fake_docker()
    assert [c["argv"] for c in calls] == [
        ["stack", "deploy", "-c", "stack.yml", "--resolve-image", "never", "shop"],
        ["stack", "rm", "shop"],
        ["stack", "services", "shop", "--format", "{{.Name}}"],
    ]
    assert calls[0]["env"]["DOCKER_HOST"] == f"tcp://127.0.0.1:{engine.port}"


def test_compose_and_stack_commands_import_no_pulumi(world, engine, fake_docker, tmp_path):
    code = (
        "import sys\nfrom pulumi_docker_machine.cli.app import main\n"
        "for args in (['compose', 'dev', 'ps'], ['stack', 'ls', 'dev']):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pulumi', 'grpc', 'dill'})\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    )
    env = {**os.environ, **world.env, "PATH": fake_path(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "HEAVY=\n" in result.stderr, result.stderr
    assert len(fake_docker()) == 3, "compose version, compose ps, stack ls"


# ----- the stand-in docker refuses what the real one refuses ---------------------------------------------------------

ROOT = Path(__file__).parent.parent
INVOCATIONS = [  # (arguments, the real CLI refuses them before asking any engine)
    ("compose version", False),
    ("compose version extra", True),
    (
        "compose --project-name shop --file - --project-directory /tmp --env-file /dev/null up --detach --remove-orphans",
        False,
    ),
    ("compose --project-name shop --file - ps --all --format json", False),
    ("compose --project-name shop --file - down --remove-orphans --volumes", False),
    ("compose -f - up -d", False),
    ("compose -p shop -f - ps -a -q", False),
    ("compose --bogus ps", True),
    ("compose --file - up --detach --nope", True),
    ("compose --file - ps --all --format", True),
    ("compose --file - down -x", True),
    ("compose --file - frobnicate", True),
    ("stack deploy --compose-file - --prune --resolve-image never shop", False),
    ("stack deploy -c - --resolve-image=changed shop", False),
    ("stack rm shop", False),
    ("stack rm a b", False),
    ("stack ls", False),
    ("stack services shop --format {{.Name}}", False),
    ("stack ps shop", False),
    ("service ls --quiet --filter label=x=y", False),
    ("service inspect a b", False),
    ("stack deploy shop", True),
    ("stack deploy --compose-file -", True),
    ("stack deploy --compose-file - a b", True),
    ("stack deploy --compose-file - --resolve-image sometimes shop", True),
    ("stack deploy --bogus -c - x", True),
    ("stack deploy --prune=maybe -c - x", True),
    ("stack rm", True),
    ("stack ls extra", True),
    ("service ls --quiet extra", True),
    ("service inspect", True),
    ("service ls --bogus", True),
    ("stack frob x", True),
]
NO_ENGINE = ("Cannot connect to the Docker daemon", "nonexistent.sock")


def test_the_stand_in_refuses_exactly_what_the_real_docker_refuses(tmp_path):
    real_docker = shutil.which("docker")
    plugin = ROOT / ".engine" / "docker-config" / "cli-plugins" / "docker-compose"
    require(
        ([] if real_docker else ["command docker"]) + ([] if plugin.exists() else ["make compose"]),
        "comparing the stand-in docker with the real one",
    )
    env = {
        **os.environ,
        "DOCKER_CONFIG": str(plugin.parent.parent),
        "DOCKER_HOST": "unix:///nonexistent.sock",
        "FAKE_DOCKER_LOG": str(tmp_path / "log"),
    }
    env.pop("DOCKER_CONTEXT", None)
    for line, refused in INVOCATIONS:
        args = line.split()
        real = subprocess.run([real_docker, *args], input=FILE, capture_output=True, text=True, env=env, timeout=60)
        fake = subprocess.run(
            [sys.executable, str(FAKE_DOCKER), *args], input=FILE, capture_output=True, text=True, env=env, timeout=60
        )
        real_refused = real.returncode != 0 and not any(marker in real.stderr for marker in NO_ENGINE)
        assert real_refused == refused, (line, real.stderr)
        assert (fake.returncode != 0) == refused, (line, fake.stderr)
        if refused:
            assert fake.returncode == real.returncode, (line, real.stderr, fake.stderr)
            assert fake.stderr.splitlines()[0] == real.stderr.splitlines()[0], line
