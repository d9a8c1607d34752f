"""Dependency and documentation rules, each on a passing and a failing repository."""

from __future__ import annotations

import json

from apps.scans.engine import Severity, Status


def pkg(deps: dict | None = None, dev: dict | None = None, **extra) -> str:
    return json.dumps(
        {"name": "app", "dependencies": deps or {}, "devDependencies": dev or {}, **extra}, indent=2
    )


# --- dependencies.lockfile ---------------------------------------------------------------------


def test_lockfile_beside_package_json(rule):
    result = rule(
        "dependencies.lockfile", {"package.json": pkg({"react": "^18"}), "package-lock.json": "{}"}
    )
    assert result.status is Status.PASSED


def test_workspace_package_uses_root_lockfile(rule):
    files = {
        "package.json": pkg(workspaces=["packages/*"]),
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        "packages/web/package.json": pkg({"react": "^18"}),
    }
    assert rule("dependencies.lockfile", files).status is Status.PASSED


def test_package_json_without_lockfile(rule):
    result = rule("dependencies.lockfile", {"package.json": pkg({"react": "^18"})})
    assert result.status is Status.FAILED
    assert result.findings[0].path == "package.json"


def test_poetry_lock_counts(rule):
    pyproject = (
        '[tool.poetry]\nname="x"\n[tool.poetry.dependencies]\npython="^3.11"\ndjango="^5.0"\n'
    )
    files = {"pyproject.toml": pyproject, "poetry.lock": "# lock"}
    assert rule("dependencies.lockfile", files).status is Status.PASSED


def test_fully_pinned_requirements_count_as_a_lock(rule):
    files = {"requirements.txt": "django==5.0.6\nrequests==2.32.3 \\\n    --hash=sha256:abc\n"}
    assert rule("dependencies.lockfile", files).status is Status.PASSED


def test_loose_requirements_without_lock_fail(rule):
    result = rule("dependencies.lockfile", {"requirements.txt": "django>=4\nrequests\n"})
    assert result.status is Status.FAILED
    assert result.findings[0].path == "requirements.txt"


def test_lockfile_not_applicable_without_manifests(rule):
    assert rule("dependencies.lockfile", {"index.html": "<p>"}).status is Status.NOT_APPLICABLE


# --- dependencies.pinned-npm -------------------------------------------------------------------


def test_bounded_npm_versions_pass(rule):
    deps = {"react": "^18.3.1", "zod": "~3.23.8", "lib": "workspace:*", "pinned": "1.2.3"}
    assert rule("dependencies.pinned-npm", {"package.json": pkg(deps)}).status is Status.PASSED


def test_latest_star_and_open_ranges_fail_with_lines(rule):
    deps = {"react": "^18.3.1", "next": "latest", "clsx": "*", "zod": ">=3.0.0"}
    result = rule("dependencies.pinned-npm", {"package.json": pkg(deps)})
    assert result.status is Status.FAILED
    found = {f.message.split(":")[0]: f.line for f in result.findings}
    assert found == {"next": 5, "clsx": 6, "zod": 7}


def test_git_dependency_without_commit_fails(rule):
    deps = {"a": "github:org/a", "b": "github:org/b#3f9c2a1"}
    result = rule("dependencies.pinned-npm", {"package.json": pkg(deps)})
    assert [f.message.split(":")[0] for f in result.findings] == ["a"]


def test_pinned_npm_not_applicable_without_dependencies(rule):
    assert rule("dependencies.pinned-npm", {"package.json": "{}"}).status is Status.NOT_APPLICABLE


# --- dependencies.pinned-python ----------------------------------------------------------------


def test_unpinned_requirements_fail_with_lines(rule):
    result = rule(
        "dependencies.pinned-python", {"requirements.txt": "django==5.0\nrequests\ncelery>=5\n"}
    )
    assert result.status is Status.FAILED
    assert [(f.message.split(":")[0], f.line) for f in result.findings] == [
        ("requests", 2),
        ("celery", 3),
    ]


