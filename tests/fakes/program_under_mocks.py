"""Run a machine stack's inline program (cli/operations/program.py) under the test suite's mocks.

    python -m tests.fakes.program_under_mocks STACK < config.json > result.json

The fake Pulumi CLI's ``up`` runs this in its own process (Pulumi's mock runtime is global state),
so its answers are the outputs of the very program the real engine would run: the resources it
registers, in order, and its exports with which of them are secret.
"""

from __future__ import annotations

import json
import sys

import pulumi


def main() -> None:
    from cli.operations.program import machine_program
    from tests.conftest import MachineMocks, run_program

    stack = sys.argv[1]
    config = json.load(sys.stdin)
    secret_keys = [key for key, entry in config.items() if entry["secret"]]
    pulumi.runtime.set_all_config({key: entry["value"] for key, entry in config.items()}, secret_keys)
    exported: dict = {}

    def program() -> dict:
        original = pulumi.export
        pulumi.export = lambda name, value: exported.__setitem__(name, pulumi.Output.from_input(value))
        try:
            machine_program()
        finally:
            pulumi.export = original
        return exported

    mocks = MachineMocks()
    values = run_program(mocks, program, stack=stack)
    json.dump({
        "outputs": {key: value for key, (value, _) in values.items()},
        "secret": sorted(key for key, (_, secret) in values.items() if secret),
        "resources": [[r.typ, r.name] for r in mocks.resources],
    }, sys.stdout)


if __name__ == "__main__":
    main()
