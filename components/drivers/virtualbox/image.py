"""The VM's base image: fetched once into the store's cache, kept by content (components/drivers/imagecache.py,
shared with the qemu driver) and checked against its SHA-256."""

from __future__ import annotations

from ..imagecache import DOWNLOAD_TIMEOUT, ImageError, fetch_image, file_name, published_sha256, sha256_of, sums_url

# Ubuntu 24.04 LTS, the cloud image Canonical publishes for VirtualBox (a VMDK), with SHA256SUMS beside it.
DEFAULT_IMAGE_URL = "https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-amd64.vmdk"

__all__ = [
    "DEFAULT_IMAGE_URL",
    "DOWNLOAD_TIMEOUT",
    "ImageError",
    "fetch_image",
    "file_name",
    "published_sha256",
    "sha256_of",
    "sums_url",
]
