"""The module path inside a pickled dynamic provider, rewritten without unpickling it.

A ``__provider`` read from state is untrusted: it is only read as opcodes (``pickletools.genops``, which runs
nothing) and written again opcode by opcode. Accepted is exactly the shape the SDK gives this project's
providers: protocol 2 to 5, one class of ``providerpaths.PROVIDERS`` (by GLOBAL, or STACK_GLOBAL fed by two
strings) made with no arguments and no state (EMPTY_TUPLE, NEWOBJ), memo opcodes, frames. Anything else is
``Refused``. Only the module string changes; frames are recomputed; the result is checked again.
"""

from __future__ import annotations

import io
import pickletools
import struct
from typing import Any

from .providerpaths import MOVED, PROVIDERS

MAX_BYTES = 4096  # ours are under 100 bytes
_STRINGS = ("SHORT_BINUNICODE", "BINUNICODE")
_PUTS = ("MEMOIZE", "BINPUT", "LONG_BINPUT")
_GETS = ("BINGET", "LONG_BINGET")
_CODES = {op.name: op.code.encode("latin-1") for op in pickletools.opcodes}


class Refused(ValueError):
    """Not a pickle of one of this project's providers in the shape the SDK writes."""


def mentions_moved_module(data: bytes) -> bool:
    """True when a string or GLOBAL of the pickle names a module that moved (the pickle is then ours to
    rewrite, and must pass the strict reading); False for anything else, a pickle of someone else's provider
    too. Refused when it is no pickle at all."""
    for op, arg in _ops(data):
        if op in _STRINGS and arg in MOVED:
            return True
        if op in ("GLOBAL", "INST") and isinstance(arg, str) and arg.split(" ", 1)[0] in MOVED:
            return True
    return False


def rewrite(data: bytes) -> bytes | None:
    """The pickle with a moved module path replaced, or None when it names a current one already."""
    ops = _ops(data)
    proto, module, name, feeding = _read(ops)
    if module in PROVIDERS:
        return None
    new = MOVED[module]
    out = _emit(ops, proto, feeding, new)
    if _read(_ops(out))[1:3] != (new, name):
        raise Refused("the rewritten pickle does not read back as the same class")
    pickletools.dis(out, out=io.StringIO())  # the opcodes' own consistency check (stack, memo, STOP)
    return out


def provider_class(data: bytes) -> tuple[str, str]:
    """(module, class) the pickle makes, read strictly as ``rewrite`` reads it."""
    _, module, name, _ = _read(_ops(data))
    return module, name


def _ops(data: bytes) -> list[tuple[str, Any]]:
    if not isinstance(data, bytes) or len(data) > MAX_BYTES:
        raise Refused(f"not a provider pickle of at most {MAX_BYTES} bytes")
    try:
        read = [(op.name, arg, pos) for op, arg, pos in pickletools.genops(data)]
    except Exception as err:  # noqa: BLE001 - any malformed stream (ValueError, struct.error, UnicodeError...)
        raise Refused(f"not a pickle ({type(err).__name__})") from None
    if not read or read[-1][0] != "STOP" or read[-1][2] != len(data) - 1:
        raise Refused("not one whole pickle (bytes after its STOP, or none)")
    return [(name, arg) for name, arg, _ in read]


def _read(ops: list[tuple[str, Any]]) -> tuple[int, str, str, set[int]]:
    """Check the shape; (protocol, module, class, the indexes of the string ops that name the module)."""
    if not ops or ops[0][0] != "PROTO" or not isinstance(ops[0][1], int) or not 2 <= ops[0][1] <= 5:
        raise Refused("not pickle protocol 2 to 5")
    proto = ops[0][1]
    # ("str", value, op index) | ("class", module, name, {op indexes}) | ("tuple",) | ("obj",)
    stack: list[tuple] = []
    memo: dict[int, tuple] = {}
    made: tuple | None = None
    for index, (op, arg) in enumerate(ops[1:], start=1):
        if op == "FRAME" and proto >= 4:
            continue
        if op in _STRINGS:
            stack.append(("str", arg, index))
        elif op in _PUTS:
            if not stack:
                raise Refused("a memo opcode with nothing to keep")
            memo[len(memo) if op == "MEMOIZE" else int(arg)] = stack[-1]
        elif op in _GETS:
            if arg not in memo:
                raise Refused("a memo reference to nothing")
            stack.append(memo[arg])
        elif op == "GLOBAL" and isinstance(arg, str) and arg.count(" ") == 1:
            module, name = arg.split(" ")
            stack.append(("class", *_known(module, name), {index}))
        elif op == "STACK_GLOBAL" and proto >= 4:
            if len(stack) < 2 or stack[-1][0] != "str" or stack[-2][0] != "str":
                raise Refused("STACK_GLOBAL not fed by two strings")
            name_item, module_item = stack.pop(), stack.pop()
            stack.append(("class", *_known(module_item[1], name_item[1]), {module_item[2]}))
        elif op == "EMPTY_TUPLE":
            stack.append(("tuple",))
        elif op == "NEWOBJ":
            if len(stack) < 2 or stack[-1] != ("tuple",) or stack[-2][0] != "class" or made is not None:
                raise Refused("not one provider made with no arguments")
            stack.pop()
            made = stack.pop()
            stack.append(("obj",))
        elif op == "STOP":
            if stack != [("obj",)] or made is None or index != len(ops) - 1:
                raise Refused("the pickle leaves more than one provider")
            return proto, made[1], made[2], made[3]
        else:
            raise Refused(f"opcode {op} is not in a provider pickle")
    raise Refused("no STOP")


def _known(module: Any, name: Any) -> tuple[str, str]:
    current = MOVED.get(module, module)
    if not isinstance(name, str) or name not in PROVIDERS.get(current, ()):
        raise Refused(f"{module}.{name} is none of this project's providers")
    return module, name


def _emit(ops: list[tuple[str, Any]], proto: int, feeding: set[int], new: str) -> bytes:
    body = io.BytesIO()
    for index, (op, arg) in enumerate(ops[1:], start=1):
        if op == "FRAME":
            continue
        if op in _STRINGS:
            body.write(_string(new if index in feeding else arg, proto))
        elif op == "GLOBAL":
            module, name = str(arg).split(" ")
            body.write(_CODES[op] + f"{new if index in feeding else module}\n{name}\n".encode("utf-8"))
        elif op in ("BINPUT", "BINGET"):
            body.write(_CODES[op] + struct.pack("<B", arg))
        elif op in ("LONG_BINPUT", "LONG_BINGET"):
            body.write(_CODES[op] + struct.pack("<I", arg))
        else:  # MEMOIZE, STACK_GLOBAL, EMPTY_TUPLE, NEWOBJ, STOP: no argument
            body.write(_CODES[op])
    data = body.getvalue()
    head = _CODES["PROTO"] + struct.pack("<B", proto)
    if proto >= 4:  # one frame over the whole body, as the pickler frames a small pickle
        head += _CODES["FRAME"] + struct.pack("<Q", len(data))
    return head + data


def _string(value: str, proto: int) -> bytes:
    encoded = value.encode("utf-8", "surrogatepass")
    if len(encoded) < 256 and proto >= 4:
        return _CODES["SHORT_BINUNICODE"] + struct.pack("<B", len(encoded)) + encoded
    return _CODES["BINUNICODE"] + struct.pack("<I", len(encoded)) + encoded
