"""DockerMachine: a VM from a driver, Docker installed and configured over SSH, reachable over mutual TLS."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi
from pulumi_command import remote

from .cert import DEFAULT_KEY_TYPE, KeyType, san_entries
from .certificates import DockerCertificates, DockerCertificatesArgs, ExistingCertificates
from .drivers import Driver
from .drivers.base import check_driver
from .engine import EngineOptions
from .material import ServerCertificate, SSHKey
from .names import INVALID_NAME, name_problem, valid_machine_name
from .provision import check_command_size, provisioning_stdin, remote_command, render_deprovision_script, render_script
from .ssh import DEFAULT_SSH_KEY_TYPE, SSHKeyType, public_key_from_private
from .ssh.hostkeys import host_keys_from_output, parse_host_key

TYPE = "docker-machine:index:DockerMachine"


class MachineArgumentError(ValueError):
    """Arguments that can't make a machine; raised before any resource is registered."""


@dataclass
class DockerMachineArgs:
    driver: Driver
    engine: EngineOptions = field(default_factory=EngineOptions)
    tls_sans: Sequence[str] = ()
    # Share one CA and client certificate between machines (made in the stack, or given as PEMs);
    # by default each machine makes its own.
    certificates: Optional[DockerCertificates | ExistingCertificates] = None
    ssh_key_type: SSHKeyType | str = DEFAULT_SSH_KEY_TYPE
    tls_key_type: KeyType | str = DEFAULT_KEY_TYPE
    organization: Optional[str] = None
    hostname: Optional[str] = None  # default: the machine name
    power: str = "running"  # the wanted power state: running, stopped (the CLI's start/stop)
    force_stop: bool = False  # stop without a clean shutdown (the CLI's kill)
    reinstall_engine: bool = False  # run the engine installer even where Docker is installed (upgrade)
    provision_nonce: str = ""  # a new value re-runs provisioning
    ssh_dial_error_limit: int = 30
    ssh_per_dial_timeout: int = 15
    daemon_timeout: int = 120
    # The machine's pinned SSH host key ("TYPE BASE64"): provisioning then refuses a host that shows another one
    # (pulumi-command's connection.hostKey). None: no key is checked (the first provisioning reports them).
    ssh_host_key: Optional[str] = None
    # The machine's own SSH private key, already on the host (a machine adopted from docker-machine): none is
    # generated or authorized, and a cloud VM is given its public half.
    ssh_private_key: Optional[pulumi.Input[str]] = None


def validate(name: str, args: DockerMachineArgs) -> None:
    if name_problem(name):
        raise MachineArgumentError(f"Error creating machine: {name_problem(name)} (got {name[:80]!r})")
    if not isinstance(args.driver, Driver):
        raise MachineArgumentError(
            f"driver must be a driver object such as GenericDriver(...), not {type(args.driver).__name__}"
        )
    if not isinstance(args.engine, EngineOptions):
        raise MachineArgumentError("engine must be an EngineOptions")
    if args.hostname is not None and not valid_machine_name(args.hostname):
        raise MachineArgumentError(f"invalid hostname {args.hostname!r}: {INVALID_NAME}")
    if args.power not in ("running", "stopped"):
        raise MachineArgumentError(f"power must be running or stopped, not {args.power!r}")
    check_driver(args.driver, name)
    if args.power != "running" and not args.driver.supports_power:
        raise MachineArgumentError(f"{args.driver.name} driver does not support stop")
    san_entries(args.tls_sans)
    check_command_size(args.engine, args.driver.name)
    SSHKeyType.parse(args.ssh_key_type)
    KeyType.parse(args.tls_key_type)
    if args.ssh_host_key is not None and parse_host_key(args.ssh_host_key) is None:
        raise MachineArgumentError(f"ssh_host_key {str(args.ssh_host_key)[:60]!r} is not an SSH host key (TYPE BASE64)")
    for option in ("ssh_dial_error_limit", "ssh_per_dial_timeout", "daemon_timeout"):
        if int(getattr(args, option)) < 1:
            raise MachineArgumentError(f"{option} must be at least 1")


