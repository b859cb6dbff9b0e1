# The README's two commands are `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
ARGS ?= --help

.PHONY: install run test lint system-deps engine compose bench clean

# uv installs the venv from its cache (~/.cache/uv) in ~5 s where pip took ~40 s on a warm machine; uv itself
# lives in a venv of its own beside our other caches (nothing installed into the system's Python).
UV_VERSION = 0.13.9
UV_HOME ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/pulumi-docker-machine/uv-$(UV_VERSION)
UV = $(UV_HOME)/bin/uv

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install -q uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml examples/hetzner-driver/pyproject.toml $(UV)
	# --seed: pip in the venv, which the Python language host runs (pip list) to find the installed plugins.
	$(UV) venv -q --seed --allow-existing --python $(PYTHON) $(VENV)
	# compat: a plain path in a .pth file, no import hook run at every start (the finder costs ~25 ms).
	# uv compiles no bytecode: Python writes a module's the first time it is imported (the cloud SDKs hold
	# ~20000 files, nearly all never imported).
	# examples/hetzner-driver: a driver plugin package (docs/drivers.md), which the tests use as a user would.
	$(UV) pip install -q --python $(VENV)/bin/python -e '.[test]' -e ./examples/hetzner-driver -C editable_mode=compat
	touch $@

install: $(VENV)/.installed

run: engine
	. .engine/env && $(VENV)/bin/docker-machine $(ARGS)

system-deps:
	sh .ci/install-system-deps

# The Pulumi engine from Go modules into .engine/ (binaries cached per version in ~/.cache).
engine: install
	bash .ci/build-engine

# The Docker CLI's Compose v2 plugin from Go modules into .engine/docker-config/cli-plugins (cached per version).
compose:
	bash .ci/build-compose

# pytest exits non-zero when a test fails and when no test ran at all (exit 5). The test files are spread
# over TEST_WORKERS processes (pytest-xdist), each file whole on one worker, the longest first
# (tests/hosts.py); TEST_WORKERS=0 runs them in this one process. Four on two cores: the tests also wait on
# sshd, dockerd, the engine's retries and a booting VM (a clean clone's run: three workers 651 s of pytest at
# 1.2 cores busy, four 589 s; the sshd starvation once seen with four was a pyenv lock, since removed).
#
# Bytecode: pip installs with --no-compile (above) and this workplace sets PYTHONDONTWRITEBYTECODE=1, so no
# process would ever find a module's bytecode: each of the run's thousands of Python processes (the CLI, the
# language host's program, dynamic providers, the command plugin stand-in) compiled pulumi, grpc and protobuf
# anew, ~40% of an engine test file's CPU. The tests write each module's bytecode at its first import, as an
# ordinary install does.
TEST_WORKERS ?= 4
test: system-deps install lint engine compose
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

# Run by make test before the engine is built (a finding fails it in seconds); the config is in pyproject.toml.
# mypy checks the package, cli/ and components/ through its symlinks; its cache is kept beside the engine's (a
# clean checkout's cold check took ~6 CPU-s, a warm one 0.2 s: unchanged modules are known by their hash).
lint: install
	$(VENV)/bin/ruff check
	MYPY_CACHE_DIR=$${XDG_CACHE_HOME:-$$HOME/.cache}/pulumi-docker-machine/mypy $(VENV)/bin/mypy -p pulumi_docker_machine
	$(VENV)/bin/ruff format --check --output-format concise

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

bench: engine
	$(VENV)/bin/python bench/keygen.py
	$(VENV)/bin/python bench/cli_read.py
	. .engine/env && $(VENV)/bin/python bench/create_engine.py
	. .engine/env && $(VENV)/bin/python bench/parallel_create.py
