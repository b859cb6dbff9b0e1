"""A stand-in ``docker`` for the compose tests: it parses its arguments as docker 28.x and Compose v2.40.3 do
for the commands this project runs, and refuses what they refuse (unknown flags, a flag's missing value,
wrong argument counts, ``stack deploy`` without ``--compose-file``, a bad ``--resolve-image``) with their
messages and exit codes, so a wrong command line fails the tests instead of passing them.

Then it appends {argv, env, stdin, the cert folder's and files' modes, env files, cwd} to $FAKE_DOCKER_LOG;
``compose version`` fails when FAKE_NO_COMPOSE is set; ``compose ... ps`` and ``service inspect`` print
$FAKE_DOCKER_OUT; ``service ls`` prints two ids; every other command exits $FAKE_DOCKER_EXIT (default 0).
Checked against the real CLIs with DOCKER_HOST pointing nowhere (tests/test_compose_unit.py).
"""

from __future__ import annotations

import json
import os
import stat
import sys

# Per command: flags taking a value, boolean flags (short forms mapped to long), and the arguments allowed.
COMPOSE_GLOBAL = {
    "value": {
        "--ansi",
        "--env-file",
        "--file",
        "--parallel",
        "--profile",
        "--progress",
        "--project-directory",
        "--project-name",
    },
    "bool": {"--all-resources", "--compatibility", "--dry-run"},
    "short": {"-f": "--file", "-p": "--project-name"},
}
COMMANDS = {
    ("compose", "version"): {"value": {"--format"}, "bool": {"--short"}, "short": {"-f": "--format"}, "args": (0, 0)},
    ("compose", "up"): {
        "value": {"--attach", "--exit-code-from", "--no-attach", "--pull", "--scale", "--timeout", "--wait-timeout"},
        "bool": {
            "--abort-on-container-exit",
            "--abort-on-container-failure",
            "--always-recreate-deps",
            "--attach-dependencies",
            "--build",
            "--detach",
            "--force-recreate",
            "--menu",
            "--no-build",
            "--no-color",
            "--no-deps",
            "--no-log-prefix",
            "--no-recreate",
            "--no-start",
            "--quiet-build",
            "--quiet-pull",
            "--remove-orphans",
            "--renew-anon-volumes",
            "--timestamps",
            "--wait",
            "--watch",
            "--yes",
        },
        "short": {"-d": "--detach", "-t": "--timeout", "-V": "--renew-anon-volumes", "-w": "--watch", "-y": "--yes"},
        "args": (0, None),
    },
    ("compose", "ps"): {
        "value": {"--filter", "--format", "--status"},
        "bool": {"--all", "--no-trunc", "--orphans", "--quiet", "--services"},
        "short": {"-a": "--all", "-q": "--quiet"},
        "args": (0, None),
    },
    ("compose", "down"): {
        "value": {"--rmi", "--timeout"},
        "bool": {"--remove-orphans", "--volumes"},
        "short": {"-t": "--timeout", "-v": "--volumes"},
        "args": (0, None),
    },
    ("stack", "deploy"): {
        "value": {"--compose-file", "--resolve-image"},
        "bool": {"--detach", "--prune", "--quiet", "--with-registry-auth"},
        "short": {"-c": "--compose-file", "-d": "--detach", "-q": "--quiet"},
        "args": (1, 1),
        "usage": "docker stack deploy [OPTIONS] STACK",
    },
    ("stack", "rm"): {
        "value": set(),
        "bool": {"--detach"},
        "short": {"-d": "--detach"},
        "args": (1, None),
        "usage": "docker stack rm [OPTIONS] STACK [STACK...]",
    },
    ("stack", "ls"): {
        "value": {"--format"},
        "bool": set(),
        "short": {},
        "args": (0, 0),
        "usage": "docker stack ls [OPTIONS]",
    },
    ("stack", "ps"): {
        "value": {"--filter", "--format"},
        "bool": {"--no-resolve", "--no-trunc", "--quiet"},
        "short": {"-f": "--filter", "-q": "--quiet"},
        "args": (1, 1),
        "usage": "docker stack ps [OPTIONS] STACK",
    },
    ("stack", "services"): {
        "value": {"--filter", "--format"},
        "bool": {"--quiet"},
        "short": {"-f": "--filter", "-q": "--quiet"},
        "args": (1, 1),
        "usage": "docker stack services [OPTIONS] STACK",
    },
    ("service", "ls"): {
        "value": {"--filter", "--format"},
        "bool": {"--quiet"},
        "short": {"-f": "--filter", "-q": "--quiet"},
        "args": (0, 0),
        "usage": "docker service ls [OPTIONS]",
    },
    ("service", "inspect"): {
        "value": {"--format"},
        "bool": {"--pretty"},
        "short": {"-f": "--format"},
        "args": (1, None),
        "usage": "docker service inspect [OPTIONS] SERVICE [SERVICE...]",
    },
}