def docker_url(address: str, port: int) -> str:
    try:
        if isinstance(ipaddress.ip_address(address), ipaddress.IPv6Address):
            return f"tcp://[{address}]:{port}"
    except ValueError:
        pass
    return f"tcp://{address}:{port}"


class DockerMachine(pulumi.ComponentResource):
    """One Docker host: VM (per driver), key material kept in state, Docker provisioned over SSH."""

    ip: pulumi.Output[str]
    private_ip: pulumi.Output[str]  # what other machines of a cluster reach it at (ip where no private network)
    docker_host: pulumi.Output[str]
    ssh_user: pulumi.Output[str]
    ssh_host: pulumi.Output[str]
    ssh_port: pulumi.Output[int]
    ssh_private_key: pulumi.Output[str]  # secret
    ca_pem: pulumi.Output[str]
    client_cert_pem: pulumi.Output[str]
    client_key_pem: pulumi.Output[str]  # secret
    server_cert_pem: pulumi.Output[str]
    driver: pulumi.Output[str]
    driver_options: pulumi.Output[dict]
    engine: pulumi.Output[dict]
    power: pulumi.Output[str]
    docker_env: pulumi.Output[dict]
    ssh_host_keys: pulumi.Output[list]  # the host's public SSH host keys, "TYPE BASE64" each, as provisioning saw them

    def __init__(self, name: str, args: DockerMachineArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        try:
            validate(name, args)
        except ValueError as err:  # one clear line, whatever layer found it
            raise MachineArgumentError(str(err)) from None
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        driver, engine = args.driver, args.engine

        certs = args.certificates or DockerCertificates(
            f"{name}-certs",
            DockerCertificatesArgs(organization=args.organization, key_type=args.tls_key_type),
            opts=child,
        )
        given_key = args.ssh_private_key
        ssh_key = (
            SSHKey(f"{name}-ssh-key", args.ssh_key_type, comment=f"docker-machine@{name}", opts=child)
            if driver.uses_generated_key and given_key is None
            else None
        )
        public_key = (
            ssh_key.public_key
            if ssh_key is not None
            else pulumi.Output.unsecret(pulumi.Output.secret(given_key).apply(public_key_from_private))
            if given_key is not None and driver.uses_generated_key
            else None
        )
        running = args.power == "running"
        host = driver.create_host(name, public_key, engine.port, self, power=args.power, force=args.force_stop)
        # A host that exists already (generic) gets the machine's own key put on it first.
        authorized = driver.authorize_key(name, host, ssh_key, self) if ssh_key is not None else []
        private_key = (
            host.private_key
            if host.private_key is not None
            else given_key
            if given_key is not None
            else ssh_key.private_key
            if ssh_key is not None
            else ""
        )  # "": no SSH (none)
        address = pulumi.Output.from_input(host.address)
        ssh_address = pulumi.Output.from_input(host.ssh_address) if host.ssh_address is not None else address

        # An engine we do not provision serves its own certificate (none): no server certificate of ours.
        server = (
            None
            if not driver.provisions
            else ServerCertificate(
                f"{name}-server-cert",
                certs.ca,
                f"{certs.organization}.{name}",
                addresses=address.apply(lambda a: [a] if a else []),
                extra_sans=[*args.tls_sans, *host.extra_sans],
                key_type=args.tls_key_type,
                # A stopped VM may have no address: keep the certificate until it runs again.
                opts=child if running else pulumi.ResourceOptions(parent=self, ignore_changes=["addresses"]),
            )
        )
        # A host we did not create keeps its hostname unless one is asked for.
        hostname = args.hostname or (name if driver.owns_host else None)
        ssh_user = pulumi.Output.from_input(host.ssh_user)
        # Typed as an Input: what Output.secret's signature can match.
        stdin: pulumi.Input[str] = (
            ""
            if server is None
            else pulumi.Output.all(certs.ca_pem, server.cert_pem, server.key_pem).apply(
                lambda pems: provisioning_stdin(engine, *pems)  # --engine-env values too: never in a command
            )
        )
        provision = (
            None
            if not (running and server is not None)
            else remote.Command(
                f"{name}-provision",
                connection=remote.ConnectionArgs(
                    host=ssh_address,
                    port=host.ssh_port,
                    user=ssh_user,
                    private_key=pulumi.Output.secret(private_key),
                    dial_error_limit=args.ssh_dial_error_limit,
                    per_dial_timeout=args.ssh_per_dial_timeout,
                    host_key=args.ssh_host_key,
                ),
                create=ssh_user.apply(
                    lambda user: remote_command(
                        render_script(
                            engine,
                            driver.name,
                            hostname=hostname,
                            ssh_user=user,
                            daemon_timeout=args.daemon_timeout,
                            reinstall=args.reinstall_engine,
                        ),
                        user,
                    )
                ),
                # Destroying a machine we created destroys its VM; on a host we were only lent, undo our setup.
                delete=(
                    None
                    if driver.owns_host
                    else ssh_user.apply(lambda user: remote_command(render_deprovision_script(), user))
                ),
                stdin=pulumi.Output.secret(stdin),
                # The certificates ride on stdin: keep the step's output out of the engine's logs.
                logging=remote.Logging.NONE,
                add_previous_output_in_env=False,
                # A new certificate or CA replaces the step; an engine option changes `create` or `stdin`, an
                # update that re-runs `create` in place (no deprovisioning of the host first).
                triggers=[server.id, certs.ca_id, args.provision_nonce],
                # On a lent host the old command's delete undoes the setup: it must run before the new create.
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[*host.depends_on, *authorized], delete_before_replace=not driver.owns_host
                ),
            )
        )

        self.host = host  # for a cluster's firewall; not an output
        self.ip = address
        self.private_ip = (
            pulumi.Output.from_input(host.private_address) if host.private_address is not None else address
        )
        # Known only once Docker answers: a consumer of docker_host waits for provisioning.
        provisioned = provision.id if provision is not None else pulumi.Output.from_input("stopped")
        port = host.engine_port if host.engine_port is not None else engine.port
        self.docker_host = pulumi.Output.all(address, provisioned, port).apply(
            lambda a: docker_url(a[0], int(a[2])) if a[0] else ""
        )
        self.ssh_user = ssh_user
        self.ssh_host = ssh_address
        self.ssh_port = pulumi.Output.from_input(host.ssh_port)
        self.ssh_private_key = pulumi.Output.secret(private_key)
        self.ca_pem = certs.ca_pem
        self.client_cert_pem = certs.client_cert_pem
        self.client_key_pem = certs.client_key_pem
        self.server_cert_pem = server.cert_pem if server is not None else pulumi.Output.from_input("")
        self.driver = pulumi.Output.from_input(driver.name)
        self.driver_options = pulumi.Output.from_input(driver.to_dict())
        self.engine = _secret_if(bool(engine.env), engine.to_dict())  # --engine-env values are secrets
        self.power = pulumi.Output.from_input(args.power)
        self.docker_env = self.docker_host.apply(
            lambda url: {"DOCKER_HOST": url, "DOCKER_TLS_VERIFY": "1", "DOCKER_MACHINE_NAME": name}
        )
        # Public data from the script's last lines (untrusted: each key checked); a stopped machine keeps its pin.
        pinned = [args.ssh_host_key] if args.ssh_host_key else []
        self.ssh_host_keys = (
            pulumi.Output.unsecret(provision.stdout.apply(lambda out: host_keys_from_output(out) or pinned))
            if provision is not None
            else pulumi.Output.from_input(pinned)
        )
        self.register_outputs({key: getattr(self, key) for key in OUTPUTS})


OUTPUTS = (
    "ip",
    "private_ip",
    "docker_host",
    "ssh_user",
    "ssh_host",
    "ssh_port",
    "ssh_private_key",
    "ca_pem",
    "client_cert_pem",
    "client_key_pem",
    "server_cert_pem",
    "driver",
    "driver_options",
    "engine",
    "power",
    "docker_env",
    "ssh_host_keys",
)


def _secret_if(secret: bool, value: Any) -> pulumi.Output:
    return pulumi.Output.secret(value) if secret else pulumi.Output.from_input(value)
