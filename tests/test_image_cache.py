"""The store's image cache (components/drivers/imagecache.py, imageuse.py): images kept by content, never
replaced under an overlay that uses them, fetched once by concurrent creates, pruned down to what the
machines' own disks use. Images are served from 127.0.0.1; overlays are made with the real qemu-img."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

from pulumi_docker_machine.components.drivers.imagecache import ImageError, fetch_image, machine_image
from pulumi_docker_machine.components.drivers.imageuse import cache_entries, prune
from tests.conftest import require

IMAGE = "noble-server-cloudimg-amd64.img"


class Served(http.server.BaseHTTPRequestHandler):
    """The folder layout Canonical publishes (the image, SHA256SUMS beside it), sent slowly in chunks so that
    concurrent downloads overlap."""

    files: ClassVar[dict[str, bytes]] = {}
    chunk, pause = 1 << 16, 0.0
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = self.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for start in range(0, len(body), self.chunk):
            self.wfile.write(body[start : start + self.chunk])
            self.wfile.flush()
            time.sleep(self.pause)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    handler = type("Handler", (Served,), {"files": {}, "requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def publish(data: bytes) -> str:
        handler.files[IMAGE] = data
        handler.files["SHA256SUMS"] = f"{hashlib.sha256(data).hexdigest()} *{IMAGE}\n".encode()
        return hashlib.sha256(data).hexdigest()

    handler.publish = staticmethod(publish)
    handler.url = f"http://127.0.0.1:{httpd.server_address[1]}/{IMAGE}"
    yield handler
    httpd.shutdown()
    httpd.server_close()


def qcow2_bytes(tmp_path: Path, size: str, name: str) -> bytes:
    require([] if shutil.which("qemu-img") else ["qemu-img (Debian package qemu-utils)"], "the image cache tests")
    path = tmp_path / name
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), size], check=True)
    return path.read_bytes()


def overlay(store: Path, machine: str, base: Path) -> Path:
    folder = store / "machines" / machine
    folder.mkdir(parents=True, exist_ok=True)
    disk = folder / "disk.qcow2"
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(base), str(disk), "64M"], check=True
    )
    return disk


def backing_of(disk: Path) -> str:
    info = json.loads(
        subprocess.run(
            ["qemu-img", "info", "--output=json", str(disk)], check=True, capture_output=True, text=True
        ).stdout
    )
    return info["full-backing-filename"]


def test_two_concurrent_fetches_of_one_url_both_get_the_verified_image_downloaded_once(server, tmp_path):
    data = os.urandom(3 << 20)
    digest = server.publish(data)
    server.pause = 0.01  # 48 chunks: the second fetch starts while the first still downloads
    cache = tmp_path / "store" / "cache"
    results, errors = [], []

    def fetch() -> None:
        try:
            path = fetch_image(server.url, cache)
            results.append((path, hashlib.sha256(path.read_bytes()).hexdigest()))
        except Exception as err:  # noqa: BLE001 (what the old shared .part file raised, raw)
            errors.append(err)

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1] and results[0][1] == digest
    assert server.requests.count(f"/{IMAGE}") == 1, "the second fetch waited for the first and reused it"
    assert sorted(p.name for p in cache.iterdir()) == [results[0][0].name], "no temporary file left"
    assert results[0][0].name == f"sha256-{digest}-{IMAGE}"


def test_an_image_changed_behind_the_same_url_leaves_the_existing_overlays_base_untouched(server, tmp_path):
    store = tmp_path / "store"
    first_digest = server.publish(qcow2_bytes(tmp_path, "1M", "v1.qcow2"))
    first = fetch_image(server.url, store / "cache")
    inode = first.stat().st_ino
    disk = overlay(store, "dev", first)

    second_digest = server.publish(qcow2_bytes(tmp_path, "2M", "v2.qcow2"))  # the release moved on
    second = fetch_image(server.url, store / "cache")

    assert second != first and second.name == f"sha256-{second_digest}-{IMAGE}"
    assert first.stat().st_ino == inode and hashlib.sha256(first.read_bytes()).hexdigest() == first_digest
    assert backing_of(disk) == str(first)
    check = subprocess.run(["qemu-img", "check", str(disk)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert fetch_image(server.url, store / "cache") == second
    assert server.requests.count(f"/{IMAGE}") == 2


def test_a_download_that_does_not_match_the_published_checksum_leaves_nothing(server, tmp_path):
    server.publish(b"the published image")
    server.files[IMAGE] = b"what a mirror served instead"
    cache = tmp_path / "store" / "cache"
    with pytest.raises(Exception, match="checksum mismatch"):
        fetch_image(server.url, cache)
    assert list(cache.iterdir()) == []


def test_prune_keeps_the_bases_machines_use_and_drops_the_rest(server, tmp_path):
    store = tmp_path / "store"
    cache = store / "cache"
    server.publish(qcow2_bytes(tmp_path, "1M", "v1.qcow2"))
    used = fetch_image(server.url, cache)
    overlay(store, "dev", used)
    server.publish(qcow2_bytes(tmp_path, "2M", "v2.qcow2"))
    unused = fetch_image(server.url, cache)
    # The old layout's file (named after the URL), still under a machine made before content names.
    legacy = cache / IMAGE
    legacy.write_bytes(qcow2_bytes(tmp_path, "3M", "v3.qcow2"))
    overlay(store, "old", legacy)
    # A VirtualBox machine's boot2docker ISO, attached from the cache (its .vbox file names it).
    iso = cache / "boot2docker.iso"
    iso.write_bytes(b"CD001" * 100)
    vbox = store / "machines" / "vb" / "vb"
    vbox.mkdir(parents=True)
    (vbox / "vb.vbox").write_text(
        f'<VirtualBox><DVDImages><Image uuid="{{1}}" location="{iso}"/></DVDImages></VirtualBox>'
    )
    # Names are not trusted: a file named after a machine, or a machine folder holding a file named like a
    # cached image, keeps nothing.
    decoy = cache / f"sha256-{'0' * 64}-dev"
    decoy.write_bytes(b"not referenced by any disk")
    (store / "machines" / "dev" / unused.name).write_bytes(b"a name, not a reference")
    (cache / ".download-abc.part").write_bytes(b"a download that died")

    uses = {entry.path.name: entry.used_by for entry in cache_entries(store)}
    assert uses == {used.name: ["dev"], unused.name: [], IMAGE: ["old"], "boot2docker.iso": ["vb"], decoy.name: []}

    removed, kept = prune(store)
    assert sorted(e.path.name for e in removed) == sorted([unused.name, decoy.name])
    assert sorted(p.name for p in cache.iterdir()) == sorted([used.name, IMAGE, "boot2docker.iso"])
    assert {e.path.name for e in kept} == {used.name, IMAGE, "boot2docker.iso"}
    disk = store / "machines" / "dev" / "disk.qcow2"
    assert subprocess.run(["qemu-img", "check", str(disk)], capture_output=True).returncode == 0

    (disk).unlink()  # the machine is removed: its base goes with the next prune
    removed, _ = prune(store)
    assert [e.path.name for e in removed] == [used.name] and not used.exists()


def test_prune_keeps_a_cached_base_of_a_cached_base(server, tmp_path):
    store = tmp_path / "store"
    server.publish(qcow2_bytes(tmp_path, "1M", "v1.qcow2"))
    lower = fetch_image(server.url, store / "cache")
    upper = store / "cache" / f"sha256-{'1' * 64}-upper.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(lower), str(upper)], check=True)
    overlay(store, "dev", upper)
    removed, kept = prune(store)
    assert removed == [] and {e.path for e in kept} == {lower, upper}


def test_without_a_checksum_the_first_copy_is_reused_by_its_url(server, tmp_path):
    server.files[IMAGE] = b"boot2docker v1"
    cache = tmp_path / "store" / "cache"
    first = fetch_image(server.url, cache, verify=False)
    server.files[IMAGE] = b"boot2docker v2"
    assert fetch_image(server.url, cache, verify=False) == first
    assert first.read_bytes() == b"boot2docker v1" and server.requests.count(f"/{IMAGE}") == 1


def test_the_cache_command_lists_users_and_prunes_only_unused_images(server, tmp_path):
    store = tmp_path / "store"
    server.publish(qcow2_bytes(tmp_path, "1M", "v1.qcow2"))
    used = fetch_image(server.url, store / "cache")
    overlay(store, "dev", used)
    server.publish(qcow2_bytes(tmp_path, "2M", "v2.qcow2"))
    unused = fetch_image(server.url, store / "cache")
    script = Path(sys.executable).with_name("docker-machine")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(script), "-s", str(store), "cache", *args], capture_output=True, text=True, timeout=60
        )

    listing = run("ls")
    assert listing.returncode == 0, listing.stderr
    rows = {line.split()[0]: line.split()[-1] for line in listing.stdout.splitlines()[1:]}
    assert rows == {used.name: "dev", unused.name: "-"}
    dry = run("prune", "--dry-run")
    assert dry.stdout.startswith(f"Would remove {unused.name} (") and unused.exists()
    pruned = run("prune")
    assert pruned.returncode == 0 and pruned.stdout.splitlines()[-1].startswith("Removed 1 image(s)")
    assert not unused.exists() and used.exists()
    assert run("ls", "-q").stdout == used.name + "\n"


def test_a_local_machine_image_is_used_where_it_is_and_checked_when_a_sha256_is_given(tmp_path):
    image = tmp_path / "mine.qcow2"
    image.write_bytes(b"a local image")
    cache = tmp_path / "cache"
    digest = hashlib.sha256(b"a local image").hexdigest()
    assert machine_image(str(image), cache) == image
    assert machine_image(str(image), cache, digest.upper()) == image
    with pytest.raises(ImageError, match=f"image {image}: its SHA256 is not {'0' * 64}"):
        machine_image(str(image), cache, "0" * 64)
    assert not cache.exists(), "a local image is not copied into the cache"
