"""The VM's base image, fetched once into the store's cache and checked against its SHA-256."""

from __future__ import annotations

import hashlib
import os
import posixpath
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional

# Ubuntu 24.04 LTS, the cloud image Canonical publishes for VirtualBox (a VMDK), with SHA256SUMS beside it.
DEFAULT_IMAGE_URL = "https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-amd64.vmdk"
DOWNLOAD_TIMEOUT = 60  # seconds without progress
_CHUNK = 1 << 20


class ImageError(RuntimeError):
    pass


def file_name(url: str) -> str:
    name = posixpath.basename(urllib.parse.urlparse(url).path)
    if not name:
        raise ImageError(f"image URL {url!r} names no file: give the URL of a .vmdk or .iso")
    return name


def sums_url(url: str) -> str:
    """``SHA256SUMS`` in the image's folder, as Ubuntu publishes it."""
    return urllib.parse.urljoin(url, "SHA256SUMS")


def _open(url: str):
    try:
        return urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT)  # noqa: S310 (http, https and file are all fine)
    except (OSError, ValueError) as err:
        raise ImageError(f"could not fetch {url}: {err}") from None


def published_sha256(url: str) -> str:
    """The image's SHA-256 from the SHA256SUMS file next to it."""
    name = file_name(url)
    with _open(sums_url(url)) as response:
        text = response.read().decode()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == name:
            return parts[0].lower()
    raise ImageError(f"{sums_url(url)} lists no checksum for {name}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_image(url: str, cache_dir: Path, sha256: Optional[str] = None, verify: bool = True) -> Path:
    """The cached copy of ``url``, downloaded first if needed.

    With ``verify`` the checksum is ``sha256`` or else the published one; a cached
    copy that does not match is fetched again, a download that does not match is
    thrown away with an error. Without ``verify`` (the legacy boot2docker ISO, which
    publishes no checksum) a cached copy is reused as it is.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / file_name(url)
    expected = (sha256 or published_sha256(url)).lower() if verify else None
    if target.exists() and (expected is None or sha256_of(target) == expected):
        return target
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with _open(url) as response, open(partial, "wb") as out:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise ImageError(f"could not download {url}: {err}") from None
    if expected is not None and digest.hexdigest() != expected:
        partial.unlink(missing_ok=True)
        raise ImageError(
            f"checksum mismatch for {url}: expected {expected}, got {digest.hexdigest()}; "
            "the download was discarded, try again or check the URL"
        )
    os.replace(partial, target)
    return target
