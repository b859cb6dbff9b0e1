"""The VirtualBox driver: a dynamic provider driving VBoxManage (see provider.py for its state contract)."""

from .driver import VirtualBoxDriver, VirtualBoxVM

__all__ = ["VirtualBoxDriver", "VirtualBoxVM"]
