"""Import and call analysis for JavaScript/TypeScript and Python source: which module a file
imports under which local name, and where that name is called, with comments and the inside of
string literals blanked so that a commented-out `Sentry.init(` or a README-like string never
counts as use.

Deliberately a lexer and a few regular expressions, not a parser: it reads only the handful of
files that mention a tracked package, and must not fail on syntax it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .content import JS_SUFFIXES
from .textutil import LineIndex

# Comments, strings and (after a token that cannot end an expression) regular-expression
# literals; the earliest match wins, so a quote inside a comment stays in the comment.
_JS_TOKENS = re.compile(
    r"(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z)|<!--.*?(?:-->|\Z))"
    r"|(?P<str>'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|`(?:\\.|[^`\\])*`)"
    r"|(?<=[(,=:\[!&|?{};+\-*%~^])(?P<regex>\s*/(?![*/])(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n])+/)",
    re.DOTALL,
)
_PY_TOKENS = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|(?P<str>(?<![\w])[rRbBuUfF]{0,2}(?:'''.*?(?:'''|\Z)|\"\"\".*?(?:\"\"\"|\Z)"
    r"|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"))",
    re.DOTALL,
)
_NOT_NEWLINE = re.compile(r"[^\n]")

# import X from 'm' / import * as X from 'm' / import X, { a as b } from 'm' / import 'm'
_JS_IMPORT = re.compile(
    r"(?<![\w$.])import\s+(?!type\s)(?P<clause>[\w$]+(?:\s*,\s*)?|\*\s*as\s+[\w$]+|"
    r"(?:[\w$]+\s*,\s*)?(?:\*\s*as\s+[\w$]+|\{[^}]*\}))?\s*(?:from\s*)?(?=['\"])"
)
# Found by the call (a literal to search for), then the binding read back from before it.
_JS_REQUIRE = re.compile(r"(?<![\w$.])(?:require|import)\s*\(\s*(?=['\"`])")
_JS_BINDING = re.compile(r"(?:const|let|var)\s+(?P<binding>[\w$]+|\{[^}]*\})\s*=\s*(?:await\s+)?$")
_PY_IMPORT = re.compile(
    r"(?m)^[ \t]*(?:import[ \t]+(?P<plain>[\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+"
    r"(?:[ \t]+as[ \t]+\w+)?)*)|from[ \t]+(?P<module>[\w.]+)[ \t]+import[ \t]+"
    r"(?P<names>\([^)]*\)|[^\n]+))"
)
# Where a package is fetched in Deno and edge functions: npm:zod@3, https://esm.sh/zod@3.22.
_SPECIFIER_PREFIX = re.compile(
    r"^(?:npm:|jsr:|node:|https?://(?:esm\.sh|cdn\.skypack\.dev|unpkg\.com|cdn\.jsdelivr\.net/npm"
    r"|esm\.run|deno\.land/x)/)"
)
_VERSION_SUFFIX = re.compile(r"(?<=[\w-])@[^/]*")

TEST_PATH = re.compile(
    r"\.(?:test|spec|e2e|cy|stories)\.[cm]?[jt]sx?$|(?:^|/)(?:__tests__|__mocks__|tests?|spec|e2e"
    r"|cypress|playwright|fixtures?|stories)/|(?:^|/)(?:test_[^/]*|[^/]*_test|conftest)\.py$"
)


def is_test_path(path: str) -> bool:
    """Tests, stories and fixtures: code that never runs in production."""
    return bool(TEST_PATH.search(path))


def normalise_specifier(spec: str) -> str:
    """The package a JavaScript import names: `npm:@upstash/ratelimit@1.0/x` ->
    `@upstash/ratelimit/x`, `https://esm.sh/zod@3.22.4` -> `zod`."""
    spec = _SPECIFIER_PREFIX.sub("", spec.strip())
    if spec.startswith("@"):
        scope, _, rest = spec.partition("/")
        return scope + "/" + _VERSION_SUFFIX.sub("", rest, count=1)
    return _VERSION_SUFFIX.sub("", spec, count=1)


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # as the code names it, normalised: "@sentry/react", "sentry_sdk.integrations"
    name: str  # what is imported: "default", "*" (the module itself) or a member name
    local: str  # the name it is bound to in this file; "" for a side-effect import
    line: int


@dataclass(frozen=True, slots=True)
class Use:
    line: int
    text: str  # the code that uses it, as written: "Sentry.init(", "app.use(limiter"


@dataclass(slots=True)
class Source:
    """One file's code with comments and string contents blanked (offsets and line numbers are
    those of the original), its string literals by offset and its imports."""

    path: str
    language: str  # "js" or "py"
    code: str
    strings: dict[int, str]  # offset of the opening quote -> the literal's content
    imports: list[Import] = field(default_factory=list)
    _index: LineIndex | None = None
    _lines: list[str] | None = None

    def code_line(self, number: int) -> str:
        """Line `number` (1-based) of the blanked code, "" past the end."""
        if self._lines is None:
            self._lines = self.code.split("\n")
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    def line(self, pos: int) -> int:
        if self._index is None:
            self._index = LineIndex(self.code)
        return self._index.line(pos)

    def imports_of(self, *modules: str) -> list[Import]:
        """Imports of any of `modules` or their submodules (`@sentry/nextjs/client`)."""
        return [i for i in self.imports if any(_is_module(i.module, m) for m in modules)]

    def find(self, regex: re.Pattern[str]) -> list[Use]:
        """Matches of `regex` in the code outside comments and strings."""
        return [Use(self.line(m.start()), _one_line(m.group())) for m in regex.finditer(self.code)]

    def first(self, regex: re.Pattern[str]) -> Use | None:
        m = regex.search(self.code)
        return Use(self.line(m.start()), _one_line(m.group())) if m else None

    def calls(self, imp: Import, *members: str) -> list[Use]:
        """Where the imported name is called: `local(` / `new local(` for a function or class
        (without `members`, or when `members` name what was imported: `import { init }`),
        `local.member(` (or `local.a.member(`) for each of `members` otherwise."""
        if not imp.local:
            return []
        local = re.escape(imp.local)
        forms = []
        named = imp.name not in {"*", "default"}
        if not members or (named and imp.name in members):
            forms.append(r"\s*(?:<[^<>()]*>\s*)?\(")
        others = [m for m in members if not (named and m == imp.name)]
        if others:
            names = "|".join(re.escape(m) for m in others)
            forms.append(rf"(?:\s*\.\s*[\w$]+)*?\s*\.\s*(?:{names})\s*\(")
        pattern = re.compile(rf"(?<![\w$.])(?:new\s+)?{local}(?:{'|'.join(forms)})")
        return [u for u in self.find(pattern) if u.line != imp.line]


def _is_module(module: str, wanted: str) -> bool:
    if wanted.endswith("/*"):
        return module.startswith(wanted[:-1])
    return module == wanted or module.startswith((wanted + "/", wanted + "."))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:80]


def _blank(text: str, tokens: re.Pattern[str]) -> tuple[str, dict[int, str]]:
    strings: dict[int, str] = {}
    parts: list[str] = []
    last = 0
    for m in tokens.finditer(text):
        start, end = m.span()
        parts.append(text[last:start])
        if m.lastgroup == "str":
            raw = m.group()
            quote_at = len(raw) - len(raw.lstrip("rRbBuUfF"))
            body = raw[quote_at:]
            width = 3 if body[:3] in {"'''", '"""'} else 1
            strings[start + quote_at] = body[width:-width] if len(body) >= 2 * width else ""
            inner = _NOT_NEWLINE.sub(" ", raw[quote_at + width : len(raw) - width])
            parts.append(raw[: quote_at + width] + inner + raw[len(raw) - width :])
        else:
            parts.append(_NOT_NEWLINE.sub(" ", m.group()))
        last = end
    parts.append(text[last:])
    return "".join(parts), strings


