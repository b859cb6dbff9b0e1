"""Run a machine stack's inline program (pulumi_docker_machine/programs/inline.py) under the test suite's mocks.

    python -m tests.fakes.program_under_mocks STACK < {"config": ..., "prior": [...]} > result.json

The fake Pulumi CLI's ``up`` runs this in its own process (Pulumi's mock runtime is global state),
so its answers are the outputs of the very program the real engine would run: the resources it
registers, in order, and its exports with which of them are secret.

``prior`` is the stack's state (type, name, inputs, id, outputs of each resource). Each resource gets
the step the engine would take against it: ``create`` when it is new; ``same`` when its inputs did
not change (its id and outputs come from the state, nothing runs again); for a dynamic provider the
provider's own ``diff`` decides between ``same``, ``update`` (its ``update`` runs) and ``replace``;
any other changed resource is an ``update`` (pulumi-command re-runs ``create`` when ``update`` is unset).
"""

from __future__ import annotations

import base64
import json
import sys

import dill
import pulumi

from tests.conftest import MachineMocks, unwrap_secrets


def comparable(inputs: dict) -> dict:
    """Inputs as the engine compares them: without the dynamic provider's pickled code."""
    return {key: value for key, value in inputs.items() if key != "__provider"}


class StatefulMocks(MachineMocks):
    """The suite's mocks against a stack's state: each resource's step is the engine's, not always a create."""

    def __init__(self, prior: list[dict]) -> None:
        super().__init__()
        self.prior = {(r["type"], r["name"]): r for r in prior}
        self.ops: dict = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        key = (args.typ, args.name)
        before = self.prior.get(key)
        inputs = json.loads(json.dumps(unwrap_secrets(dict(args.inputs))))
        if before is None:
            self.ops[key] = "create"
            return super().new_resource(args)
        if comparable(before["inputs"]) == comparable(inputs):
            return self._keep(args, before, inputs, "same")
        if args.typ.startswith("pulumi-python:dynamic/") and args.typ.rsplit(":", 1)[1] in self.run_dynamic:
            provider = dill.loads(base64.b64decode(inputs["__provider"]))
            olds = comparable(before["state"])
            diff = provider.diff(before["id"], olds, comparable(inputs))
            if diff.replaces:
                self.ops[key] = "replace"
                return super().new_resource(args)
            if diff.changes is False:
                return self._keep(args, before, inputs, "same")
            result = provider.update(before["id"], olds, comparable(inputs))
            state = {**(result.outs or {}), "__provider": inputs["__provider"]}
            return self._keep(args, {**before, "state": state}, inputs, "update")
        self.ops[key] = "update"
        _, state = super().new_resource(args)
        return before["id"], state

    def _keep(self, args, before: dict, inputs: dict, op: str):
        from tests.conftest import Registered

        self.ops[(args.typ, args.name)] = op
        with self._lock:
            self.resources.append(Registered(args.typ, args.name, inputs, before["state"], args.provider, before["id"]))
        return before["id"], before["state"]


def main() -> None:
    from pulumi_docker_machine.programs.inline import machine_program
    from tests.conftest import run_program

    stack = sys.argv[1]
    given = json.load(sys.stdin)
    config = given["config"]
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

    mocks = StatefulMocks(given.get("prior", []))
    values = run_program(mocks, program, stack=stack)
    json.dump(
        {
            "outputs": {key: value for key, (value, _) in values.items()},
            "secret": sorted(key for key, (_, secret) in values.items() if secret),
            "resources": [
                {
                    "type": r.typ,
                    "name": r.name,
                    "op": mocks.ops[(r.typ, r.name)],
                    "inputs": json.loads(json.dumps(r.inputs)),
                    "id": r.id,
                    "state": r.state,
                }
                for r in mocks.resources
            ],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
