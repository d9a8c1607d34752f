"""Stack detectors for what AI-built apps are made of (TypeScript, Tailwind, Prisma, Drizzle,
databases, auth, payments, AI SDKs, tRPC) with resolved versions, the lockfile readers, and the
known-vulnerabilities rule against a fake vulnerability source."""

from __future__ import annotations

import json

import pytest

from apps.scans.engine import Severity, Status
from apps.scans.engine.vulns import Advisory, PackageVersion, SourceUnavailable

from .gitrepo import make_repo


def package_json(deps: dict | None = None, dev: dict | None = None) -> str:
    return json.dumps(
        {"name": "app", "dependencies": deps or {}, "devDependencies": dev or {}}, indent=2
    )


# --- the issue's repository: none of these were recognised ----------------------------------

BOLT_EXPORT = {
    "package.json": package_json(
        {"next": "14.2.3", "@prisma/client": "^5.14.0", "drizzle-orm": "^0.30.10"},
        {"typescript": "^5.4.5", "tailwindcss": "^3.4.3", "prisma": "^5.14.0"},
    ),
    "tsconfig.json": '{"compilerOptions": {"strict": true}}\n',
    "tailwind.config.ts": "export default { content: ['./app/**/*.tsx'] }\n",
    "app/globals.css": "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n",
    "app/page.tsx": "export default function Page() { return <main /> }\n",
    "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n}\n',
    "drizzle.config.ts": "export default { schema: './db/schema.ts' }\n",
}


def test_issue_repository_recognises_tailwind_typescript_prisma_and_drizzle(scan_repo):
    report = scan_repo(BOLT_EXPORT)
    stack = {d.id for d in report.stack}
    assert {"typescript", "tailwind", "prisma", "drizzle"} <= stack


def test_issue_repository_versions_come_from_the_lockfile(scan_repo):
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app"},
            "node_modules/typescript": {"version": "5.4.5", "dev": True},
            "node_modules/tailwindcss": {"version": "3.4.3", "dev": True},
            "node_modules/@prisma/client": {"version": "5.14.0"},
            "node_modules/drizzle-orm": {"version": "0.30.10"},
        },
    }
    report = scan_repo({**BOLT_EXPORT, "package-lock.json": json.dumps(lock, indent=2)})
    versions = {d.id: d.version for d in report.stack}
    assert versions["typescript"] == "5.4.5"
    assert versions["tailwind"] == "3.4.3"
    assert versions["prisma"] == "5.14.0"
    assert versions["drizzle"] == "0.30.10"
    evidence = report.result("stack.typescript").evidence
    resolved = [e for e in evidence if e.path == "package-lock.json"]
    assert resolved[0].line == 8  # the "node_modules/typescript" key
    assert "resolved in package-lock.json" in resolved[0].detail


# --- each detector: a positive and a negative repository ----------------------------------

POSITIVE = {
    "stack.typescript": {"tsconfig.json": "{}", "src/main.ts": "export {}\n"},
    "stack.tailwind": {"src/index.css": '@import "tailwindcss";\n'},
    "stack.prisma": {"prisma/schema.prisma": "generator client {}\n"},
    "stack.drizzle": {"package.json": package_json({"drizzle-orm": "^0.33.0"})},
    "stack.mongodb": {"package.json": package_json({"mongoose": "^8.4.0"})},
    "stack.clerk": {"package.json": package_json({"@clerk/nextjs": "^5.1.0"})},
    "stack.authjs": {"package.json": package_json({"next-auth": "^4.24.7"})},
    "stack.supabase-auth": {
        "package.json": package_json({"@supabase/supabase-js": "^2.43.0"}),
        "src/login.tsx": "await supabase.auth.signInWithPassword({ email, password })\n",
    },
    "stack.stripe": {"package.json": package_json({"@stripe/stripe-js": "^3.4.0"})},
    "stack.openai": {"requirements.txt": "openai==1.30.1\n"},
    "stack.anthropic": {"package.json": package_json({"@anthropic-ai/sdk": "^0.24.0"})},
    "stack.trpc": {"package.json": package_json({"@trpc/server": "^10.45.2"})},
}
# Look-alikes: a JavaScript project with type declarations only, a stylesheet naming Tailwind
# in a comment, an "auth" call on something that is not Supabase...
NEGATIVE = {
    "stack.typescript": {"jsconfig.json": "{}", "src/main.js": "export {}\n", "src/env.d.ts": ""},
    "stack.tailwind": {"src/index.css": "/* not using tailwindcss here */\nbody { margin: 0 }\n"},
    "stack.prisma": {"package.json": package_json({"pg": "^8.11.0"})},
    "stack.drizzle": {"package.json": package_json({"kysely": "^0.27.0"})},
    "stack.mongodb": {"package.json": package_json({"mysql2": "^3.9.0"})},
    "stack.clerk": {"package.json": package_json({"clerk": "^1.0.0"})},
    "stack.authjs": {"package.json": package_json({"passport": "^0.7.0"})},
    "stack.supabase-auth": {
        "package.json": package_json({"firebase": "^10.12.0"}),
        "src/login.ts": "const user = app.auth.getUser()\n",
    },
    "stack.stripe": {"package.json": package_json({"paypal-rest-sdk": "^1.8.1"})},
    "stack.openai": {"package.json": package_json({"@anthropic-ai/sdk": "^0.24.0"})},
    "stack.anthropic": {"requirements.txt": "openai==1.30.1\n"},
    "stack.trpc": {"package.json": package_json({"express": "^4.19.2"})},
}


