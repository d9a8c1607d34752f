"""Small text helpers shared by the scanners and rules: line numbers, comment stripping."""

from __future__ import annotations

import re
from bisect import bisect_right


def line_of(text: str, pos: int) -> int:
    """1-based line number of character offset `pos`."""
    return text.count("\n", 0, pos) + 1


class LineIndex:
    """Line numbers for many offsets in one text, in O(log n) each after one O(n) pass."""

    __slots__ = ("_starts",)

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts

    def line(self, pos: int) -> int:
        return bisect_right(self._starts, pos)


_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_SQL_STRING = re.compile(r"'(?:[^']|'')*'")


def blank_sql_comments(sql: str) -> str:
    """SQL with comments replaced by spaces (newlines kept), so offsets still map to lines."""
    return _SQL_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), sql)


def blank_sql_strings(sql: str) -> str:
    """SQL with string literals blanked, so a ';' or keyword inside a string is not parsed."""
    return _SQL_STRING.sub(lambda m: "'" + re.sub(r"[^\n]", " ", m.group()[1:-1]) + "'", sql)


def find_line(text: str, pattern: str | re.Pattern[str], start: int = 0) -> int | None:
    """Line number of the first match of `pattern` at or after `start`, or None."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    match = regex.search(text, start)
    return line_of(text, match.start()) if match else None
