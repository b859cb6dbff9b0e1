"""Go's text/tabwriter as docker-machine ls uses it: minwidth 5, padding 3, spaces."""

from __future__ import annotations

MIN_WIDTH = 5
PADDING = 3


def tabulate(lines: list[str]) -> str:
    rows = [line.split("\t") for line in lines]
    columns = max((len(r) for r in rows), default=0)
    widths = []
    for index in range(columns - 1):  # text after the last tab is not aligned
        longest = max((len(r[index]) for r in rows if len(r) > index + 1), default=0)
        widths.append(max(MIN_WIDTH, longest + PADDING))
    out = []
    for row in rows:
        cells = [cell.ljust(widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)]
        out.append("".join(cells))
    return "\n".join(out) + ("\n" if out else "")