@pytest.mark.parametrize("rule_id", sorted(POSITIVE))
def test_detector_fires_with_evidence(rule, rule_id):
    result = rule(rule_id, POSITIVE[rule_id])
    assert result.status is Status.PASSED, result.summary
    assert result.detection is not None
    assert result.detection.id == rule_id.removeprefix("stack.")
    assert result.evidence
    assert all(e.path for e in result.evidence)


@pytest.mark.parametrize("rule_id", sorted(NEGATIVE))
def test_detector_stays_quiet_on_look_alikes(rule, rule_id):
    result = rule(rule_id, NEGATIVE[rule_id])
    assert result.status is Status.NOT_APPLICABLE, result.summary
    assert result.detection is None


def test_tailwind_v3_directive_gives_file_and_line(rule):
    css = "html { color: red }\n@tailwind base;\n"
    result = rule("stack.tailwind", {"app/globals.css": css})
    assert result.status is Status.PASSED
    assert (result.evidence[0].path, result.evidence[0].line) == ("app/globals.css", 2)


def test_supabase_auth_python_call(rule):
    files = {
        "requirements.txt": "supabase==2.5.0\n",
        "app.py": "session = supabase.auth.sign_in_with_password({'email': e})\n",
    }
    result = rule("stack.supabase-auth", files)
    assert result.status is Status.PASSED
    assert result.detection.version == "2.5.0"
    assert any(e.path == "app.py" and e.line == 1 for e in result.evidence)


def test_version_without_lockfile_is_the_manifest_range(rule):
    result = rule("stack.trpc", {"package.json": package_json({"@trpc/server": "^10.45.2"})})
    assert result.detection.version == "^10.45.2"


def test_git_dependency_gives_no_version(rule):
    spec = "git+https://user:tok@example.com/x/stripe.git"
    result = rule("stack.stripe", {"package.json": package_json({"stripe": spec})})
    assert result.status is Status.PASSED
    assert result.detection.version is None
    assert all("tok" not in e.detail for e in result.evidence)


# --- lockfiles: every format, with the line of each entry ----------------------------------

NPM_V1 = """{
  "name": "app",
  "lockfileVersion": 1,
  "dependencies": {
    "lodash": {
      "version": "4.17.20",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz"
    },
    "express": {
      "version": "4.17.1",
      "dependencies": {
        "qs": {
          "version": "6.7.0"
        }
      }
    }
  }
}
"""

PNPM_V6 = """lockfileVersion: '6.0'

dependencies:
  next:
    specifier: 14.2.3
    version: 14.2.3(react-dom@18.2.0)(react@18.2.0)

packages:

  /@babel/code-frame@7.24.2:
    resolution: {integrity: sha512-x}
    dev: true

  /next@14.2.3(react-dom@18.2.0)(react@18.2.0):
    resolution: {integrity: sha512-y}
"""

PNPM_V9 = """lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      next:
        specifier: ^14.2.0
        version: 14.2.3(react@18.2.0)

packages:

  '@babel/code-frame@7.24.2':
    resolution: {integrity: sha512-x}

  next@14.2.3:
    resolution: {integrity: sha512-y}

snapshots:

  next@14.2.3(react@18.2.0):
    dependencies:
      react: 18.2.0
"""

