"""Jupyter notebooks as text a person reads: each cell's source and its printed outputs, with
every line mapped back to the line of the .ipynb file where it is stored.

Scanning the raw JSON would miss most assignments (their quotes are escaped, `\\"`) and report
lines of a JSON blob; a person opens the notebook and looks for the cell.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..textutil import LineIndex

# Outputs worth reading: what a cell printed or returned as text (a key echoed by `print`, an
# `os.environ` dump), not images or HTML blobs.
_TEXT_MIMES = ("text/plain",)


@dataclass(frozen=True, slots=True)
class NotebookText:
    text: str  # the cells' lines, one after another
    file_lines: list[int]  # for each line of `text`, its line in the .ipynb file
    cells: list[int]  # for each line of `text`, its cell number (1-based)


def notebook_text(raw: str) -> NotebookText | None:
    """The readable text of a notebook, or None when `raw` is not a notebook's JSON."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None
    index = LineIndex(raw)
    lines: list[str] = []
    file_lines: list[int] = []
    cells: list[int] = []
    cursor = 0
    last_line = 1
    for number, cell in enumerate(data["cells"], start=1):
        if not isinstance(cell, dict):
            continue
        for block in _cell_blocks(cell):
            for line in block.split("\n"):
                # Each line is stored as a JSON string, in order: find its encoded form after
                # the previous one. Empty lines (and anything not found) keep the last place.
                if line.strip():
                    for ensure_ascii in (False, True):
                        encoded = json.dumps(line, ensure_ascii=ensure_ascii)[1:-1]
                        found = raw.find(encoded, cursor)
                        if found != -1:
                            cursor = found + len(encoded)
                            last_line = index.line(found)
                            break
                lines.append(line)
                file_lines.append(last_line)
                cells.append(number)
            # A blank line between blocks, so one cell's last line never runs into the next.
            lines.append("")
            file_lines.append(last_line)
            cells.append(number)
    return NotebookText("\n".join(lines), file_lines, cells)


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return value if isinstance(value, str) else ""


def _cell_blocks(cell: dict[str, Any]) -> list[str]:
    blocks = [_joined(cell.get("source"))]
    for output in cell.get("outputs") or ():
        if not isinstance(output, dict):
            continue
        blocks.append(_joined(output.get("text")))
        data = output.get("data")
        if isinstance(data, dict):
            blocks.extend(_joined(data.get(mime)) for mime in _TEXT_MIMES)
    return [block for block in blocks if block]
