"""Certificates and SSH keys as Pulumi dynamic resources (imports pulumi)."""

from .resources import CertificateAuthority, ClientCertificate, ServerCertificate, SSHKey

__all__ = ["CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey"]
