"""Provisioning: the remote command that installs and configures the Docker engine."""

from .render import (
    CA_PATH,
    DAEMON_JSON_PATH,
    ENGINE_ENV_PATH,
    SERVER_CERT_PATH,
    SERVER_KEY_PATH,
    Provisioning,
    certificate_bundle,
    check_command_size,
    daemon_config,
    engine_environment,
    provisioning,
    provisioning_stdin,
    remote_command,
    render_deprovision_script,
    render_script,
)

__all__ = [
    "CA_PATH",
    "DAEMON_JSON_PATH",
    "ENGINE_ENV_PATH",
    "SERVER_CERT_PATH",
    "SERVER_KEY_PATH",
    "Provisioning",
    "certificate_bundle",
    "check_command_size",
    "daemon_config",
    "engine_environment",
    "provisioning",
    "provisioning_stdin",
    "remote_command",
    "render_deprovision_script",
    "render_script",
]
