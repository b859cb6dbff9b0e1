"""Certificates and SSH keys as Pulumi dynamic resources (imports pulumi)."""

from .resources import AuthorizedKey, CertificateAuthority, ClientCertificate, ServerCertificate, SSHKey

__all__ = ["AuthorizedKey", "CertificateAuthority", "ClientCertificate", "ServerCertificate", "SSHKey"]
