"""The write side's pieces on their own: progress lines from engine events, the inline program, the Python API."""

from __future__ import annotations

import json

import pulumi
from pulumi.automation import EngineEvent

from pulumi_docker_machine.automation import MachineSpec, create_machine, machine_env
from pulumi_docker_machine.automation.certs import ensure_shared_certs
from pulumi_docker_machine.programs.inline import machine_program
from pulumi_docker_machine.automation.progress import Progress
from pulumi_docker_machine.automation.settings import to_config
from pulumi_docker_machine.store import Store
from tests.conftest import MachineMocks, run_program
from tests.fakes.pulumi_cli import FakePulumiCommand, step

# The resources of a DigitalOcean machine, in the order the engine creates them.
DROPLET_RUN = [
    ("pulumi-python:dynamic/docker-machine:SSHKey", "ssh-key"),
    ("digitalocean:index/sshKey:SshKey", "ssh-key"),
    ("digitalocean:index/droplet:Droplet", ""),
    ("digitalocean:index/firewall:Firewall", "firewall"),
    ("pulumi-python:dynamic/docker-machine:DropletPower", "power"),
    ("pulumi-python:dynamic/docker-machine:ServerCertificate", "server-cert"),
    ("command:remote:Command", "provision"),
]


def events(stack="dev", fail_at=None):
    recorded = []
    for index, (type_, suffix) in enumerate(DROPLET_RUN):
        name = f"{stack}-{suffix}" if suffix else stack
        recorded.append(step("resourcePreEvent", "create", type_, name, stack))
        if index == fail_at:
            recorded.append(
                {
                    "diagnosticEvent": {
                        "message": "Process exited with status 1\nError: the Docker installer failed\n",
                        "severity": "error",
                        "color": "never",
                    }
                }
            )
            recorded.append(
                {"resOpFailedEvent": {**step("x", "create", type_, name, stack)["x"], "status": 1, "steps": 1}}
            )
            break
        recorded.append(step("resOutputsEvent", "create", type_, name, stack))
    recorded.append(step("resourcePreEvent", "same", "digitalocean:index/droplet:Droplet", "x", stack))
    return [EngineEvent.from_json({"sequence": i, "timestamp": 0, **e}) for i, e in enumerate(recorded)]


def test_progress_lines_from_a_recorded_run():
    lines = []
    progress = Progress(lines.append)
    for event in events():
        progress(event)
    assert "\n".join(lines).splitlines() == [
        "Creating SSH key...",
        "Registering the SSH key with DigitalOcean...",
        "Creating machine...",
        "Waiting for machine to be running, this may take a few minutes...",
        "Opening SSH and the Docker port in the firewall...",
        "Setting the machine's power state...",
        "Copying certs to the local machine directory...",
        "Waiting for SSH to be available...",
        "Provisioning: installing Docker where needed, copying certs to the remote machine, setting Docker "
        "configuration on the remote daemon...",
        "Checking connection to Docker...",
    ]


def test_progress_names_the_failing_step_and_the_tail():
    progress = Progress(lambda line: None)
    for event in events(fail_at=6):
        progress(event)
    assert progress.failure("fallback") == (
        "Error creating machine: the update failed while waiting for ssh to be "
        "available:\nProcess exited with status 1\nError: the Docker installer failed"
    )


# What the engine reported here for a dynamic provider whose create raised (pulumi.dynamic sends format_exc()).
PROVIDER_TRACEBACK = (
    'Traceback (most recent call last):\n  File "/venv/lib/python3.11/site-packages/pulumi/dynamic/__main__.py", '
    "line 84, in wrapper\n    return fn(self, request, context)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File "
    '"/venv/lib/python3.11/site-packages/pulumi/dynamic/__main__.py", line 170, in Create\n    result = '
    'provider.create(props)\n             ^^^^^^^^^^^^^^^^^^^^^^\n  File "/tmp/dynx/run.py", line 7, in create\n'
    '    raise RuntimeError("QEMU refused to start: could not open disk\\n  second line")\nRuntimeError: QEMU '
    "refused to start: could not open disk\n  second line\n\n"
)


def test_a_providers_traceback_is_reduced_to_what_it_raised():
    progress = Progress(lambda line: None)
    progress.errors = [PROVIDER_TRACEBACK, "update failed"]
    assert progress.failure("fallback") == (
        "Error creating machine: the update failed:\nQEMU refused to start: could not open disk\n  second line"
    )
    chained = (
        'Traceback (most recent call last):\n  File "a.py", line 1, in f\n    g()\nOSError: gone\n\n'
        "During handling of the above exception, another exception occurred:\n\n" + PROVIDER_TRACEBACK
    )
    progress.errors = [chained]
    assert progress.failure("fallback").splitlines()[1:] == [
        "QEMU refused to start: could not open disk",
        "  second line",
    ]
    progress.errors = ["error: Traceback (most recent call last): is only quoted here"]
    assert progress.failure("x").endswith("is only quoted here"), "no frames: the message as it came"


def test_inline_program_under_mocks(tmp_path):
    store = Store(tmp_path / "store")
    certs = ensure_shared_certs(store)
    spec = MachineSpec(
        driver="digitalocean",
        driver_options={"region": "fra1", "access_token": "dop_v1_x"},
        engine={"labels": ["role=web"]},
        tls_sans=["web.example.com"],
    )
    config = {key: value for key, (value, _) in to_config(spec, certs).items()}
    secrets = [key for key, (_, secret) in to_config(spec, certs).items() if secret]
    pulumi.runtime.set_all_config(config, secrets)
    mocks = MachineMocks()
    mocks.run_dynamic = ("ServerCertificate", "SSHKey")
    try:

        def program():
            machine_program()
            return {}

        run_program(mocks, program)
    finally:
        pulumi.runtime.set_all_config({}, [])
    types = {r.typ for r in mocks.resources}
    assert "pulumi-python:dynamic/docker-machine:CertificateAuthority" not in types, "the store's CA is used"
    server = mocks.one("pulumi-python:dynamic/docker-machine:ServerCertificate")
    assert server.inputs["ca_cert_pem"] == certs["ca_pem"]
    assert server.inputs["extra_sans"] == ["web.example.com"]
    assert mocks.one("digitalocean:index/droplet:Droplet").inputs["region"] == "fra1"
    assert mocks.one("pulumi:providers:digitalocean").inputs["token"] == "dop_v1_x"
    assert json.loads(config["docker-machine:engine"])["labels"] == ["role=web"]
    stdin = mocks.one("command:remote:Command").inputs["stdin"]
    assert stdin.startswith(certs["ca_pem"].strip())


def test_python_api(world, tmp_path):
    from pulumi_docker_machine.automation import MachineWorkspace

    fake = FakePulumiCommand()
    workspace = MachineWorkspace(world.store(), pulumi_command=fake)
    said = []
    spec = MachineSpec(driver="digitalocean", driver_options={"access_token": "dop_v1_api"})
    host = create_machine("api", spec, workspace=workspace, say=said.append)
    assert host.url == "tcp://127.0.0.2:2376" and said[-2] == "Docker is up and running!"
    assert machine_env("api", store=world.store()) == {
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_HOST": "tcp://127.0.0.2:2376",
        "DOCKER_CERT_PATH": str(world.root / "machines" / "api"),
        "DOCKER_MACHINE_NAME": "api",
    }
