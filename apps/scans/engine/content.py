"""The streaming content pass: every text file is read once and fed to all content scanners.

Rules declare *signals* (a regular expression, the files it applies to and cheap keywords that
must be present first); the pass records where each signal matched, up to a small cap, and the
secret detector's matches. Rules then decide from those records, never re-reading the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .secrets import SecretDetector, SecretMatch, lower_same_length
from .snapshot import FileEntry
from .textutil import LineIndex

CODE_SUFFIXES: frozenset[str] = frozenset(
    {".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte", ".astro",
     ".py", ".rb", ".go", ".php", ".java", ".kt", ".rs", ".cs", ".swift", ".dart", ".ex", ".exs"}
)  # fmt: skip
JS_SUFFIXES: frozenset[str] = frozenset(
    {".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte", ".astro"}
)
CONFIG_SUFFIXES: frozenset[str] = frozenset(
    {".json", ".toml", ".yml", ".yaml", ".ini", ".cfg", ".conf", ".env", ".html", ".htm", ".xml"}
)


@dataclass(frozen=True, slots=True)
class Signal:
    """A pattern worth remembering from the content pass, e.g. "a route called /health".

    Only the place (path, line) and the pattern's `value` group are kept, never the matched
    text, so a signal cannot leak a secret that happens to sit on the same line.
    """

    name: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...] = ()  # lower-case; one must occur in the file (cheap prefilter)
    suffixes: frozenset[str] | None = None  # None: any text file
    names: frozenset[str] = frozenset()  # lower-case basenames accepted whatever their suffix
    path_test: Callable[[FileEntry], bool] | None = None
    max_hits: int = 20
    distinct: bool = False  # keep one hit per distinct `value`, up to max_hits values

    def accepts(self, entry: FileEntry) -> bool:
        if self.path_test is not None:
            return self.path_test(entry)
        if self.suffixes is None:
            return True
        return entry.suffix in self.suffixes or entry.lname in self.names


def signal(
    name: str,
    regex: str,
    *,
    flags: int = 0,
    keywords: Iterable[str] = (),
    suffixes: Iterable[str] | None = None,
    names: Iterable[str] = (),
    path_test: Callable[[FileEntry], bool] | None = None,
    max_hits: int = 20,
    distinct: bool = False,
) -> Signal:
    return Signal(
        name=name,
        pattern=re.compile(regex, flags),
        keywords=tuple(k.lower() for k in keywords),
        suffixes=frozenset(suffixes) if suffixes is not None else None,
        names=frozenset(n.lower() for n in names),
        path_test=path_test,
        max_hits=max_hits,
        distinct=distinct,
    )


@dataclass(frozen=True, slots=True)
class SignalHit:
    path: str
    line: int
    value: str | None = None


@dataclass(slots=True)
class ContentPass:
    signals: list[Signal]
    detector: SecretDetector | None = None
    max_secret_matches: int = 2000
    hits: dict[str, list[SignalHit]] = field(default_factory=dict)
    secrets: list[SecretMatch] = field(default_factory=list)
    secrets_omitted: int = 0
    _seen_values: dict[str, set[str]] = field(default_factory=dict)
    _active: list[Signal] = field(default_factory=list)
    _by_suffix: dict[str, list[Signal]] = field(default_factory=dict)
    _special: list[Signal] = field(default_factory=list)

    def __post_init__(self) -> None:
        unique: dict[str, Signal] = {}
        for sig in self.signals:
            unique.setdefault(sig.name, sig)
        self._active = list(unique.values())
        self._special = [s for s in self._active if s.path_test is not None or s.names]
        for name in unique:
            self.hits[name] = []
            self._seen_values[name] = set()

    def feed(self, entry: FileEntry, text: str) -> None:
        lowered: str | None = None
        if self._active:
            lowered = lower_same_length(text)
            self._feed_signals(entry, text, lowered)
        if self.detector is not None:
            found = self.detector.scan(entry.path, entry.lname, entry.suffix, text, lowered)
            room = max(self.max_secret_matches - len(self.secrets), 0)
            self.secrets.extend(found[:room])
            self.secrets_omitted += max(len(found) - room, 0)

    def _signals_for(self, entry: FileEntry) -> list[Signal]:
        # Most signals filter on the suffix alone: their list is worked out once per suffix;
        # the few that look at the name or path are asked file by file.
        by_suffix = self._by_suffix.get(entry.suffix)
        if by_suffix is None:
            by_suffix = [
                s
                for s in self._active
                if s.path_test is None and (s.suffixes is None or entry.suffix in s.suffixes)
            ]
            self._by_suffix[entry.suffix] = by_suffix
        special = [
            s
            for s in self._special
            if (s.path_test(entry) if s.path_test is not None else entry.lname in s.names)
            and (s.path_test is not None or s.suffixes is None or entry.suffix not in s.suffixes)
        ]
        return by_suffix + special if special else by_suffix

    def _feed_signals(self, entry: FileEntry, text: str, lowered: str) -> None:
        index: LineIndex | None = None
        saturated = False
        present: dict[str, bool] = {}  # keyword -> found in this file, shared by signals
        for sig in self._signals_for(entry):
            if sig.keywords:
                for keyword in sig.keywords:
                    found_keyword = present.get(keyword)
                    if found_keyword is None:
                        found_keyword = present[keyword] = keyword in lowered
                    if found_keyword:
                        break
                else:
                    continue
            found = self.hits[sig.name]
            seen = self._seen_values[sig.name]
            for m in sig.pattern.finditer(text):
                value = m.groupdict().get("value")
                if sig.distinct:
                    if value is None or value in seen:
                        continue
                    seen.add(value)
                if index is None:
                    index = LineIndex(text)
                found.append(SignalHit(entry.path, index.line(m.start()), value))
                if len(found) >= sig.max_hits:
                    saturated = True
                    break
        if saturated:
            # Enough evidence: later files need not pay for signals that are already full.
            self._active = [s for s in self._active if len(self.hits[s.name]) < s.max_hits]
            self._special = [s for s in self._special if len(self.hits[s.name]) < s.max_hits]
            self._by_suffix.clear()
