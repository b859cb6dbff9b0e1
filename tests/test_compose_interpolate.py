"""The Compose file substituted in Python (components/compose/interpolate.py) means to docker exactly what the
original means with the variables in docker's environment: each case goes through the real
``docker stack config`` (no engine needed) both ways and the results must be equal, byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from pulumi_docker_machine.components.compose.interpolate import MAX_NODES, InterpolationError, interpolate
from tests.conftest import require

VARIABLES = {
    "TAG": "1.2",
    "REPLICAS": "3",
    "PORT": "8080",
    "EMPTY": "",
    "DOLLAR": "a$b$$c${X}",
    "RO": "yes",
    "RATIO": "0.25",
    "QUOTE": 'it\'s "quoted"\\',
    "NL": "two\nlines",
    "LIMIT": "1024",
    "EXT": "false",
}

CASES = {
    "plain values and defaults": """
services:
  web:
    image: "busybox:${TAG}"
    command: ["echo", "$TAG", "${MISSING:-soft}", "${EMPTY:-soft}", "${EMPTY-hard}", "${MISSING-hard}", "$$TAG"]
    environment:
      A: on
      B: "${DOLLAR}"
      C: ${QUOTE}
      D: ${NL}
      E: 0777
      F: ${EMPTY?}
      G: $TAG-suffix
""",
    "casts at docker's paths": """
services:
  web:
    image: busybox
    deploy:
      replicas: ${REPLICAS}
      update_config: {parallelism: "${REPLICAS}", max_failure_ratio: $RATIO}
    ports:
      - target: 80
        published: ${PORT}
      - "9${REPLICAS}:81"
    read_only: ${RO}
    ulimits:
      nofile: {soft: $LIMIT, hard: $LIMIT}
      nproc: ${LIMIT}
    volumes:
      - type: volume
        source: data
        target: /data
        read_only: $RO
volumes:
  data:
    external: ${EXT}
""",
    "anchors and merge keys": """
x-defaults: &defaults
  image: "busybox:${TAG}"
  deploy: &deploy
    replicas: ${REPLICAS}
services:
  a:
    <<: *defaults
  b:
    <<: *defaults
    image: other:${TAG:-x}
    deploy:
      <<: *deploy
      labels: ["v=${TAG}"]
""",
    "nothing to substitute": """
version: "3.8"
services:
  web:
    image: busybox
    environment: {A: "1", B: 'single', C: null, D: ~, E: }
    command: |
      echo one
      echo two
""",
}


def stack_config(content: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "stack", "config", "--compose-file", "-"],
        input=content,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_docker_reads_the_substituted_file_as_it_reads_the_original(case, tmp_path):
    require([] if shutil.which("docker") else ["command docker"], "the Compose interpolation test")
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES and not k.startswith("DOCKER_")}
    clean["DOCKER_CONFIG"] = str(tmp_path)
    original = stack_config(CASES[case], {**clean, **VARIABLES})
    assert original.returncode == 0, original.stderr
    rewritten = interpolate(CASES[case], VARIABLES)
    assert "${" not in rewritten.replace("$${", ""), "nothing left for docker to substitute"
    ours = stack_config(rewritten, clean)
    assert ours.returncode == 0, ours.stderr + rewritten
    assert ours.stdout == original.stdout
    assert ours.stderr == "", "docker warned about an unset variable"


def test_errors_are_dockers_and_one_line(tmp_path):
    require([] if shutil.which("docker") else ["command docker"], "the Compose interpolation test")
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES and not k.startswith("DOCKER_")}
    clean["DOCKER_CONFIG"] = str(tmp_path)
    for content in (
        "services:\n  web:\n    image: busybox:${TAG:?give a tag}\n",
        "services:\n  web:\n    image: busybox:${EMPTY:?must not be empty}\n",
        "services:\n  web:\n    image: busybox:$ 1\n",
        "services:\n  web:\n    image: busybox\n    deploy: {replicas: $TAG}\n",
    ):
        with pytest.raises(InterpolationError) as raised:
            interpolate(content, {k: v for k, v in VARIABLES.items() if k != "TAG" or "replicas" in content})
        docker = stack_config(
            content, {**clean, **{k: v for k, v in VARIABLES.items() if k != "TAG" or "replicas" in content}}
        )
        assert docker.returncode != 0, content
        assert "\n" not in str(raised.value)
        assert str(raised.value) in docker.stderr, (str(raised.value), docker.stderr)


def test_refused_files():
    for content, message in (
        ("- a list\n", "not a YAML mapping"),
        ("services: [\n", "not valid YAML"),
        ("a: 1\n---\nb: 2\n", "not valid YAML"),
        ("", "not a YAML mapping"),
    ):
        with pytest.raises(InterpolationError, match=message):
            interpolate(content, {})
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
    )
    with pytest.raises(InterpolationError, match=f"more than {MAX_NODES} values"):
        interpolate(bomb, {})
