"""make engine's patches (engine/patches): zxcvbn-go's word lists are decoded at the first password check, not in
every pulumi process's init, and ``pulumi config set`` still refuses a plaintext value that looks like a secret.

The patches name the module versions engine/go.sum pins and .ci/build-engine refuses any other; the first tests
need Go but no engine, the last two run the CLI make engine built (run them under the shared lock).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Engine

PATCHES = sorted((ROOT / "engine" / "patches").glob("*.patch"))
ZXCVBN = ("github.com/nbutton23/zxcvbn-go", "github.com/ccojocar/zxcvbn-go")
INIT = re.compile(r"^init (\S+) @\S+ ms, ([\d.]+) ms clock, (\d+) bytes, \d+ allocs$", re.MULTILINE)
REFUSAL = (
    "error: config value for 'p:apiToken' looks like a secret; "
    "rerun with --secret to encrypt it, or --plaintext if you meant to store in plaintext"
)
HEX_TOKEN = "1415fc1f4eaeb5e096ee58c1480016638fff29bf"


def patch_module(patch: Path) -> tuple[str, str]:
    first = patch.read_text().splitlines()[0].split()
    assert len(first) == 3 and first[0] == "Module:", f"{patch.name}: first line is not 'Module: <path> <version>'"
    return first[1], first[2]


def test_every_zxcvbn_module_is_patched_at_the_version_go_sum_pins():
    modules = dict(patch_module(patch) for patch in PATCHES)
    assert sorted(modules) == sorted(ZXCVBN)
    go_sum = (ROOT / "engine" / "go.sum").read_text().splitlines()
    for module, version in modules.items():
        assert any(line.startswith(f"{module} {version} h1:") for line in go_sum), (module, version)


@pytest.mark.parametrize("patch", PATCHES, ids=lambda patch: patch.name)
def test_each_patch_applies_cleanly_to_its_module_in_the_module_cache(patch):
    module, version = patch_module(patch)
    listed = subprocess.run(
        ["go", "list", "-m", "-f", "{{.Version}} {{.Dir}}", module],
        cwd=ROOT / "engine",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    listed_version, folder = listed.stdout.split(maxsplit=1)
    assert listed_version == version
    dry = subprocess.run(
        ["patch", "-p1", "--dry-run", "--batch", "--fuzz=0", "-d", folder.strip(), "-i", str(patch)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr


def build_engine_copy(tmp_path: Path, patch_text: str) -> subprocess.CompletedProcess[str]:
    """.ci/build-engine in a copy of the checkout whose one patch is patch_text, with its own empty cache."""
    checkout = tmp_path / "checkout"
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "build-engine", checkout / ".ci")
    (checkout / "engine" / "patches").mkdir(parents=True)
    for name in ("go.mod", "go.sum"):
        shutil.copy(ROOT / "engine" / name, checkout / "engine")
    (checkout / "engine" / "patches" / "zxcvbn.patch").write_text(patch_text)
    env = {**os.environ, "PYTHON": sys.executable, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run(
        ["bash", str(checkout / ".ci" / "build-engine")], env=env, capture_output=True, text=True, timeout=120
    )


def test_build_engine_refuses_a_patch_for_another_version_of_its_module(tmp_path):
    module, version = patch_module(PATCHES[0])
    text = PATCHES[0].read_text().replace(f"Module: {module} {version}", f"Module: {module} v9.9.9", 1)
    done = build_engine_copy(tmp_path, text)
    assert done.returncode == 1
    assert done.stderr == (
        f"make engine: engine/patches/zxcvbn.patch is for {module} v9.9.9 but engine/go.mod builds {version}: "
        "remake the patch against that version or drop it\n"
    )
    assert not (tmp_path / "cache").exists(), "nothing built or copied"


def test_build_engine_refuses_a_patch_that_does_not_apply(tmp_path):
    text = PATCHES[0].read_text().replace("-func init() {", "-func init() { // not in the module", 1)
    done = build_engine_copy(tmp_path, text)
    assert done.returncode == 1
    module, version = patch_module(PATCHES[0])
    assert done.stderr.endswith(
        f"make engine: engine/patches/zxcvbn.patch does not apply to {module} {version}: "
        "remake it against that version\n"
    )
    assert not list((tmp_path / "cache").rglob("pulumi")), "no CLI built"


def zxcvbn_inits(engine: Engine) -> dict[str, tuple[float, int]]:
    done = subprocess.run(
        [str(engine.bin / "pulumi"), "version"],
        env={**os.environ, "GODEBUG": "inittrace=1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "v3.260.0\n", done.stdout + done.stderr[-2000:]
    return {
        package: (float(clock), int(allocated))
        for package, clock, allocated in INIT.findall(done.stderr)
        if package.startswith(ZXCVBN)
    }


@pytest.mark.engine
def test_no_zxcvbn_package_init_decodes_word_lists_at_start(built_engine):
    inits = zxcvbn_inits(built_engine)
    for module in ZXCVBN:
        assert {f"{module}/frequency", f"{module}/matching"} <= set(inits), sorted(inits)
    # Allocation is exact (unpatched: frequency 10 MB, matching 8 MB); the clock is the best of a few runs, as
    # a loaded machine can stretch any init (adjacency, left eager, takes ~0.5 ms).
    assert {package: size for package, (_, size) in inits.items() if size > 1_000_000} == {}
    best = {package: clock for package, (clock, _) in inits.items()}
    for _ in range(4):
        if max(best.values()) < 1.0:
            break
        best = {package: min(clock, zxcvbn_inits(built_engine)[package][0]) for package, clock in best.items()}
    assert {package: clock for package, clock in best.items() if clock >= 1.0} == {}


@pytest.mark.engine
def test_config_set_still_refuses_a_plaintext_value_that_looks_like_a_secret(pulumi_engine, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: p\nruntime: yaml\n")
    (tmp_path / "state").mkdir()
    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "test passphrase",
    }

    def pulumi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["pulumi", *args], cwd=project, env=env, capture_output=True, text=True, timeout=60)

    assert pulumi("stack", "init", "dev").returncode == 0
    refused = pulumi("config", "set", "apiToken", HEX_TOKEN)
    assert (refused.returncode, refused.stderr.strip()) == (1, REFUSAL)
    # Plain only because the word lists are loaded: without them this value scores 94 bits, over the 80 refused.
    for args in (
        ("password", "correct horse battery staple"),
        ("region", HEX_TOKEN),
        ("apiToken", HEX_TOKEN, "--plaintext"),
    ):
        done = pulumi("config", "set", *args)
        assert done.returncode == 0, (args, done.stderr)
    config = (project / "Pulumi.dev.yaml").read_text()
    assert "  p:password: correct horse battery staple\n" in config
    assert f"  p:region: {HEX_TOKEN}\n" in config
    assert f"  p:apiToken: {HEX_TOKEN}\n" in config
