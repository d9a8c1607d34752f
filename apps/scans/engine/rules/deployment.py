"""Containers: a Dockerfile, whose final stage runs as a non-root user on pinned base images."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..context import ScanContext
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..snapshot import FileEntry
from .helpers import missing

MAX_DOCKERFILES = 20
_ARG_REF = re.compile(r"\$\{(\w+)(?::?[-+][^}]*)?\}|\$(\w+)")
_DISTRO_CODENAMES = frozenset(
    {"bookworm", "bullseye", "buster", "trixie", "jammy", "noble", "focal", "alpine3"}
)


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass(slots=True)
class Stage:
    image: str  # as written, with build args substituted where they have defaults
    alias: str | None
    line: int
    instructions: list[Instruction]


def dockerfiles(ctx: ScanContext) -> list[FileEntry]:
    found = [
        e
        for e in ctx.snapshot.files.values()
        if (
            e.lname in {"dockerfile", "containerfile"}
            or e.lname.startswith("dockerfile.")
            or e.lname.endswith(".dockerfile")
        )
        # A dev container describes an editor's environment, not what is deployed.
        and not e.path.startswith(".devcontainer/")
    ]
    return found[:MAX_DOCKERFILES]


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        joined = " ".join(part.strip() for part in buffer).strip()
        buffer = []
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
    if buffer:
        joined = " ".join(buffer).strip()
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
    return instructions


def stages(instructions: list[Instruction]) -> list[Stage]:
    build_args: dict[str, str] = {}
    result: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "ARG" and not result:
            name, _, default = instruction.args.partition("=")
            if default:
                build_args[name.strip()] = default.strip().strip("\"'")
        elif instruction.keyword == "FROM":
            tokens = [t for t in instruction.args.split() if not t.startswith("--")]
            if not tokens:
                continue
            image = _ARG_REF.sub(
                lambda m: build_args.get(m.group(1) or m.group(2), m.group()), tokens[0]
            )
            alias = tokens[2] if len(tokens) >= 3 and tokens[1].upper() == "AS" else None
            result.append(Stage(image, alias, instruction.line, []))
        elif result:
            result[-1].instructions.append(instruction)
    return result


def _parsed(ctx: ScanContext) -> list[tuple[FileEntry, list[Stage]]]:
    if "deployment.dockerfiles" in ctx.shared:
        cached: list[tuple[FileEntry, list[Stage]]] = ctx.shared["deployment.dockerfiles"]
        return cached
    parsed = ctx.shared["deployment.dockerfiles"] = []
    for entry in dockerfiles(ctx):
        text = ctx.read(entry.path)
        if text is not None:
            parsed.append((entry, stages(parse_dockerfile(text))))
    return parsed


@rule(
    id="deployment.dockerfile",
    title="The app is containerised",
    category="deployment",
    severity="medium",
    checklist_keys=("deployment.containerised",),
)
def dockerfile(ctx: ScanContext) -> Outcome:
    """A Dockerfile (or Containerfile) that builds the app; dev-container files do not count."""
    found = dockerfiles(ctx)
    if not found:
        return failed(
            "No Dockerfile.", [missing("No Dockerfile or Containerfile to build the app.")]
        )
    return passed(f"{len(found)} Dockerfile(s).", [Evidence("Dockerfile", e.path) for e in found])


def _runs_as_non_root_by_default(image: str) -> bool:
    lowered = image.lower()
    tag = lowered.rsplit(":", 1)[-1] if ":" in lowered.rsplit("/", 1)[-1] else ""
    return "nonroot" in tag or (lowered.startswith("cgr.dev/chainguard/") and "-dev" not in tag)


@rule(
    id="deployment.non-root-user",
    title="The container does not run as root",
    category="deployment",
    severity="medium",
    checklist_keys=("deployment.container-non-root",),
)
def non_root_user(ctx: ScanContext) -> Outcome:
    """The final stage of each Dockerfile switches to a non-root `USER` (or starts from an
    image that runs as non-root, such as distroless `:nonroot`)."""
    parsed = _parsed(ctx)
    if not parsed:
        return not_applicable("No Dockerfile.")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for entry, file_stages in parsed:
        if not file_stages:
            continue
        final = file_stages[-1]
        users = [i for i in final.instructions if i.keyword == "USER"]
        if users:
            user = users[-1].args.split(":", 1)[0].strip().strip("\"'")
            if user in {"root", "0"}:
                findings.append(
                    Finding("The final stage runs as root.", entry.path, users[-1].line)
                )
            else:
                evidence.append(Evidence(f"USER {user}", entry.path, users[-1].line))
        elif _runs_as_non_root_by_default(final.image):
            evidence.append(Evidence("base image runs as non-root", entry.path, final.line))
        else:
            findings.append(
                Finding(
                    "No USER instruction in the final stage: the container runs as root.",
                    entry.path,
                    final.line,
                )
            )
    if findings:
        return failed("A container runs as root.", findings, evidence)
    return passed("Containers run as a non-root user.", evidence)


def _pin_problem(image: str) -> str | None:
    """Why an image reference is not pinned, or None if it is (a digest or a version tag)."""
    if "@sha256:" in image:
        return None
    if "$" in image:
        return None  # a build argument without a default: cannot tell here
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"`{image}` has no tag, so it means :latest and changes under you."
    tag = last.rsplit(":", 1)[1]
    if tag.lower() == "latest":
        return f"`{image}` uses the :latest tag."
    if not re.search(r"\d", tag) and not any(name in tag.lower() for name in _DISTRO_CODENAMES):
        return f"`{image}` uses the floating tag :{tag}; pin a version (or a digest)."
    return None


@rule(
    id="deployment.pinned-base-image",
    title="Base images are pinned",
    category="deployment",
    severity="low",
    checklist_keys=("deployment.pinned-base-image",),
)
def pinned_base_image(ctx: ScanContext) -> Outcome:
    """Every `FROM` names a version tag or a digest, never an untagged image or :latest."""
    parsed = _parsed(ctx)
    if not parsed:
        return not_applicable("No Dockerfile.")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for entry, file_stages in parsed:
        aliases: set[str] = set()
        for stage in file_stages:
            image = stage.image
            if image.lower() == "scratch" or image.lower() in aliases:
                pass
            elif problem := _pin_problem(image):
                findings.append(Finding(problem, entry.path, stage.line, Severity.LOW))
            else:
                evidence.append(Evidence(f"FROM {image}", entry.path, stage.line))
            if stage.alias:
                aliases.add(stage.alias.lower())
    if findings:
        return failed("Some base images are not pinned.", findings, evidence)
    if not evidence:
        return not_applicable("No FROM instruction names an external image.")
    return passed("Base images are pinned to a version.", evidence)