class Refused(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def parse(words: list[str], spec: dict, extra: dict | None = None) -> tuple[dict, list[str]]:
    """pflag's parsing: --flag, --flag=value, --flag value, -x, -xVALUE, -abc (booleans), -- ends the flags;
    flags and arguments may be interleaved. Returns ({long flag: [values]}, arguments)."""
    value = set(spec["value"]) | set((extra or {}).get("value", ()))
    boolean = set(spec["bool"]) | set((extra or {}).get("bool", ())) | {"--help"}
    short = {**spec["short"], **(extra or {}).get("short", {}), "-h": "--help"}
    flags: dict[str, list] = {}
    args: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            args += words[i:]
            break
        if word.startswith("--"):
            name, eq, given = word.partition("=")
            if name in value:
                if not eq:
                    if i >= len(words):
                        raise Refused(f"flag needs an argument: {name}")
                    given, i = words[i], i + 1
                flags.setdefault(name, []).append(given)
            elif name in boolean:
                if eq and given.lower() not in ("true", "false", "1", "0", "t", "f"):
                    raise Refused(
                        f'invalid argument "{given}" for "{name}" flag: strconv.ParseBool: parsing '
                        f'"{given}": invalid syntax',
                        125,
                    )
                flags.setdefault(name, []).append(given or "true")
            else:
                raise Refused(f"unknown flag: {name}", 125)
        elif word.startswith("-") and word != "-":
            letters = word[1:]
            while letters:
                name = short.get(f"-{letters[0]}")
                if name is None:
                    raise Refused(f"unknown shorthand flag: '{letters[0]}' in {word}", 125)
                if name in value:
                    given = letters[1:].removeprefix("=")
                    if not given:
                        if i >= len(words):
                            raise Refused(f"flag needs an argument: '{letters[0]}' in -{letters[0]}")
                        given, i = words[i], i + 1
                    flags.setdefault(name, []).append(given)
                    break
                flags.setdefault(name, []).append("true")
                letters = letters[1:]
        else:
            args.append(word)
    return flags, args


def check(argv: list[str]) -> None:
    """Refused (with docker's message and code) for what the real CLI refuses."""
    if argv[:1] == ["compose"]:
        # The subcommand is the first word that is not a global flag or a global flag's value.
        words, i = argv[1:], 0
        while i < len(words) and words[i].startswith("-"):
            name = COMPOSE_GLOBAL["short"].get(words[i], words[i].partition("=")[0])
            if name not in COMPOSE_GLOBAL["value"] | COMPOSE_GLOBAL["bool"] | {"--help", "-h"}:
                raise Refused(f"unknown flag: {name}")
            i += 2 if name in COMPOSE_GLOBAL["value"] and "=" not in words[i] else 1
        if i >= len(words):
            return  # docker compose [flags]: its help
        sub = words[i]
        spec = COMMANDS.get(("compose", sub))
        if spec is None:
            raise Refused(f'unknown docker command: "compose {sub}"')
        try:  # global flags may also follow the subcommand
            flags, args = parse(words[:i] + words[i + 1 :], spec, COMPOSE_GLOBAL)
        except Refused as err:
            raise Refused(str(err), 1) from None  # compose exits 1 on a usage error
        if "--help" in flags:
            return
        if "-" in flags.get("--file", []) and not STDIN.strip():
            raise Refused("empty compose file")
        if spec["args"][1] == 0 and args:
            raise Refused(f'unknown command "{args[0]}" for "docker compose {sub}"')
        return
    key = tuple(argv[:2])
    spec = COMMANDS.get(key)
    if spec is None:
        raise Refused(f"docker: unknown command: docker {' '.join(argv[:2])}")
    flags, args = parse(argv[2:], spec)
    if "--help" in flags:
        return
    low, high = spec["args"]
    if len(args) < low or (high is not None and len(args) > high):
        if high == 0:
            need = "accepts no arguments"
        elif high is None:
            need = f"requires at least {low} argument"
        else:
            need = f"requires {low} argument"
        raise Refused(f"docker: 'docker {' '.join(key)}' {need}\n\nUsage:  {spec['usage']}")
    if key == ("stack", "deploy"):
        if not flags.get("--compose-file"):
            raise Refused("Specify a Compose file (with --compose-file)")
        resolve = flags.get("--resolve-image", ["always"])[-1]
        if resolve not in ("always", "changed", "never"):
            raise Refused(f"Invalid option {resolve} for flag --resolve-image")
        if flags["--compose-file"] == ["-"] and not STDIN.strip():
            raise Refused("top-level object must be a mapping")


def record(args: list[str]) -> None:
    certs = os.environ.get("DOCKER_CERT_PATH", "")
    modes = {}
    if certs and os.path.isdir(certs):
        modes["folder"] = oct(stat.S_IMODE(os.stat(certs).st_mode))
        for name in sorted(os.listdir(certs)):
            modes[name] = oct(stat.S_IMODE(os.stat(os.path.join(certs, name)).st_mode))
    env_files = {a: open(a).read() for a in args if a.startswith("/") and os.path.basename(a).startswith("env-")}
    keep = {k: v for k, v in os.environ.items() if k.startswith(("DOCKER_", "APP_"))}
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(
            json.dumps(
                {
                    "argv": args,
                    "env": keep,
                    "all_env": sorted(os.environ),
                    "stdin": STDIN,
                    "modes": modes,
                    "env_files": env_files,
                    "cwd": os.getcwd(),
                }
            )
            + "\n"
        )


def main(args: list[str]) -> int:
    record(args)
    try:
        check(args)
    except Refused as err:
        print(err, file=sys.stderr)
        return err.code
    if args[:2] == ["compose", "version"]:
        if os.environ.get("FAKE_NO_COMPOSE"):
            print("docker: unknown command: docker compose", file=sys.stderr)
            return 1
        print("Docker Compose version v2.40.3")
        return 0
    if "--help" in args:
        print("Usage:  docker ...")
        return 0
    if (args[:1] == ["compose"] and "ps" in args) or args[:2] == ["service", "inspect"]:
        print(os.environ.get("FAKE_DOCKER_OUT", ""))
        return 0
    if args[:2] == ["service", "ls"]:
        print("svc1\nsvc2")
        return 0
    return int(os.environ.get("FAKE_DOCKER_EXIT", "0"))


STDIN = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