YARN_CLASSIC = """# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz"
  dependencies:
    "@babel/highlight" "^7.12.13"

next@^14.2.0:
  version "14.2.3"
"""

YARN_BERRY = """# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."

"next@npm:^14.2.0":
  version: 14.2.3
  resolution: "next@npm:14.2.3"
  dependencies:
    version: "npm:1.0.0"

"resolve@patch:resolve@npm%3A^1.22.1#optional!builtin<compat/resolve>":
  version: 1.22.8
  resolution: "resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8"
"""

BUN_LOCK = """{
  "lockfileVersion": 1,
  // bun writes JSON with trailing commas
  "workspaces": {
    "": {
      "name": "app",
      "dependencies": {
        "next": "^14.2.0",
      },
    },
  },
  "packages": {
    "next": ["next@14.2.3", "", {}, "sha512-y"],
    "@babel/code-frame": ["@babel/code-frame@7.24.2", "", {}, "sha512-x"],
  },
}
"""

POETRY_LOCK = """# This file is automatically @generated by Poetry.

[[package]]
name = "Django"
version = "4.2.1"
description = "A high-level Python web framework."
optional = false

[[package]]
name = "mylib"
version = "0.1.0"
description = "local"

[package.source]
type = "directory"
url = "../mylib"
"""

UV_LOCK = """version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "requests"
version = "2.31.0"
source = { registry = "https://pypi.org/simple" }
"""


def _locked(tmp_path, files):
    from apps.scans.engine.manifests import load_manifests
    from apps.scans.engine.snapshot import Snapshot

    manifests = load_manifests(Snapshot.build(make_repo(tmp_path / "repo", files)))
    return manifests, {(p.name, p.version): p.line for lock in manifests.lockfiles
                       for p in lock.packages}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("package-lock.json", NPM_V1, {("lodash", "4.17.20"): 5, ("express", "4.17.1"): 9,
                                       ("qs", "6.7.0"): 12}),
        ("pnpm-lock.yaml", PNPM_V6, {("@babel/code-frame", "7.24.2"): 10, ("next", "14.2.3"): 14}),
        ("pnpm-lock.yaml", PNPM_V9, {("@babel/code-frame", "7.24.2"): 13, ("next", "14.2.3"): 16}),
        ("yarn.lock", YARN_CLASSIC, {("@babel/code-frame", "7.12.13"): 5, ("next", "14.2.3"): 11}),
        ("yarn.lock", YARN_BERRY, {("next", "14.2.3"): 11, ("resolve", "1.22.8"): 17}),
        ("bun.lock", BUN_LOCK, {("next", "14.2.3"): 13, ("@babel/code-frame", "7.24.2"): 14}),
        ("poetry.lock", POETRY_LOCK, {("django", "4.2.1"): 4}),
        ("uv.lock", UV_LOCK, {("requests", "2.31.0"): 10}),
        ("requirements.txt", "flask==2.0.1\nrequests>=2\n", {("flask", "2.0.1"): 1}),
    ],
)  # fmt: skip
def test_lockfile_formats(tmp_path, name, text, expected):
    manifests, found = _locked(tmp_path, {name: text})
    assert found == expected
    assert manifests.problems == []


def test_package_lock_v2_nested_and_aliased_entries(tmp_path):
    lock = {
        "lockfileVersion": 2,
        "packages": {
            "": {"name": "app", "dependencies": {"lodash": "^4.17.0"}},
            "node_modules/lodash": {"version": "4.17.21"},
            "node_modules/a/node_modules/lodash": {"version": "4.17.15"},
            "node_modules/str-old": {"name": "string-width", "version": "4.2.3"},
            "node_modules/local": {"resolved": "packages/local", "link": True},
        },
    }
    files = {
        "package.json": package_json({"lodash": "^4.17.0"}),
        "package-lock.json": json.dumps(lock),
    }
    manifests, found = _locked(tmp_path, files)
    assert set(found) == {("lodash", "4.17.21"), ("lodash", "4.17.15"), ("string-width", "4.2.3")}
    direct = manifests.locked(manifests.npm("lodash"))
    assert direct.version == "4.17.21"


