"""The test-image build scripts build one image at a time per cache folder. Two pytest workers (the qemu and
libvirt walkthroughs) asked for the x86_64 image at once on a machine with empty caches, and their two
debootstraps, sharing the one package cache, deleted each other's downloads: one walkthrough errored. Here a
lock held by the test stands in for the first build, and a debootstrap on PATH that only leaves a mark shows
whether the script started building."""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import require

IMAGES = Path(__file__).parent / "images"
SCRIPTS = ["build-qemu-image.sh", "build-arm64-image.sh"]


@pytest.fixture
def fake_debootstrap(tmp_path) -> tuple[dict[str, str], Path]:
    require([] if os.geteuid() == 0 else ["root (the scripts refuse to build otherwise)"], "the image build lock test")
    bin_dir, mark = tmp_path / "bin", tmp_path / "debootstrap-ran"
    bin_dir.mkdir()
    fake = bin_dir / "debootstrap"
    fake.write_text(f"#!/bin/sh\ntouch {mark}\nexit 1\n")
    fake.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, mark


def _start(script: str, out: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        ["bash", str(IMAGES / script), str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _held(cache: Path):
    lock = open(cache / "build.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_second_build_waits_for_the_first_and_takes_its_image(script, fake_debootstrap, tmp_path):
    env, mark = fake_debootstrap
    cache = tmp_path / "cache"
    cache.mkdir()
    out = cache / "v1"
    first = _held(cache)
    second = _start(script, out, env)
    try:
        time.sleep(1.0)
        assert second.poll() is None, "the second build did not wait: " + "".join(second.communicate())
        assert not mark.exists(), "the second build ran debootstrap while the first held the lock"
        (out / "SHA256SUMS").write_text("the first build's image\n")
    finally:
        first.close()
    stdout, stderr = second.communicate(timeout=30)
    assert second.returncode == 0, stdout + stderr
    assert not mark.exists(), "the finished image was built again"
    assert sorted(p.name for p in out.iterdir()) == ["SHA256SUMS"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_build_goes_on_once_the_lock_is_free(script, fake_debootstrap, tmp_path):
    env, mark = fake_debootstrap
    cache = tmp_path / "cache"
    cache.mkdir()
    first = _held(cache)
    second = _start(script, cache / "v1", env)
    time.sleep(0.5)
    assert not mark.exists()
    first.close()  # the first build failed: no image, so the second builds
    stdout, stderr = second.communicate(timeout=30)
    assert mark.exists() and second.returncode != 0, stdout + stderr
    assert "debootstrap failed" in stderr
