"""Replays Supabase SQL migrations into the schema they leave behind: tables and their columns,
row-level security, policies, column grants, functions, triggers, views and storage buckets.

Statements are applied in migration order, so a table created in one migration and protected
in a later one counts as protected, and one dropped is forgotten. Parsing is by regular
expression over SQL whose comments, strings and dollar-quoted bodies are blanked (offsets kept),
so a keyword inside a function body or a string is never taken for a statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..context import ScanContext
from ..snapshot import FileEntry
from ..textutil import LineIndex, blank_sql_comments, blank_sql_strings

MAX_SQL_FILES = 500
MAX_BODY_CHARS = 20_000
_IDENT = r'(?:"[^"]+"|[A-Za-z_][\w$]*)'
_NAME = rf"(?P<name>{_IDENT}(?:\s*\.\s*{_IDENT})?)"
_CREATE_TABLE = re.compile(
    rf"\bcreate\s+(?:or\s+replace\s+)?(?P<temp>(?:global\s+|local\s+)?(?:temp|temporary)\s+|unlogged\s+)?"
    rf"table\s+(?:if\s+not\s+exists\s+)?{_NAME}",
    re.IGNORECASE,
)
_ALTER_RLS = re.compile(
    rf"\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?{_NAME}\s+"
    r"(?P<action>enable|disable|force|no\s+force)\s+row\s+level\s+security",
    re.IGNORECASE,
)
_RENAME = re.compile(
    rf"\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?{_NAME}\s+rename\s+to\s+(?P<new>{_IDENT})",
    re.IGNORECASE,
)
_ALTER_COLUMNS = re.compile(
    rf"\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?{_NAME}\s+(?P<actions>(?:add|drop|rename)\b[^;]*)",
    re.IGNORECASE,
)
_DROP_TABLE = re.compile(
    rf"\bdrop\s+table\s+(?:if\s+exists\s+)?(?P<names>{_IDENT}(?:\s*\.\s*{_IDENT})?"
    rf"(?:\s*,\s*{_IDENT}(?:\s*\.\s*{_IDENT})?)*)",
    re.IGNORECASE,
)
_CREATE_POLICY = re.compile(
    rf"\bcreate\s+policy\s+(?P<policy>{_IDENT})\s+on\s+{_NAME}(?P<body>[^;]*)", re.IGNORECASE
)
_DROP_POLICY = re.compile(
    rf"\bdrop\s+policy\s+(?:if\s+exists\s+)?(?P<policy>{_IDENT})\s+on\s+{_NAME}", re.IGNORECASE
)
_GRANT = re.compile(
    r"\b(?P<verb>grant|revoke)\s+(?P<privs>[^;]+?)\s+on\s+(?:table\s+)?"
    rf"(?!all\s+(?:tables|sequences|functions|routines)\b|schema\b|function\b|sequence\b){_NAME}"
    r"\s+(?:to|from)\s+(?P<roles>[^;]+)",
    re.IGNORECASE,
)
_CREATE_FUNCTION = re.compile(
    rf"\bcreate\s+(?:or\s+replace\s+)?(?:function|procedure)\s+{_NAME}\s*\(", re.IGNORECASE
)
_ALTER_FUNCTION = re.compile(
    rf"\balter\s+(?:function|procedure)\s+{_NAME}(?P<rest>[^;]*)", re.IGNORECASE
)
_DROP_FUNCTION = re.compile(
    rf"\bdrop\s+(?:function|procedure)\s+(?:if\s+exists\s+)?{_NAME}", re.IGNORECASE
)
_CREATE_TRIGGER = re.compile(
    rf"\bcreate\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\s+{_IDENT}\s+(?P<rest>[^;]*)",
    re.IGNORECASE,
)
_TRIGGER_PARTS = re.compile(
    rf"\bbefore\s+(?P<events>[^;]*?)\bon\s+(?P<table>{_IDENT}(?:\s*\.\s*{_IDENT})?)"
    rf".*?\bexecute\s+(?:function|procedure)\s+(?P<fn>{_IDENT}(?:\s*\.\s*{_IDENT})?)",
    re.IGNORECASE | re.DOTALL,
)
_CREATE_VIEW = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\w*\s+)?(?:recursive\s+)?(?P<mat>materialized\s+)?"
    rf"view\s+(?:if\s+not\s+exists\s+)?{_NAME}(?P<rest>[^;]*)",
    re.IGNORECASE,
)
_ALTER_VIEW = re.compile(
    rf"\balter\s+(?:materialized\s+)?view\s+(?:if\s+exists\s+)?{_NAME}(?P<rest>[^;]*)",
    re.IGNORECASE,
)
_DROP_VIEW = re.compile(
    rf"\bdrop\s+(?:materialized\s+)?view\s+(?:if\s+exists\s+)?{_NAME}", re.IGNORECASE
)
_INSERT_BUCKET = re.compile(
    r"\binsert\s+into\s+storage\s*\.\s*buckets\s*\((?P<cols>[^)]*)\)\s*values\s*(?P<rest>[^;]*)",
    re.IGNORECASE,
)
_UPDATE_BUCKET = re.compile(
    r"\bupdate\s+storage\s*\.\s*buckets\s+set\s+(?P<rest>[^;]*)", re.IGNORECASE
)
_SECURITY_INVOKER_ON = re.compile(
    r"\bsecurity_invoker\b(?!\s*=\s*(?:false|off|0|no|'false'|'off')\b)", re.IGNORECASE
)
_VIEW_SOURCES = re.compile(
    rf"\b(?:from|join)\s+(?!\()(?P<name>{_IDENT}(?:\s*\.\s*{_IDENT})?)", re.IGNORECASE
)
_DOLLAR_QUOTE = re.compile(r"\$((?:[A-Za-z_]\w*)?)\$.*?\$\1\$", re.DOTALL)
_NOT_COLUMNS = frozenset({"constraint", "primary", "foreign", "unique", "check", "exclude", "like"})


def split_name(raw: str) -> tuple[str, str]:
    """("public", "todos") from `todos`, `public.todos` or `"public"."Todos"`."""
    parts = re.findall(_IDENT, raw)
    names = [p[1:-1] if p.startswith('"') else p.lower() for p in parts]
    return ("public", names[0]) if len(names) == 1 else (names[0], names[1])


def _ident(raw: str) -> str:
    raw = raw.strip()
    return raw[1:-1] if raw.startswith('"') and raw.endswith('"') else raw.lower()


def supabase_sql_files(ctx: ScanContext) -> list[FileEntry]:
    files = [
        e
        for p, e in ctx.snapshot.files.items()
        if p.startswith("supabase/") and e.suffix == ".sql" and not p.endswith("/seed.sql")
    ]
    # Migrations are named by timestamp: path order is the order they run in.
    return sorted(files, key=lambda e: e.path)[:MAX_SQL_FILES]


@dataclass(slots=True)
class Column:
    name: str
    type: str
    path: str
    line: int


@dataclass(slots=True)
class Table:
    schema: str
    name: str
    path: str
    line: int
    rls: bool = False
    columns: dict[str, Column] = field(default_factory=dict)


@dataclass(slots=True)
class Policy:
    name: str
    table: tuple[str, str]
    path: str
    line: int
    command: str
    roles: frozenset[str]
    using_true: bool
    check_true: bool
    restrictive: bool
    using: str | None = None  # the expression, lower-cased, strings blanked
    check: str | None = None
    raw_using: str | None = None  # the same with string literals kept (bucket names)
    snippet: str = ""


@dataclass(slots=True)
class Function:
    name: tuple[str, str]
    path: str
    line: int
    definer: bool
    search_path: bool
    body: str  # lower-cased, capped
    snippet: str = ""


@dataclass(slots=True)
class View:
    name: tuple[str, str]
    path: str
    line: int
    invoker: bool
    materialized: bool
    sources: tuple[tuple[str, str], ...]
    snippet: str = ""


@dataclass(slots=True)
class Bucket:
    name: str
    public: bool
    path: str
    line: int
    snippet: str = ""


@dataclass(slots=True)
class SchemaState:
    tables: dict[tuple[str, str], Table] = field(default_factory=dict)
    policies: dict[tuple[tuple[str, str], str], Policy] = field(default_factory=dict)
    functions: dict[tuple[str, str], Function] = field(default_factory=dict)
    views: dict[tuple[str, str], View] = field(default_factory=dict)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    # (table, role) -> columns that role may UPDATE; absent: all of them (Supabase grants
    # every privilege on public tables to anon and authenticated by default).
    update_columns: dict[tuple[tuple[str, str], str], frozenset[str]] = field(default_factory=dict)
    select_revoked: set[tuple[tuple[str, str], str]] = field(default_factory=set)
    # table -> functions run by its BEFORE INSERT/UPDATE triggers
    before_triggers: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)

    def updatable(self, table: tuple[str, str], role: str, column: str) -> bool:
        allowed = self.update_columns.get((table, role))
        return allowed is None or column in allowed

    def trigger_guards(self, table: tuple[str, str], column: str) -> str | None:
        """The trigger function that looks at `new.<column>` before a write, if any."""
        pattern = re.compile(rf'\bnew\s*\.\s*"?{re.escape(column.lower())}"?\b')
        for fn_name in sorted(self.before_triggers.get(table, ())):
            fn = self.functions.get(fn_name)
            if fn is not None and pattern.search(fn.body):
                return ".".join(fn_name)
        return None


@dataclass(slots=True)
class _Source:
    path: str
    sql: str  # comments and strings blanked (as the original RLS replay read it)
    outer: str  # also dollar-quoted bodies blanked
    nocomment: str  # comments blanked, strings and bodies kept
    index: LineIndex

    def snippet(self, start: int) -> str:
        end = self.nocomment.find("\n", start)
        line_start = self.nocomment.rfind("\n", 0, start) + 1
        return self.nocomment[line_start : end if end != -1 else None].strip()[:160]


def replay(ctx: ScanContext, files: list[FileEntry] | None = None) -> SchemaState:
    """The schema the migrations leave behind, worked out once per scan (every Supabase rule
    reads the same result)."""
    if "supabase.replay" in ctx.shared:
        replayed: SchemaState = ctx.shared["supabase.replay"]
        return replayed
    state = ctx.shared["supabase.replay"] = SchemaState()
    for entry in files if files is not None else supabase_sql_files(ctx):
        raw = ctx.read(entry.path)
        if raw is None:
            continue
        nocomment = blank_sql_comments(raw)
        sql = blank_sql_strings(nocomment)
        outer = blank_sql_strings(
            _DOLLAR_QUOTE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), nocomment)
        )
        src = _Source(entry.path, sql, outer, nocomment, LineIndex(sql))
        events: list[tuple[int, int, str, re.Match[str]]] = []
        for order, (regex, kind, text) in enumerate(
            (
                (_CREATE_TABLE, "create", sql),
                (_ALTER_RLS, "rls", sql),
                (_RENAME, "rename", sql),
                (_ALTER_COLUMNS, "columns", outer),
                (_DROP_TABLE, "drop", sql),
                (_CREATE_POLICY, "policy", sql),
                (_DROP_POLICY, "drop-policy", sql),
                (_GRANT, "grant", outer),
                (_CREATE_FUNCTION, "function", outer),
                (_ALTER_FUNCTION, "alter-function", outer),
                (_DROP_FUNCTION, "drop-function", outer),
                (_CREATE_TRIGGER, "trigger", outer),
                (_CREATE_VIEW, "view", outer),
                (_ALTER_VIEW, "alter-view", outer),
                (_DROP_VIEW, "drop-view", outer),
                (_INSERT_BUCKET, "bucket", outer),
                (_UPDATE_BUCKET, "update-bucket", outer),
            )
        ):
            events += [(m.start(), order, kind, m) for m in regex.finditer(text)]
        for start, _order, kind, m in sorted(events, key=lambda e: (e[0], e[1])):
            _apply(state, kind, m, src, start)
    return state


def _apply(state: SchemaState, kind: str, m: re.Match[str], src: _Source, start: int) -> None:
    handler = _HANDLERS[kind]
    handler(state, m, src, src.index.line(start))


def _on_drop(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    for raw in re.split(r"\s*,\s*", m.group("names")):
        key = split_name(raw)
        state.tables.pop(key, None)
        for policy_key in [k for k in state.policies if k[0] == key]:
            del state.policies[policy_key]


def _on_create(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    key = split_name(m.group("name"))
    if m.group("temp") or key in state.tables:
        return
    table = state.tables[key] = Table(key[0], key[1], src.path, line)
    body = _parenthesised(src.outer, m.end())
    if body is None:
        return
    offset, text = body
    for part_start, part in _split_top_level(text):
        column = _column(part)
        if column is not None:
            name, type_ = column
            table.columns[name] = Column(name, type_, src.path, src.index.line(offset + part_start))


def _on_rls(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    table = state.tables.get(split_name(m.group("name")))
    action = m.group("action").lower()
    if table is not None and action in {"enable", "disable"}:
        table.rls = action == "enable"


def _on_rename(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    key = split_name(m.group("name"))
    table = state.tables.pop(key, None)
    if table is not None:
        new_key = (key[0], split_name(m.group("new"))[1])
        table.name = new_key[1]
        state.tables[new_key] = table


def _on_columns(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    table = state.tables.get(split_name(m.group("name")))
    if table is None:
        return
    for _, action in _split_top_level(m.group("actions")):
        words = action.split()
        if len(words) < 2:
            continue
        verb = words[0].lower()
        rest = [w for w in words[1:] if w.lower() != "column"]
        if verb == "add" and rest and rest[0].lower() not in _NOT_COLUMNS:
            if rest[:3] and [w.lower() for w in rest[:3]] == ["if", "not", "exists"]:
                rest = rest[3:]
            if len(rest) >= 2:
                name = _ident(rest[0])
                table.columns[name] = Column(name, rest[1].lower(), src.path, line)
        elif verb == "drop" and rest and rest[0].lower() != "constraint":
            if [w.lower() for w in rest[:2]] == ["if", "exists"]:
                rest = rest[2:]
            if rest:
                table.columns.pop(_ident(rest[0]), None)
        elif verb == "rename" and len(rest) >= 3 and rest[1].lower() == "to":
            column = table.columns.pop(_ident(rest[0]), None)
            if column is not None:
                column.name = _ident(rest[2])
                table.columns[column.name] = column


def _on_policy(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    key = split_name(m.group("name"))
    body = m.group("body")
    body_start = m.start("body")
    command = _POLICY_FOR.search(body)
    to = _POLICY_TO.search(body)
    roles = (
        frozenset(r.strip().strip('"').lower() for r in to.group(1).split(","))
        if to
        else frozenset({"public"})
    )
    using = _clause(src, body, body_start, _USING)
    check = _clause(src, body, body_start, _WITH_CHECK)
    name = m.group("policy").strip('"')
    state.policies[(key, name)] = Policy(
        name=name,
        table=key,
        path=src.path,
        line=line,
        command=command.group(1).lower() if command else "all",
        roles=roles,
        using_true=bool(_USING_TRUE.search(body)),
        check_true=bool(_CHECK_TRUE.search(body)),
        restrictive=bool(_RESTRICTIVE.search(body)),
        using=using[0] if using else None,
        check=check[0] if check else None,
        raw_using=(using or check or (None, None))[1],
        snippet=src.snippet(m.start()),
    )


def _on_drop_policy(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    state.policies.pop((split_name(m.group("name")), m.group("policy").strip('"')), None)


def _on_grant(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    key = split_name(m.group("name"))
    grant = m.group("verb").lower() == "grant"
    roles = [r.strip().strip('"').lower() for r in re.split(r",", m.group("roles"))]
    roles = [r.split()[0] for r in roles if r]
    for _, priv in _split_top_level(m.group("privs")):
        word = priv.strip().split("(", 1)[0].strip().lower()
        columns_m = re.search(r"\(([^)]*)\)", priv)
        columns = frozenset(_ident(c) for c in columns_m.group(1).split(",")) if columns_m else None
        for role in roles:
            slot = (key, role)
            if word in {"update", "all", "all privileges"}:
                current = state.update_columns.get(slot)
                if grant:
                    if columns is None:
                        state.update_columns.pop(slot, None)
                    elif current is not None:
                        state.update_columns[slot] = current | columns
                elif columns is None:
                    state.update_columns[slot] = frozenset()
                elif current is not None:
                    # Revoking a column while the table-wide grant stands changes nothing
                    # in PostgreSQL; only a narrowed grant can lose columns.
                    state.update_columns[slot] = current - columns
            if word in {"select", "all", "all privileges"} and columns is None:
                if grant:
                    state.select_revoked.discard(slot)
                else:
                    state.select_revoked.add(slot)


def _on_function(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    key = split_name(m.group("name"))
    end = src.outer.find(";", m.end())
    end = len(src.outer) if end == -1 else end
    options = src.outer[m.end() : end].lower()
    raw = src.nocomment[m.end() : end]
    body = _DOLLAR_QUOTE.search(raw)
    state.functions[key] = Function(
        name=key,
        path=src.path,
        line=line,
        definer=bool(re.search(r"\bsecurity\s+definer\b", options)),
        search_path=bool(re.search(r"\bset\s+search_path\b", options)),
        body=(body.group() if body else raw)[:MAX_BODY_CHARS].lower(),
        snippet=src.snippet(m.start()),
    )


def _on_alter_function(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    fn = state.functions.get(split_name(m.group("name")))
    if fn is None:
        return
    rest = m.group("rest").lower()
    if re.search(r"\bset\s+search_path\b", rest):
        fn.search_path = True
    if re.search(r"\breset\s+(?:search_path|all)\b", rest):
        fn.search_path = False
    if re.search(r"\bsecurity\s+invoker\b", rest):
        fn.definer = False
    elif re.search(r"\bsecurity\s+definer\b", rest):
        fn.definer = True


def _on_drop_function(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    state.functions.pop(split_name(m.group("name")), None)


def _on_trigger(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    parts = _TRIGGER_PARTS.search(m.group("rest"))
    if parts is None or not re.search(r"\b(?:update|insert)\b", parts.group("events"), re.I):
        return
    table = split_name(parts.group("table"))
    state.before_triggers.setdefault(table, set()).add(split_name(parts.group("fn")))


def _on_view(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    key = split_name(m.group("name"))
    rest = m.group("rest")
    as_m = re.search(r"\bas\b", rest, re.IGNORECASE)
    options = rest[: as_m.start()] if as_m else ""
    query = rest[as_m.end() :] if as_m else rest
    state.views[key] = View(
        name=key,
        path=src.path,
        line=line,
        invoker=bool(_SECURITY_INVOKER_ON.search(options)),
        materialized=bool(m.group("mat")),
        sources=tuple(
            dict.fromkeys(split_name(s.group("name")) for s in _VIEW_SOURCES.finditer(query))
        ),
        snippet=src.snippet(m.start()),
    )


def _on_alter_view(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    view = state.views.get(split_name(m.group("name")))
    if view is None:
        return
    rest = m.group("rest")
    if re.search(r"\bset\s*\(", rest, re.IGNORECASE):
        view.invoker = bool(_SECURITY_INVOKER_ON.search(rest))
    elif re.search(r"\breset\s*\([^)]*security_invoker", rest, re.IGNORECASE):
        view.invoker = False


def _on_drop_view(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    state.views.pop(split_name(m.group("name")), None)


def _on_bucket(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    columns = [_ident(c) for c in m.group("cols").split(",")]
    if "public" not in columns:
        return
    name_at = (
        columns.index("name")
        if "name" in columns
        else columns.index("id")
        if "id" in columns
        else None
    )
    if name_at is None:
        return
    rest_start = m.start("rest")
    raw_rest = src.nocomment[rest_start : m.end("rest")]
    stop = re.search(
        r"\bon\s+conflict\b|\breturning\b", src.outer[rest_start : m.end("rest")], re.I
    )
    values_text = raw_rest[: stop.start()] if stop else raw_rest
    for row_start, row in _split_top_level(values_text):
        if not row.startswith("("):
            continue
        values = [v.strip() for _, v in _split_top_level(row[1:-1])]
        if len(values) != len(columns):
            continue
        bucket = values[name_at].strip("'")
        public = values[columns.index("public")].strip("'").lower() in {"true", "t", "on", "1"}
        state.buckets[bucket] = Bucket(
            bucket,
            public,
            src.path,
            src.index.line(rest_start + row_start),
            src.snippet(rest_start + row_start),
        )


def _on_update_bucket(state: SchemaState, m: re.Match[str], src: _Source, line: int) -> None:
    raw = src.nocomment[m.start("rest") : m.end("rest")]
    public = re.search(r"\bpublic\s*=\s*'?(true|false|t|f)'?", raw, re.IGNORECASE)
    where = re.search(r"\bwhere\s+(?:id|name)\s*=\s*'([^']+)'", raw, re.IGNORECASE)
    if public is None or where is None:
        return
    is_public = public.group(1).lower() in {"true", "t"}
    bucket = state.buckets.get(where.group(1))
    if bucket is None:
        state.buckets[where.group(1)] = Bucket(
            where.group(1), is_public, src.path, line, src.snippet(m.start())
        )
    else:
        bucket.public = is_public
        bucket.path, bucket.line, bucket.snippet = src.path, line, src.snippet(m.start())


_HANDLERS = {
    "create": _on_create,
    "rls": _on_rls,
    "rename": _on_rename,
    "columns": _on_columns,
    "drop": _on_drop,
    "policy": _on_policy,
    "drop-policy": _on_drop_policy,
    "grant": _on_grant,
    "function": _on_function,
    "alter-function": _on_alter_function,
    "drop-function": _on_drop_function,
    "trigger": _on_trigger,
    "view": _on_view,
    "alter-view": _on_alter_view,
    "drop-view": _on_drop_view,
    "bucket": _on_bucket,
    "update-bucket": _on_update_bucket,
}

_ALWAYS_TRUE = r"\(\s*(?:true|1\s*=\s*1|\(\s*true\s*\))\s*\)"
_USING_TRUE = re.compile(rf"\busing\s*{_ALWAYS_TRUE}", re.IGNORECASE)
_CHECK_TRUE = re.compile(rf"\bwith\s+check\s*{_ALWAYS_TRUE}", re.IGNORECASE)
_USING = re.compile(r"\busing\s*(?=\()", re.IGNORECASE)
_WITH_CHECK = re.compile(r"\bwith\s+check\s*(?=\()", re.IGNORECASE)
_POLICY_FOR = re.compile(r"\bfor\s+(all|select|insert|update|delete)\b", re.IGNORECASE)
_POLICY_TO = re.compile(r"\bto\s+(.+?)(?=\busing\b|\bwith\b|$)", re.IGNORECASE | re.DOTALL)
_RESTRICTIVE = re.compile(r"\bas\s+restrictive\b", re.IGNORECASE)


def _clause(
    src: _Source, body: str, body_start: int, regex: re.Pattern[str]
) -> tuple[str, str] | None:
    """A policy's USING or WITH CHECK expression: (lower-cased, with strings blanked; raw)."""
    m = regex.search(body)
    if m is None:
        return None
    found = _parenthesised(body, m.end())
    if found is None:
        return None
    offset, text = found
    absolute = body_start + offset
    return text.lower(), src.nocomment[absolute : absolute + len(text)]


def _parenthesised(text: str, pos: int) -> tuple[int, str] | None:
    """The text inside the parenthesis that opens at or after `pos` (whitespace only between),
    and its offset."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text) or text[pos] != "(":
        return None
    depth = 0
    for i in range(pos, min(len(text), pos + 200_000)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return pos + 1, text[pos + 1 : i]
        elif text[i] == ";":
            return None
    return None


def _split_top_level(text: str) -> list[tuple[int, str]]:
    """Comma-separated parts outside parentheses, each with its offset in `text`."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append((start, text[start:i]))
            start = i + 1
    parts.append((start, text[start:]))
    return [(offset + len(part) - len(part.lstrip()), part.strip()) for offset, part in parts]


def _column(definition: str) -> tuple[str, str] | None:
    words = definition.split(None, 2)
    if len(words) < 2 or words[0].lower() in _NOT_COLUMNS:
        return None
    return _ident(words[0]), words[1].lower().split("(", 1)[0]