def test_yarn_resolves_the_manifest_range(tmp_path):
    files = {"package.json": package_json({"next": "^14.2.0"}), "yarn.lock": YARN_CLASSIC}
    manifests, _ = _locked(tmp_path, files)
    assert manifests.locked(manifests.npm("next")).version == "14.2.3"


def test_pnpm_importer_version(tmp_path):
    files = {"package.json": package_json({"next": "^14.2.0"}), "pnpm-lock.yaml": PNPM_V9}
    manifests, _ = _locked(tmp_path, files)
    locked = manifests.locked(manifests.npm("next"))
    assert (locked.version, locked.line) == ("14.2.3", 16)


def test_broken_lockfiles_are_warnings_not_crashes(scan_repo):
    report = scan_repo(
        {
            "package.json": package_json({"next": "^14"}),
            "package-lock.json": '{"lockfileVersion": 3, "packages": {',
            "sub/pnpm-lock.yaml": "packages:\n  - not: a lockfile\n",
            "py/poetry.lock": "[[package]\nname = ",
            "py/uv.lock": "[[package]]\nname = 'x'\n",  # valid TOML, no version: nothing
        }
    )
    warned = {w.path for w in report.warnings if w.code == "bad-manifest"}
    assert warned == {"package-lock.json", "sub/pnpm-lock.yaml", "py/poetry.lock"}
    assert report.errors == []
    assert report.result("stack.nextjs").detection.version == "14"


def test_bun_lockb_is_not_read(tmp_path):
    files = {"package.json": package_json({"next": "^14"}), "bun.lockb": b"\x00bun-lockfile"}
    result = _vuln_rule(tmp_path, files, FakeSource())
    assert result.status is Status.NOT_APPLICABLE
    assert "bun.lockb is binary and not read" in result.summary


def test_oversized_lockfile_is_reported(tmp_path, monkeypatch):
    from apps.scans.engine import lockfiles

    monkeypatch.setattr(lockfiles, "MAX_LOCKFILE_BYTES", 100)
    manifests, found = _locked(tmp_path, {"package-lock.json": NPM_V1})
    assert found == {}
    assert manifests.problems == [
        ("package-lock.json", "package-lock.json: larger than 100 bytes, not read")
    ]


# --- dependencies.known-vulnerabilities, with a fake vulnerability source -----------------


class FakeSource:
    """Answers from a dict, or fails as OSV can; records what it was asked."""

    name = "FakeDB"

    def __init__(self, known=None, *, down=False):
        self.known = known or {}
        self.down = down
        self.asked: list[PackageVersion] = []

    def lookup(self, packages):
        if self.down:
            raise SourceUnavailable("connection refused")
        self.asked.extend(packages)
        return {p: self.known[p] for p in packages if p in self.known}


LODASH = PackageVersion("npm", "lodash", "4.17.20")
DJANGO = PackageVersion("PyPI", "django", "4.2.1")
LODASH_ADVISORIES = [
    Advisory("GHSA-35jh-r3h4-6jhm", "Command Injection in lodash", "high", "4.17.21",
             ("CVE-2021-23337",)),
    Advisory("GHSA-29mw-wpgm-hmr9", "ReDoS in lodash", "medium", "4.17.21"),
]  # fmt: skip


def _vuln_rule(tmp_path, files, source):
    from apps.scans.engine import scan_directory

    report = scan_directory(
        make_repo(tmp_path / "vuln-repo", files),
        rules=["dependencies.known-vulnerabilities"],
        vulnerabilities=source,
    )
    return report.result("dependencies.known-vulnerabilities")


def test_vulnerable_locked_versions_fail_one_finding_each(tmp_path):
    source = FakeSource(
        {LODASH: LODASH_ADVISORIES, DJANGO: [Advisory("PYSEC-2023-100", "", None, None)]}
    )
    files = {"package-lock.json": NPM_V1, "poetry.lock": POETRY_LOCK}
    result = _vuln_rule(tmp_path, files, source)
    assert result.status is Status.FAILED
    assert len(result.findings) == 2
    lodash = next(f for f in result.findings if "lodash" in f.message)
    assert (lodash.path, lodash.line) == ("package-lock.json", 5)
    assert lodash.severity is Severity.HIGH
    assert "GHSA-35jh-r3h4-6jhm: Command Injection in lodash" in lodash.message
    assert "Upgrade to 4.17.21" in lodash.message
    assert 'package-lock.json entry "lodash" locks lodash 4.17.20' in lodash.reason
    assert "GHSA-29mw-wpgm-hmr9 (medium; fixed in 4.17.21)" in lodash.reason
    django = next(f for f in result.findings if "django" in f.message)
    assert (django.path, django.line) == ("poetry.lock", 4)
    assert django.severity is Severity.MEDIUM
    assert "No fixed version is published" in django.message
    assert "severity not given" in django.reason
    assert set(source.asked) == {LODASH, DJANGO, PackageVersion("npm", "express", "4.17.1"),
                                 PackageVersion("npm", "qs", "6.7.0")}  # fmt: skip


