"""CI and build configuration read as data: GitHub Actions, GitLab CI, CircleCI, Bitbucket
Pipelines, Netlify and Vercel, each parsed into workflows of jobs of steps, with what starts
each one worked out against the repository's default branch.

YAML goes through PyYAML's safe loader only (no object construction), with each mapping and
sequence keeping the line it started on, so that findings can point at it. A file that is too
big or not valid YAML becomes a workflow with a `problem`, never an exception.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_CONFIG_CHARS = 256_000  # real pipelines are a few KB; past this, parsing is the risk
MAX_DOCUMENTS = 4

GITHUB_WORKFLOW = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")
GITLAB_CI = re.compile(r"^\.gitlab-ci\.ya?ml$")
CIRCLECI = re.compile(r"^\.circleci/config\.ya?ml$")
BITBUCKET = re.compile(r"^bitbucket-pipelines\.ya?ml$")

# Events that start a GitHub workflow for a change on its way into a branch, or on it.
_CHANGE_EVENTS = ("push", "pull_request", "pull_request_target", "merge_group")
# Events whose runs do not follow a branch of this repository's changes.
_CALLED = ("workflow_call", "workflow_run")


# --- YAML with line numbers ---------------------------------------------------------------------


class LineMap(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers where it and each of its keys start (1-based lines)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line) if hasattr(self, "key_lines") else self.line


class LineList(list):  # type: ignore[type-arg]
    line: int = 0
    item_lines: list[int]

    def line_at(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if index < len(lines) else self.line


@dataclass(frozen=True, slots=True)
class Tagged:
    """A value under a custom tag (GitLab's `!reference [...]`): its content is not inlined."""

    tag: str
    value: Any


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Any:
    data = LineMap()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue  # a list or mapping as a key: no CI service reads those
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> Any:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


def _construct_tagged(loader: _LineLoader, suffix: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        return Tagged(suffix, loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return Tagged(suffix, [loader.construct_object(c, deep=True) for c in node.value])
    return Tagged(suffix, None)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:omap", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_LineLoader.add_multi_constructor("!", _construct_tagged)


def load_yaml(text: str) -> tuple[LineMap | None, str | None, int | None]:
    """(the document's top mapping, problem, problem line). GitLab's `spec:` header document
    is passed over to the pipeline that follows it."""
    if len(text) > MAX_CONFIG_CHARS:
        return None, f"larger than {MAX_CONFIG_CHARS // 1000} KB, not parsed", None
    try:
        documents = []
        for document in yaml.load_all(text, Loader=_LineLoader):
            documents.append(document)
            if len(documents) >= MAX_DOCUMENTS:
                break
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, f"not valid YAML: {exc.problem or exc.context}", line
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        return None, f"not valid YAML: {type(exc).__name__}", None
    for document in documents:
        if isinstance(document, LineMap) and set(document) != {"spec"}:
            return document, None, None
    if any(d is not None for d in documents):
        return None, "not a mapping of settings", 1
    return None, "empty", None


# --- the shared shape -------------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    line: int | None
    run: str | None = None  # the shell script, as the service runs it
    uses: str | None = None  # an action, orb command or pipe
    with_: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    directory: str = ""  # working directory relative to the root, "" for the root
    unresolved: bool = False  # part of the script is included from elsewhere (!reference)


@dataclass(slots=True)
class Job:
    name: str
    line: int | None
    steps: list[Step] = field(default_factory=list)
    calls: str | None = None  # a reusable workflow, orb job or template the job hands over to
    env: dict[str, Any] = field(default_factory=dict)
    permissions: Any = None
    permissions_line: int | None = None
    # Why the job runs for the default branch ("push to main"); empty: it never does.
    fires_on_default: list[str] = field(default_factory=list)
    on_pull_requests: bool = False
    triggers: str = ""  # what starts it, in words
    triggers_line: int | None = None


@dataclass(slots=True)
class Workflow:
    path: str
    provider: str  # "github-actions", "gitlab-ci", "circleci", "bitbucket", "netlify", "vercel"
    name: str
    jobs: list[Job] = field(default_factory=list)
    problem: str | None = None  # could not be read; the service would not run it either
    problem_line: int | None = None
    events: dict[str, int] = field(default_factory=dict)  # GitHub: event -> line
    env: dict[str, Any] = field(default_factory=dict)
    permissions: Any = None
    permissions_line: int | None = None
    # Runs only when another workflow calls it (workflow_call) or finishes (workflow_run).
    called: bool = False
    manual_only: bool = False

    @property
    def fires_on_default(self) -> bool:
        return any(job.fires_on_default for job in self.jobs)

    @property
    def triggers(self) -> str:
        return next((job.triggers for job in self.jobs if job.triggers), "")

    @property
    def triggers_line(self) -> int | None:
        return next((job.triggers_line for job in self.jobs if job.triggers_line), None)


@dataclass(frozen=True, slots=True)
class Branches:
    """The default branch to check triggers against: known from the clone, or assumed."""

    names: tuple[str, ...]
    known: bool

    @classmethod
    def of(cls, default: str | None) -> Branches:
        return cls((default,), known=True) if default else cls(("main", "master"), known=False)

    @property
    def label(self) -> str:
        return self.names[0] if self.known else "main/master"

    def describe(self) -> str:
        if self.known:
            return f"the default branch {self.names[0]!r}"
        return "the default branch (unknown: assumed main or master)"


# --- branch patterns --------------------------------------------------------------------------


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """GitHub's and Bitbucket's filter globs: `*` stops at `/`, `**` does not, `?` one
    character, `[...]` a class, `{a,b}` alternatives (Bitbucket)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append("[" + pattern[i + 1 : end].replace("\\", "\\\\") + "]")
                i = end
        elif char == "{":
            end = pattern.find("}", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append("(?:" + "|".join(map(re.escape, pattern[i + 1 : end].split(","))) + ")")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error:
        return re.compile(re.escape(pattern) + r"\Z")


def glob_matches(pattern: str, branch: str) -> bool:
    return bool(_glob_regex(pattern).match(branch))


def github_filter_matches(patterns: list[str], branch: str) -> bool:
    """GitHub's branch filters: a `!pattern` after a match takes the branch out again, and a
    later positive pattern can put it back."""
    matched = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if matched and glob_matches(pattern[1:], branch):
                matched = False
        elif glob_matches(pattern, branch):
            matched = True
    return matched


def _mapping(value: Any) -> LineMap:
    """`value` when it is a YAML mapping, else an empty one (a list or scalar where settings
    belong reads as no settings)."""
    if isinstance(value, LineMap):
        return value
    empty = LineMap()
    empty.key_lines = {}
    return empty


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    """A YAML value that should be a string or list of strings, as strings (YAML 1.1 reads a
    bare 1.0 as a float and `on`/`yes` as True: their text is what a person wrote)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool) or item is None or isinstance(item, LineMap | LineList):
            continue
        out.append(str(item))
    return out


def _env(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _join(items: Iterable[str]) -> str:
    return ", ".join(items)


# --- GitHub Actions ----------------------------------------------------------------------------


def parse_github(path: str, text: str, branches: Branches) -> Workflow:
    doc, problem, problem_line = load_yaml(text)
    workflow = Workflow(path=path, provider="github-actions", name=path.rsplit("/", 1)[-1])
    if doc is None:
        workflow.problem, workflow.problem_line = problem, problem_line
        return workflow
    workflow.name = str(doc.get("name") or workflow.name)
    # YAML 1.1 reads the key `on` as the boolean True.
    on_key: Any = "on" if "on" in doc else True
    on = doc.get(on_key)
    on_line = doc.line_of(on_key) if on_key in doc else None
    workflow.env = _env(doc.get("env"))
    workflow.permissions = doc.get("permissions")
    workflow.permissions_line = doc.line_of("permissions") if "permissions" in doc else None

    events = _github_events(on, on_line or 1, workflow.events)

    fires: list[str] = []
    pull_requests = False
    described: list[str] = []
    for event, config in events.items():
        filters = _mapping(config)
        verdict, words = _github_event(event, filters, branches)
        described.append(words)
        if verdict:
            fires.append(verdict)
        if event in {"pull_request", "pull_request_target"}:
            pull_requests = True
    workflow.called = bool(set(events) & set(_CALLED))
    workflow.manual_only = bool(events) and set(events) <= {
        "workflow_dispatch",
        "repository_dispatch",
    }
    if on is None:
        triggers = "no trigger (`on:` is missing or empty), so GitHub never runs it"
    else:
        triggers = _join(described) or "no event GitHub knows"

    # Point at the event whose filters decide, not at `on:` itself.
    trigger_line = next(
        (workflow.events[e] for e in workflow.events if e in _CHANGE_EVENTS), on_line
    )
    jobs = doc.get("jobs")
    if not isinstance(jobs, LineMap):
        workflow.problem = "has no jobs"
        workflow.problem_line = doc.line_of("jobs") if "jobs" in doc else doc.line
        return workflow
    for name, config in jobs.items():
        if not isinstance(config, LineMap):
            continue
        job = Job(
            name=str(name),
            line=jobs.line_of(name),
            env=_env(config.get("env")),
            permissions=config.get("permissions"),
            permissions_line=config.line_of("permissions") if "permissions" in config else None,
            fires_on_default=list(fires),
            on_pull_requests=pull_requests,
            triggers=triggers,
            triggers_line=trigger_line,
        )
        uses = config.get("uses")
        if isinstance(uses, str):
            job.calls = uses
        directory = _github_directory(config)
        steps = config.get("steps")
        if isinstance(steps, LineList):
            for index, step in enumerate(steps):
                if isinstance(step, LineMap):
                    job.steps.append(_github_step(step, steps.line_at(index), directory))
        workflow.jobs.append(job)
    return workflow


def _github_events(on: Any, on_line: int, lines: dict[str, int]) -> dict[str, Any]:
    """`on:` as event -> its filters, in its three shapes (a name, a list, a mapping);
    `lines` gets each event's line."""
    events: dict[str, Any] = {}
    if isinstance(on, str):
        events[on] = None
        lines[on] = on_line
    elif isinstance(on, LineList):
        for index, event in enumerate(on):
            if isinstance(event, str):
                events[event] = None
                lines[event] = on.line_at(index)
    elif isinstance(on, LineMap):
        for event, config in on.items():
            if isinstance(event, str):
                events[event] = config
                lines[event] = on.line_of(event)
    return events


def _github_directory(job: LineMap) -> str:
    defaults = job.get("defaults")
    run = defaults.get("run") if isinstance(defaults, LineMap) else None
    value = run.get("working-directory") if isinstance(run, LineMap) else None
    return _clean_dir(value)


def _clean_dir(value: Any) -> str:
    if not isinstance(value, str) or "${{" in value:
        return ""
    return value.strip().removeprefix("./").strip("/")


def _github_step(step: LineMap, line: int, directory: str) -> Step:
    run = step.get("run")
    uses = step.get("uses")
    own_dir = _clean_dir(step.get("working-directory"))
    return Step(
        line=step.line_of("run") if isinstance(run, str) else line,
        run=run if isinstance(run, str) else None,
        uses=uses if isinstance(uses, str) else None,
        with_=dict(_table(step.get("with"))),
        env=_env(step.get("env")),
        directory=own_dir or directory,
    )


def _github_event(event: str, config: LineMap, branches: Branches) -> tuple[str | None, str]:
    """(why the event starts the workflow for the default branch or None, the event in words)."""
    label = branches.label
    if event in {"push", "pull_request", "pull_request_target", "workflow_run"}:
        only = _strings(config.get("branches"))
        ignore = _strings(config.get("branches-ignore"))
        has_tags = "tags" in config or "tags-ignore" in config
        what = {
            "push": "push",
            "pull_request": "pull requests",
            "pull_request_target": "pull_request_target",
            "workflow_run": "after another workflow",
        }[event]
        if event == "push" and has_tags and not only and not ignore:
            # GitHub: with only tag filters, pushes to branches do not run the workflow.
            return None, f"push of tags {_join(_strings(config.get('tags'))) or '(filtered)'} only"
        into = " into" if event.startswith("pull_request") else " to"
        if only:
            hit = next((b for b in branches.names if github_filter_matches(only, b)), None)
            words = f"{what}{into} {_join(only)}"
            return (f"{what}{into} {hit}" if hit else None), words
        if ignore:
            hit = next((b for b in branches.names if not github_filter_matches(ignore, b)), None)
            words = f"{what} (branches-ignore: {_join(ignore)})"
            return (f"{what}{into} {hit}" if hit else None), words
        return f"{what}{into} {label}", f"{what} (any branch)"
    if event == "merge_group":
        return "the merge queue", "merge queue"
    if event == "schedule":
        return "a schedule (runs on the default branch)", "schedule"
    if event == "workflow_dispatch":
        return None, "workflow_dispatch (by hand only)"
    if event == "workflow_call":
        return None, "workflow_call (when another workflow calls it)"
    return None, event


# --- GitLab CI ---------------------------------------------------------------------------------

_GITLAB_KEYWORDS = frozenset(
    {"stages", "variables", "include", "default", "workflow", "image", "services", "cache",
     "before_script", "after_script", "types", "pages_deploy"}
)  # fmt: skip
_GITLAB_EXPR = re.compile(
    r"^\s*(?P<var>\$\{?\w+\}?)\s*(?:(?P<op>==|!=|=~|!~)\s*(?P<rhs>\"[^\"]*\"|'[^']*'|/.*/[a-z]*"
    r"|\$\{?\w+\}?|null))?\s*$"
)


@dataclass(frozen=True, slots=True)
class _Pipeline:
    """One kind of pipeline to test GitLab's rules against: its predefined variables."""

    what: str
    source: str
    variables: dict[str, str]
    merge_request: bool


def _gitlab_pipelines(branches: Branches) -> list[_Pipeline]:
    out = []
    for branch in branches.names:
        push = {
            "CI_PIPELINE_SOURCE": "push",
            "CI_COMMIT_BRANCH": branch,
            "CI_COMMIT_REF_NAME": branch,
            "CI_DEFAULT_BRANCH": branch,
        }
        mr = {
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_COMMIT_REF_NAME": "feature",
            "CI_DEFAULT_BRANCH": branch,
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": branch,
            "CI_MERGE_REQUEST_IID": "1",
        }
        out.append(_Pipeline(f"push to {branch}", "push", push, merge_request=False))
        out.append(_Pipeline(f"merge requests into {branch}", "mr", mr, merge_request=True))
    return out


def _gitlab_condition(expression: str, variables: dict[str, str]) -> bool | None:
    """A `rules: if:` expression, for the simple forms people write; None when it is beyond
    them (parentheses, unknown syntax)."""
    if "(" in expression or ")" in expression:
        return None
    alternatives = []
    for alternative in expression.split("||"):
        terms = []
        for term in alternative.split("&&"):
            m = _GITLAB_EXPR.match(term)
            if not m:
                return None
            value = variables.get(m.group("var").strip("${}"))
            op, rhs = m.group("op"), m.group("rhs")
            if op is None:
                terms.append(bool(value))
                continue
            if rhs.startswith("$"):
                other: str | None = variables.get(rhs.strip("${}"))
            elif rhs == "null":
                other = None
            elif rhs.startswith("/"):
                pattern = rhs[1 : rhs.rindex("/")]
                try:
                    found = value is not None and re.search(pattern, value) is not None
                except re.error:
                    return None
                terms.append(found if op == "=~" else not found)
                continue
            else:
                other = rhs[1:-1]
            terms.append((value == other) if op == "==" else (value != other))
        alternatives.append(all(terms))
    return any(alternatives)


def _gitlab_rules(rules: Any, pipeline: _Pipeline) -> bool | None:
    """Whether `rules:` let a job (or the pipeline) run; None when a condition is unreadable."""
    if not isinstance(rules, list):
        return True
    for item in rules:
        if not isinstance(item, dict):
            continue
        condition = item.get("if")
        if isinstance(condition, str):
            verdict = _gitlab_condition(condition, pipeline.variables)
            if verdict is None:
                return None
            if not verdict:
                continue
        # `changes:` and `exists:` may hold for some change: the rule is taken as matching.
        # A manual job waits for a person: it does not run by itself.
        return item.get("when") not in {"never", "manual"}
    return False


def _gitlab_refs(refs: Any, pipeline: _Pipeline) -> bool:
    """Whether `only:`/`except:` refs name this pipeline."""
    if isinstance(refs, dict):
        refs = refs.get("refs", [])
    branch = pipeline.variables.get("CI_COMMIT_BRANCH")
    for ref in _strings(refs):
        if ref == "merge_requests" and pipeline.merge_request:
            return True
        if ref in {"branches", "pushes"} and not pipeline.merge_request:
            return True
        if branch is None:
            continue
        if ref.startswith("/") and ref.rfind("/") > 0:
            try:
                if re.search(ref[1 : ref.rindex("/")], branch):
                    return True
            except re.error:
                continue
        elif ref == branch:
            return True
    return False


def _gitlab_job_runs(config: LineMap, pipeline: _Pipeline) -> bool | None:
    if config.get("when") == "manual" and "rules" not in config:
        return False
    if "rules" in config:
        return _gitlab_rules(config.get("rules"), pipeline)
    if "only" in config or "except" in config:
        only = config.get("only")
        allowed = _gitlab_refs(only, pipeline) if only is not None else not pipeline.merge_request
        return allowed and not _gitlab_refs(config.get("except"), pipeline)
    # Without rules, a job runs in branch pipelines and not in merge request pipelines.
    return not pipeline.merge_request


def _script_steps(value: Any, line: int | None) -> list[Step]:
    if isinstance(value, str):
        return [Step(line=line, run=value)]
    if isinstance(value, Tagged):
        return [Step(line=line, run=None, unresolved=True)]
    if not isinstance(value, LineList):
        return []
    steps: list[Step] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            steps.append(Step(line=value.line_at(index), run=item))
        elif isinstance(item, LineList):
            steps.extend(_script_steps(item, value.line_at(index)))
        elif isinstance(item, Tagged):
            steps.append(Step(line=value.line_at(index), unresolved=True))
    return steps


def parse_gitlab(path: str, text: str, branches: Branches) -> Workflow:
    doc, problem, problem_line = load_yaml(text)
    workflow = Workflow(path=path, provider="gitlab-ci", name=path)
    if doc is None:
        workflow.problem, workflow.problem_line = problem, problem_line
        return workflow
    workflow.env = _env(doc.get("variables"))
    pipelines = _gitlab_pipelines(branches)
    pipeline_rules = doc.get("workflow")
    pipeline_rules = pipeline_rules.get("rules") if isinstance(pipeline_rules, dict) else None
    allowed = {p.what: _gitlab_rules(pipeline_rules, p) for p in pipelines}
    defaults = _mapping(doc.get("default"))
    templates = {k: v for k, v in doc.items() if isinstance(k, str) and k.startswith(".")}
    for name, config in doc.items():
        if not isinstance(name, str) or name in _GITLAB_KEYWORDS or name.startswith("."):
            continue
        if not isinstance(config, LineMap):
            continue
        merged = _gitlab_extends(config, templates)
        fires: list[str] = []
        unknown: list[str] = []
        for pipeline in pipelines:
            verdicts = (allowed[pipeline.what], _gitlab_job_runs(merged, pipeline))
            if None in verdicts:
                unknown.append(pipeline.what)
            elif all(verdicts):
                fires.append(pipeline.what)
        job = Job(
            name=name,
            line=doc.line_of(name),
            env=_env(merged.get("variables")),
            fires_on_default=fires,
            on_pull_requests=any(p.merge_request and p.what in fires for p in pipelines),
            triggers=_gitlab_words(merged, pipeline_rules, fires, unknown),
            triggers_line=merged.line_of("rules") if "rules" in merged else merged.line,
        )
        if unknown and not fires:
            # A condition we cannot read: say so rather than claim the job never runs.
            job.fires_on_default = [f"{_join(unknown)} (rules not fully read)"]
        if "trigger" in merged:
            job.calls = "a downstream pipeline (trigger:)"
        for key in ("before_script", "script"):
            source = merged if key in merged else defaults
            job.steps.extend(_script_steps(source.get(key), source.line_of(key)))
        workflow.jobs.append(job)
    if "include" in doc:
        # Jobs from other files or GitLab's templates: what they run and when is not read.
        line = doc.line_of("include")
        workflow.jobs.append(
            Job(
                name="include:",
                line=line,
                calls="configuration included from other files (include:)",
                fires_on_default=["the included configuration's rules (not read)"],
                triggers="the included configuration's rules (not read)",
                triggers_line=line,
            )
        )
    if not workflow.jobs:
        workflow.problem = "defines no jobs"
        workflow.problem_line = doc.line
    return workflow


def _gitlab_extends(config: LineMap, templates: dict[str, Any]) -> LineMap:
    """The job with the hidden jobs (`.name`) it `extends:` merged under it, one level deep
    per name and at most a few names: enough for the usual `.node` templates."""
    names = _strings(config.get("extends"))[:5]
    if not names:
        return config
    merged = LineMap()
    merged.line = config.line
    merged.key_lines = {}
    for name in names:
        base = templates.get(name)
        if isinstance(base, LineMap):
            merged.update(base)
            merged.key_lines.update(getattr(base, "key_lines", {}))
    merged.update(config)
    merged.key_lines.update(getattr(config, "key_lines", {}))
    return merged


def _gitlab_words(job: LineMap, pipeline_rules: Any, fires: list[str], unknown: list[str]) -> str:
    parts = []
    if pipeline_rules is not None:
        parts.append("workflow:rules")
    for key in ("rules", "only", "except"):
        if key in job:
            parts.append(f"{key}:")
    how = " and ".join(parts) or "no rules (every branch push)"
    if fires:
        return f"{how}: runs on {_join(fires)}"
    if unknown:
        return f"{how}: could not tell for {_join(unknown)}"
    return f"{how}: never for the default branch"


# --- CircleCI ----------------------------------------------------------------------------------


def _circle_branch_filter(filters: Any, branch: str) -> bool:
    branches = filters.get("branches") if isinstance(filters, dict) else None
    if not isinstance(branches, dict):
        # Tag filters alone: CircleCI still runs the job for every branch.
        return True

    def matches(patterns: list[str]) -> bool:
        for pattern in patterns:
            if pattern.startswith("/") and pattern.endswith("/") and len(pattern) > 1:
                try:
                    if re.fullmatch(pattern[1:-1], branch):
                        return True
                except re.error:
                    continue
            elif pattern == branch:
                return True
        return False

    only = _strings(branches.get("only"))
    if only and not matches(only):
        return False
    return not matches(_strings(branches.get("ignore")))


def _circle_steps(value: Any) -> list[Step]:
    steps: list[Step] = []
    if not isinstance(value, LineList):
        return steps
    for index, item in enumerate(value):
        line = value.line_at(index)
        if isinstance(item, str):
            steps.append(Step(line=line, uses=None if item == "checkout" else item))
        elif isinstance(item, LineMap):
            for key, body in item.items():
                if key == "run":
                    command = body.get("command") if isinstance(body, dict) else body
                    directory = body.get("working_directory") if isinstance(body, dict) else None
                    if isinstance(command, str):
                        steps.append(Step(line=item.line_of(key), run=command,
                                          directory=_clean_dir(directory)))  # fmt: skip
                elif isinstance(key, str) and key not in {"checkout", "when", "unless"}:
                    steps.append(Step(line=item.line_of(key), uses=key))
    return steps


def parse_circleci(path: str, text: str, branches: Branches) -> Workflow:
    doc, problem, problem_line = load_yaml(text)
    workflow = Workflow(path=path, provider="circleci", name=path)
    if doc is None:
        workflow.problem, workflow.problem_line = problem, problem_line
        return workflow
    definitions = _mapping(doc.get("jobs"))
    runs: dict[str, tuple[list[str], str, int | None]] = {}
    flows = doc.get("workflows")
    if isinstance(flows, LineMap):
        for flow_name, flow in flows.items():
            if not isinstance(flow, LineMap) or not isinstance(flow.get("jobs"), LineList):
                continue
            scheduled_only = isinstance(flow.get("triggers"), list)
            for index, entry in enumerate(flow["jobs"]):
                name, config = _circle_job_ref(entry)
                if name is None:
                    continue
                filters = config.get("filters") if isinstance(config, dict) else None
                hits = [b for b in branches.names if _circle_branch_filter(filters, b)]
                if scheduled_only:
                    fires = ["a schedule"] if hits else []
                    words = f"workflow {flow_name!r} on a schedule"
                else:
                    fires = [f"push to {b}" for b in hits]
                    words = f"workflow {flow_name!r}" + (" (branch filters)" if filters else "")
                previous = runs.get(name, ([], "", None))
                runs[name] = (
                    previous[0] + fires,
                    previous[1] or words,
                    flow["jobs"].line_at(index),
                )
    elif definitions:
        # CircleCI 2.0 without workflows runs the job named `build` on every push.
        runs["build"] = (["push to any branch"], "every push (no workflows:)", definitions.line)
    for name, (fires, words, line) in runs.items():
        definition = definitions.get(name)
        job = Job(name=name, line=line, fires_on_default=fires, triggers=words, triggers_line=line)
        # CircleCI builds pushed branches, and pull requests from forks only if a project
        # setting says so: pushes to a pull request's branch are what it tests.
        job.on_pull_requests = bool(fires)
        if isinstance(definition, LineMap):
            job.line = definitions.line_of(name)
            job.env = _env(definition.get("environment"))
            job.steps = _circle_steps(definition.get("steps"))
        else:
            job.calls = name  # an orb's job (node/test) or a job this file does not define
        workflow.jobs.append(job)
    if not workflow.jobs:
        workflow.problem = "defines no workflow jobs"
        workflow.problem_line = doc.line
    return workflow


def _circle_job_ref(entry: Any) -> tuple[str | None, Any]:
    if isinstance(entry, str):
        return entry, None
    if isinstance(entry, dict) and len(entry) == 1:
        name, config = next(iter(entry.items()))
        return (str(name), config) if isinstance(name, str) else (None, None)
    return None, None


# --- Bitbucket Pipelines -----------------------------------------------------------------------


def _bitbucket_steps(value: Any) -> list[Step]:
    steps: list[Step] = []
    if not isinstance(value, LineList):
        return steps
    for item in value:
        if not isinstance(item, LineMap):
            continue
        if isinstance(item.get("step"), LineMap):
            body = item["step"]
            steps.extend(_script_steps(body.get("script"), body.line_of("script")))
        parallel = item.get("parallel")
        if isinstance(parallel, LineMap):
            parallel = parallel.get("steps")
        if isinstance(parallel, LineList):
            steps.extend(_bitbucket_steps(parallel))
        stage = item.get("stage")
        if isinstance(stage, LineMap):
            steps.extend(_bitbucket_steps(stage.get("steps")))
    return steps


def parse_bitbucket(path: str, text: str, branches: Branches) -> Workflow:
    doc, problem, problem_line = load_yaml(text)
    workflow = Workflow(path=path, provider="bitbucket", name=path)
    if doc is None:
        workflow.problem, workflow.problem_line = problem, problem_line
        return workflow
    pipelines = doc.get("pipelines")
    if not isinstance(pipelines, LineMap):
        workflow.problem = "has no pipelines:"
        workflow.problem_line = doc.line
        return workflow
    by_branch = _mapping(pipelines.get("branches"))
    # Bitbucket runs the first matching `branches:` pipeline, and `default` when none does.
    claimed = {b for b in branches.names for pattern in by_branch if glob_matches(str(pattern), b)}
    sections: list[tuple[str, Any, int, list[str], bool]] = []
    if "default" in pipelines:
        unclaimed = [b for b in branches.names if b not in claimed]
        fires = [f"push to {b}" for b in unclaimed]
        sections.append(
            ("default", pipelines["default"], pipelines.line_of("default"), fires, False)
        )
    for pattern, body in by_branch.items():
        hits = [b for b in branches.names if glob_matches(str(pattern), b)]
        line = by_branch.line_of(pattern)
        sections.append(
            (f"branches: {pattern}", body, line or 0, [f"push to {b}" for b in hits], False)
        )
    prs = pipelines.get("pull-requests")
    if isinstance(prs, LineMap):
        for pattern, body in prs.items():
            # The pattern names the pull request's source branch: any change can come that way.
            line = prs.line_of(pattern)
            sections.append((f"pull-requests: {pattern}", body, line, ["pull requests"], True))
    for kind in ("tags", "bookmarks", "custom"):
        group = pipelines.get(kind)
        if isinstance(group, LineMap):
            for pattern, body in group.items():
                words = f"{kind}: {pattern}" + (" (by hand only)" if kind == "custom" else "")
                sections.append((words, body, group.line_of(pattern), [], False))
    for name, body, line, fires, pull_requests in sections:
        job = Job(
            name=name,
            line=line,
            steps=_bitbucket_steps(body),
            fires_on_default=fires,
            on_pull_requests=pull_requests,
            triggers=name,
            triggers_line=line,
        )
        workflow.jobs.append(job)
    if not workflow.jobs:
        workflow.problem = "defines no pipelines"
        workflow.problem_line = pipelines.line
    return workflow


# --- Netlify and Vercel ------------------------------------------------------------------------


def parse_netlify(path: str, text: str) -> Workflow | None:
    """netlify.toml's build command: run for production deploys and deploy previews."""
    if len(text) > MAX_CONFIG_CHARS:
        return None
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return Workflow(path=path, provider="netlify", name=path, problem="not valid TOML")
    build = _table(data.get("build"))
    contexts = _table(data.get("context"))
    production = _table(contexts.get("production"))
    command = production.get("command") or build.get("command")
    if not isinstance(command, str):
        return None
    line = next(
        (n for n, t in enumerate(text.splitlines(), 1) if re.match(r"\s*command\s*=", t)), None
    )
    base = build.get("base") if isinstance(build.get("base"), str) else ""
    return _deploy_build(path, "netlify", command, line, _clean_dir(base))


def parse_vercel(path: str, text: str, package_build: str | None) -> Workflow | None:
    """vercel.json's buildCommand, or the package.json build script Vercel runs without one."""
    if len(text) > MAX_CONFIG_CHARS:
        return None
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        return Workflow(path=path, provider="vercel", name=path, problem="not valid JSON")
    command = data.get("buildCommand") if isinstance(data, dict) else None
    line = next((n for n, t in enumerate(text.splitlines(), 1) if '"buildCommand"' in t), None)
    if not isinstance(command, str):
        if package_build is None:
            return None
        command, line = "npm run build", None
    return _deploy_build(path, "vercel", command, line, "")


def _deploy_build(path: str, provider: str, command: str, line: int | None, base: str) -> Workflow:
    job = Job(
        name="build",
        line=line,
        steps=[Step(line=line, run=command, directory=base)],
        fires_on_default=["production deploys"],
        on_pull_requests=True,
        triggers="production deploys and deploy previews (the platform's Git settings)",
        triggers_line=line,
    )
    return Workflow(path=path, provider=provider, name=path, jobs=[job])