def analyse(path: str, text: str) -> Source | None:
    """The file's Source, or None when it is neither JavaScript/TypeScript nor Python."""
    suffix = path[path.rfind(".") :].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in JS_SUFFIXES:
        return _analyse_js(path, text)
    if suffix in {".py", ".pyi"}:
        return _analyse_py(path, text)
    return None


def _analyse_js(path: str, text: str) -> Source:
    code, strings = _blank(text, _JS_TOKENS)
    source = Source(path, "js", code, strings)
    for m in _JS_IMPORT.finditer(code):
        spec = strings.get(m.end())
        if spec is None:
            continue
        module, line = normalise_specifier(spec), source.line(m.start())
        clause = (m.group("clause") or "").strip().rstrip(",").strip()
        if not clause:
            source.imports.append(Import(module, "*", "", line))
            continue
        source.imports += _js_clause(clause, module, line)
    for m in _JS_REQUIRE.finditer(code):
        spec = strings.get(m.end())
        if spec is None:
            continue
        module, line = normalise_specifier(spec), source.line(m.start())
        bound = _JS_BINDING.search(code, max(m.start() - 200, 0), m.start())
        binding = bound.group("binding") if bound else None
        if binding is None:
            source.imports.append(Import(module, "*", "", line))
        elif binding.startswith("{"):
            source.imports += _named(binding, module, line, separator=":")
        else:
            source.imports.append(Import(module, "*", binding, line))
    return source