def test_pinned_or_bounded_requirements_pass(rule):
    files = {
        "requirements.txt": "django==5.0.6\ncelery~=5.4\nredis>=5,<6\n# comment\n-r base.txt\n"
    }
    assert rule("dependencies.pinned-python", files).status is Status.PASSED


def test_lockfile_makes_ranges_fine(rule):
    pyproject = '[project]\nname="x"\ndependencies=["django>=5", "requests"]\n'
    files = {"pyproject.toml": pyproject, "uv.lock": "version = 1\n"}
    result = rule("dependencies.pinned-python", files)
    assert result.status is Status.PASSED
    assert result.evidence[0].path == "uv.lock"


def test_pyproject_without_lock_and_bare_names_fails(rule):
    pyproject = '[project]\nname="x"\ndependencies=[\n  "django>=5,<6",\n  "requests",\n]\n'
    result = rule("dependencies.pinned-python", {"pyproject.toml": pyproject})
    assert [(f.message.split(":")[0], f.line) for f in result.findings] == [("requests", 5)]


def test_pinned_python_not_applicable(rule):
    assert rule("dependencies.pinned-python", {"a.js": "x"}).status is Status.NOT_APPLICABLE


# --- dependencies.update-bot -------------------------------------------------------------------


def test_dependabot(rule):
    files = {"package.json": pkg({"a": "1"}), ".github/dependabot.yml": "version: 2\n"}
    assert rule("dependencies.update-bot", files).status is Status.PASSED


def test_renovate_key_in_package_json(rule):
    files = {"package.json": pkg({"a": "1"}, renovate={"extends": ["config:base"]})}
    assert rule("dependencies.update-bot", files).status is Status.PASSED


def test_no_update_bot(rule):
    result = rule("dependencies.update-bot", {"package.json": pkg({"a": "1"})})
    assert result.status is Status.FAILED


def test_update_bot_not_applicable_without_manifests(rule):
    assert rule("dependencies.update-bot", {"a.txt": "x"}).status is Status.NOT_APPLICABLE


# --- documentation -----------------------------------------------------------------------------

OWN_README = "# Booking app\n\n" + "How to run it locally, configure it and deploy it. " * 6 + "\n"
LOVABLE_README = (
    "# Welcome to your Lovable project\n\n## Project info\n\n"
    "**URL**: https://lovable.dev/projects/abc\n\n## How can I edit this code?\n"
)


def test_readme_present(rule):
    assert rule("documentation.readme", {"README.md": OWN_README}).status is Status.PASSED


def test_readme_missing(rule):
    result = rule("documentation.readme", {"docs/README.md": OWN_README})
    assert result.status is Status.FAILED


def test_readme_with_only_a_title_fails(rule):
    result = rule("documentation.readme", {"README.md": "# my-app\n\n![badge](x.svg)\n"})
    assert result.status is Status.FAILED
    assert result.findings[0].path == "README.md"


def test_generator_template_readme_fails(rule):
    result = rule("documentation.readme-not-template", {"README.md": LOVABLE_README})
    assert result.status is Status.FAILED
    assert "Lovable" in result.summary
    assert result.findings[0].line == 1


def test_create_next_app_template_detected(rule):
    readme = (
        "This is a [Next.js](https://nextjs.org) project bootstrapped with "
        "[`create-next-app`](https://nextjs.org/docs/app/api-reference/cli/create-next-app).\n"
    )
    assert rule("documentation.readme-not-template", {"README.md": readme}).failed


def test_own_readme_is_not_a_template(rule):
    assert rule("documentation.readme-not-template", {"README.md": OWN_README}).passed


def test_template_check_not_applicable_without_readme(rule):
    result = rule("documentation.readme-not-template", {"a.txt": "x"})
    assert result.status is Status.NOT_APPLICABLE


