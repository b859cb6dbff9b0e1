"""The qemu driver: qemu-system run directly, state through QMP, cloud-init's NoCloud seed for first boot
(see provider.py for its state contract)."""

from .driver import QemuDriver, QemuVM

__all__ = ["QemuDriver", "QemuVM"]