def test_no_known_vulnerability_passes_with_evidence(tmp_path):
    result = _vuln_rule(tmp_path, {"package-lock.json": NPM_V1}, FakeSource())
    assert result.status is Status.PASSED
    assert result.summary == "3 packages checked, none known vulnerable (FakeDB)."
    assert (result.evidence[0].path, result.evidence[0].line) == ("package-lock.json", 1)


def test_a_clean_lookup_verifies_no_checklist_item_but_a_vulnerable_one_opens_a_gap(tmp_path):
    """Scanning dependencies on every build is a habit in CI: one clean lookup today does not
    prove it, a vulnerable lockfile shows it is missing."""
    from apps.scans.engine import scan_directory

    def verdict(name, source):
        report = scan_directory(
            make_repo(tmp_path / name, {"package-lock.json": NPM_V1}),
            rules=["dependencies.known-vulnerabilities"],
            vulnerabilities=source,
        )
        return report.checklist()["security.dependency-scanning"]["status"]

    assert verdict("clean", FakeSource()) == "unknown"
    assert verdict("vulnerable", FakeSource({LODASH: LODASH_ADVISORIES})) == "gap"


def test_source_down_is_not_checked_never_passed(tmp_path):
    result = _vuln_rule(tmp_path, {"package-lock.json": NPM_V1}, FakeSource(down=True))
    assert result.status is Status.NOT_APPLICABLE
    assert result.summary == "Not checked: FakeDB could not be asked (connection refused)."
    assert result.findings == []


def test_no_source_is_not_checked(tmp_path):
    result = _vuln_rule(tmp_path, {"package-lock.json": NPM_V1}, None)
    assert result.status is Status.NOT_APPLICABLE
    assert result.summary.startswith("Not checked: no vulnerability database")


def test_no_lockfile_is_not_applicable(tmp_path):
    files = {"package.json": package_json({"lodash": "^4.17.0"})}
    source = FakeSource()
    result = _vuln_rule(tmp_path, files, source)
    assert result.status is Status.NOT_APPLICABLE
    assert source.asked == []


def test_same_version_in_two_lockfiles_is_asked_once(tmp_path):
    source = FakeSource({LODASH: LODASH_ADVISORIES})
    files = {"package-lock.json": NPM_V1, "web/package-lock.json": NPM_V1}
    result = _vuln_rule(tmp_path, files, source)
    assert source.asked.count(LODASH) == 1
    assert len(result.findings) == 1


def test_framework_detectors_also_report_the_locked_version(rule):
    files = {"package.json": package_json({"next": "^14.2.0"}), "pnpm-lock.yaml": PNPM_V9}
    result = rule("stack.nextjs", files)
    assert result.detection.version == "14.2.3"


def test_finding_key_survives_a_reworded_advisory_but_not_a_new_one(tmp_path):
    def key(advisories, name):
        result = _vuln_rule(
            tmp_path / name, {"package-lock.json": NPM_V1}, FakeSource({LODASH: advisories})
        )
        return result.findings[0].key("dependencies.known-vulnerabilities")

    first = key(LODASH_ADVISORIES[:1], "a")
    reworded = [Advisory("GHSA-35jh-r3h4-6jhm", "Lodash template command injection", "high")]
    assert key(reworded, "b") == first
    assert key(LODASH_ADVISORIES, "c") != first


def test_lockfile_of_workspace_links_only(tmp_path):
    lock = {
        "lockfileVersion": 3,
        "packages": {"": {"name": "app"}, "node_modules/ui": {"link": True}},
    }
    result = _vuln_rule(tmp_path, {"package-lock.json": json.dumps(lock)}, FakeSource())
    assert result.status is Status.NOT_APPLICABLE
    assert result.summary == "The lockfiles pin no package from a registry."
