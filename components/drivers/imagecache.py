"""The store's cache of VM base images (STORE/cache), kept by content.

A cached image's file is named by its SHA-256 (``sha256-<hex>-<name from the URL>``) and is never
replaced by other content: overlays (qemu) and attached ISOs (VirtualBox's boot2docker) point at
these files, so an image that changes behind the same URL becomes a second file beside the first.
A download goes to its own temporary file, is checked, and is renamed into place; one process at a
time downloads one image (a lock per image), and ``cache prune`` (exclusive) waits for every fetch
and overlay creation (shared) to end. Old files stay until no machine uses them (imageuse.py).
"""

from __future__ import annotations

import hashlib
import os
import sys
import posixpath
import re
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional

from ..flock import FileLock
from .downloads import reporter

DOWNLOAD_TIMEOUT = 60  # seconds without progress
PREFIX = "sha256-"
TEMP_PREFIX = ".download-"
URL_POINTER_PREFIX = ".url-"
_CHUNK = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class ImageError(RuntimeError):
    pass


def file_name(url: str) -> str:
    name = posixpath.basename(urllib.parse.urlparse(url).path)
    if not name:
        raise ImageError(f"image URL {url!r} names no file: give the URL of a .vmdk, .img or .iso")
    return name


def cached_name(digest: str, url: str) -> str:
    """``sha256-<hex>-<the URL's file name>``: the content in the name; the URL's name only as a hint
    (characters other than letters, digits, '.', '_' and '-' become '_')."""
    hint = _UNSAFE.sub("_", file_name(url))[-80:].lstrip(".") or "image"
    return f"{PREFIX}{digest}-{hint}"


def digest_in_name(name: str) -> Optional[str]:
    """The SHA-256 a cache file's name claims, or None for names not made here."""
    if name.startswith(PREFIX) and _HEX64.fullmatch(name[len(PREFIX) : len(PREFIX) + 64] or ""):
        return name[len(PREFIX) : len(PREFIX) + 64]
    return None


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
        text = response.read(1 << 20).decode(errors="replace")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == name and _HEX64.fullmatch(parts[0].lower()):
            return parts[0].lower()
    raise ImageError(f"{sums_url(url)} lists no checksum for {name}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def lock_dir(cache_dir: Path) -> Path:
    """The store's lock folder (STORE/.locks, beside STORE/cache), as the CLI's store locks use."""
    return Path(cache_dir).parent / ".locks"


def images_in_use(cache_dir: Path) -> FileLock:
    """Held (shared) while a fetch or an overlay's creation relies on cached files; prune holds it exclusively."""
    return FileLock(lock_dir(cache_dir) / "cache.lock", shared=True)


def cache_exclusive(cache_dir: Path) -> FileLock:
    return FileLock(lock_dir(cache_dir) / "cache.lock", shared=False)


def _download_lock(cache_dir: Path, key: str) -> FileLock:
    return FileLock(lock_dir(cache_dir) / f"cache-{key[:32]}.lock")


def _download(url: str, cache_dir: Path) -> tuple[Path, str]:
    """``url`` into a new temporary file of this download's own in ``cache_dir``; its path and SHA-256."""
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=TEMP_PREFIX, suffix=".part")
    digest = hashlib.sha256()
    report = None
    try:
        with os.fdopen(fd, "wb") as out:
            with _open(url) as response:
                report = reporter(file_name(url), _length(response))
                done = 0
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
                    done += len(chunk)
                    if report:
                        report.update(done)
            out.flush()
            os.fsync(out.fileno())
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise ImageError(f"could not download {url}: {err}") from None
        raise
    finally:
        if report:
            report.close()
    return Path(tmp), digest.hexdigest()


def _length(response) -> Optional[int]:
    """The size the server announced (Content-Length), for the progress bar; None when it did not say."""
    value = response.headers.get("Content-Length") if response.headers else None
    return int(value) if value and value.isdigit() else None


def _publish(tmp: Path, target: Path) -> Path:
    """The checked download renamed into place, atomically (a reader sees the whole file or none)."""
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    if sys.platform != "win32":  # Windows opens no folder as a file (the rename is durable there by itself)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target


def _verified(url: str, cache_dir: Path, expected: str) -> Path:
    target = cache_dir / cached_name(expected, url)
    with _download_lock(cache_dir, expected):
        # Present and whole: reused. (A damaged copy is replaced only by the same content, so whatever
        # points at it still gets the bytes it was made on.)
        if target.is_file() and sha256_of(target) == expected:
            return target
        tmp, got = _download(url, cache_dir)
        if got != expected:
            tmp.unlink(missing_ok=True)
            raise ImageError(
                f"checksum mismatch for {url}: expected {expected}, got {got}; "
                "the download was discarded, try again or check the URL"
            )
        return _publish(tmp, target)


def _unverified(url: str, cache_dir: Path) -> Path:
    """No checksum to check against (the legacy boot2docker ISO): fetched once, then reused as it is; the
    URL's copy is found again through ``.url-<hash of the URL>``, which names the content's file."""
    key = hashlib.sha256(url.encode()).hexdigest()
    pointer = cache_dir / f"{URL_POINTER_PREFIX}{key}"
    with _download_lock(cache_dir, key):
        try:
            digest = pointer.read_text(errors="replace").strip()[:64]
        except OSError:
            digest = ""
        if _HEX64.fullmatch(digest) and (cache_dir / cached_name(digest, url)).is_file():
            return cache_dir / cached_name(digest, url)
        tmp, got = _download(url, cache_dir)
        target = cache_dir / cached_name(got, url)
        if target.is_file():
            tmp.unlink()
        else:
            _publish(tmp, target)
        from ..files import write_public

        write_public(pointer, got + "\n")
        return target


def fetch_image(url: str, cache_dir: Path, sha256: Optional[str] = None, verify: bool = True) -> Path:
    """The cached copy of ``url``'s current content, downloaded first if needed.

    With ``verify`` the checksum is ``sha256`` or else the one published beside the image; the file is
    ``sha256-<that checksum>-...``, and a download that does not match is thrown away with an error.
    Without ``verify`` a copy fetched earlier from the same URL is reused as it is.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    expected = (sha256 or published_sha256(url)).lower() if verify else None
    if expected is not None and not _HEX64.fullmatch(expected):
        raise ImageError(f"image SHA-256 {expected!r} is not 64 hexadecimal digits: give the image's SHA-256")
    with images_in_use(cache_dir):
        return _verified(url, cache_dir, expected) if expected else _unverified(url, cache_dir)


def machine_image(image: str, cache_dir: Path, sha256: Optional[str] = None) -> Path:
    """A VM's base image: a URL fetched once into the cache and checked against its SHA-256 (given, or
    published beside it); a local path used where it is, checked against ``sha256`` when given."""
    if "://" in image:
        return fetch_image(image, cache_dir, sha256)
    path = Path(image).resolve()
    if sha256 and sha256_of(path) != str(sha256).lower():
        raise ImageError(f"image {path}: its SHA256 is not {sha256}")
    return path