def _js_clause(clause: str, module: str, line: int) -> list[Import]:
    found: list[Import] = []
    default, _, rest = (
        clause.partition(",") if not clause.startswith(("{", "*")) else ("", "", clause)
    )
    if default.strip():
        found.append(Import(module, "default", default.strip(), line))
    rest = rest.strip()
    if rest.startswith("*"):
        found.append(Import(module, "*", rest.split()[-1], line))
    elif rest.startswith("{"):
        found += _named(rest, module, line, separator=" as ")
    return found


def _named(braces: str, module: str, line: int, *, separator: str) -> list[Import]:
    found = []
    for raw in braces.strip("{} \n").split(","):
        part = raw.strip()
        if not part or part.startswith("type "):
            continue
        name, _, local = part.partition(separator)
        name, local = name.strip(), (local or name).strip()
        if re.fullmatch(r"[\w$]+", name) and re.fullmatch(r"[\w$]+", local):
            found.append(Import(module, name, local, line))
    return found


def _analyse_py(path: str, text: str) -> Source:
    code, strings = _blank(text, _PY_TOKENS)
    source = Source(path, "py", code, strings)
    for m in _PY_IMPORT.finditer(code):
        line = source.line(m.start())
        if m.group("plain"):
            for part in m.group("plain").split(","):
                module, _, alias = part.strip().partition(" as ")
                module = module.strip()
                local = alias.strip() or module.split(".")[0]
                # `import a.b` binds `a`; calls then read `a.b.member(`.
                source.imports.append(Import(module, "*", local, line))
        else:
            module = m.group("module")
            for part in m.group("names").strip("() \n\\").replace("\n", ",").split(","):
                name, _, alias = part.strip().partition(" as ")
                name = name.strip()
                if re.fullmatch(r"\w+", name):
                    source.imports.append(Import(module, name, alias.strip() or name, line))
                    # `from a import b` may bind a submodule b: calls read `b.member(`.
                    source.imports.append(
                        Import(f"{module}.{name}", "*", alias.strip() or name, line)
                    )
    return source


def dotted_strings(source: Source, *modules: str) -> list[Use]:
    """Python string literals that are a dotted path into one of `modules`, the way Django
    settings name a class (LOGGING's '()', MIDDLEWARE, CACHES' BACKEND): configuration that
    loads the module, unlike a mention in prose. Docstrings hold sentences, never a bare path."""
    found = []
    for pos, value in source.strings.items():
        if re.fullmatch(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+", value) and any(
            _is_module(value, m) for m in modules
        ):
            found.append(Use(source.line(pos), value))
    return found