def test_license_file(rule):
    assert rule("documentation.license", {"LICENSE": "MIT License"}).passed


def test_license_field(rule):
    assert rule("documentation.license", {"package.json": pkg(license="UNLICENSED")}).passed


def test_no_license(rule):
    assert rule("documentation.license", {"README.md": OWN_README}).failed


def test_security_policy(rule):
    assert rule("documentation.security-policy", {".github/SECURITY.md": "Email us."}).passed


def test_security_txt(rule):
    files = {"public/.well-known/security.txt": "Contact: mailto:sec@example.com\n"}
    assert rule("documentation.security-policy", files).passed


def test_no_security_policy(rule):
    result = rule("documentation.security-policy", {"README.md": OWN_README})
    assert result.status is Status.FAILED
    assert result.checklist_keys == ("security.disclosure-policy",)


def test_env_example_present(rule):
    files = {
        ".env.example": "VITE_SUPABASE_URL=\n",
        "src/a.ts": "import.meta.env.VITE_SUPABASE_URL",
    }
    assert rule("documentation.env-example", files).passed


def test_env_vars_read_without_example_fail_at_the_first_read(rule):
    code = "const app = express();\nconst key = process.env.STRIPE_SECRET_KEY;\n"
    result = rule("documentation.env-example", {"server.js": code})
    assert result.status is Status.FAILED
    assert (result.findings[0].path, result.findings[0].line) == ("server.js", 2)


def test_committed_env_without_example_fails(rule):
    result = rule("documentation.env-example", {".env": "PORT=3000\n"})
    assert result.status is Status.FAILED
    assert result.findings[0].path == ".env"


def test_env_example_not_applicable_without_env_use(rule):
    files = {"src/a.ts": "export const NODE = process.env.NODE_ENV;\n"}
    assert rule("documentation.env-example", files).status is Status.NOT_APPLICABLE


def test_env_example_lists_every_required_variable(rule):
    files = {
        ".env.example": "DATABASE_URL=\n# SENTRY_DSN=\n",
        "app/settings.py": (
            "import os\nDB = os.environ['DATABASE_URL']\nDSN = os.getenv('SENTRY_DSN')\n"
            "LEVEL = os.environ.get('LOG_LEVEL', 'INFO')\n"
        ),
        "src/api.ts": "const base = process.env.API_BASE ?? '/api';\n",
    }
    result = rule("documentation.env-example-complete", files)
    assert result.status is Status.PASSED


def test_undocumented_variable_fails_with_its_line(rule):
    files = {
        ".env.example": "DATABASE_URL=\n",
        "server.ts": (
            "const db = process.env.DATABASE_URL;\nconst key = process.env.OPENAI_API_KEY;\n"
        ),
        "tests/setup.ts": "process.env.TEST_ONLY_FLAG;\n",
    }
    result = rule("documentation.env-example-complete", files)
    assert result.status is Status.FAILED
    assert [(f.path, f.line) for f in result.findings] == [("server.ts", 2)]
    assert "OPENAI_API_KEY" in result.findings[0].message
    assert result.findings[0].severity is Severity.LOW


def test_fallback_is_found_on_the_hit_line_after_a_form_feed(rule):
    # Line numbers count "\n" only: a form feed (a page break in old Python files) or a
    # U+2028 must not shift which line is checked for a fallback value.
    files = {
        ".env.example": "DATABASE_URL=\n",
        "app/settings.py": (
            "import os\n\x0c\nDB = os.environ['DATABASE_URL']\n"
            "LEVEL = os.environ.get('LOG_LEVEL', 'INFO')  # \u2028 x\n"
            "HOST = os.environ.get('APP_HOST', 'localhost')\n"
        ),
    }
    assert rule("documentation.env-example-complete", files).passed


def test_env_example_complete_not_applicable_without_example(rule):
    result = rule("documentation.env-example-complete", {"a.ts": "process.env.X_Y"})
    assert result.status is Status.NOT_APPLICABLE
