"""Tests, CI and container rules, each on a passing and a failing repository."""

from __future__ import annotations

import json

from apps.scans.engine import Severity, Status

WORKFLOW = """name: CI
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
{extra}"""


# --- testing.tests-present ---------------------------------------------------------------------


def test_tests_present_with_vitest_files(rule):
    result = rule(
        "testing.tests-present",
        {"src/App.tsx": "export {}", "src/App.test.tsx": "test('x', () => {})"},
    )
    assert result.status is Status.PASSED
    assert result.evidence[0].path == "src/App.test.tsx"


def test_tests_present_with_pytest_files(rule):
    result = rule("testing.tests-present", {"tests/test_api.py": "def test_x():\n    pass\n"})
    assert result.status is Status.PASSED


def test_tests_missing(rule):
    result = rule("testing.tests-present", {"src/App.tsx": "export {}", "README.md": "# x"})
    assert result.status is Status.FAILED
    assert result.findings[0].path is None
    assert result.checklist_keys == ("testing.unit-tests",)


def test_django_boilerplate_tests_py_is_not_a_test(rule):
    boilerplate = "from django.test import TestCase\n\n# Create your tests here.\n"
    assert rule("testing.tests-present", {"shop/tests.py": boilerplate}).status is Status.FAILED
    real = boilerplate + "\nclass T(TestCase):\n    def test_ok(self):\n        pass\n"
    assert rule("testing.tests-present", {"shop/tests.py": real}).status is Status.PASSED


def test_test_helpers_alone_are_not_tests(rule):
    files = {"tests/__init__.py": "", "tests/fixtures/data.py": "X = 1", "tests/conftest.py": ""}
    assert rule("testing.tests-present", files).status is Status.FAILED


# --- testing.test-script -----------------------------------------------------------------------


def test_test_script_in_package_json(rule):
    pkg = json.dumps({"scripts": {"dev": "vite", "test": "vitest run"}}, indent=2)
    result = rule("testing.test-script", {"package.json": pkg})
    assert result.status is Status.PASSED
    assert result.evidence[0].line == 4


def test_npm_placeholder_test_script_fails_with_its_line(rule):
    pkg = json.dumps(
        {
            "name": "app",
            "scripts": {"start": "node .", "test": 'echo "Error: no test specified" && exit 1'},
            "dependencies": {"express": "^4"},
        },
        indent=2,
    )
    result = rule("testing.test-script", {"package.json": pkg})
    assert result.status is Status.FAILED
    assert (result.findings[0].path, result.findings[0].line) == ("package.json", 5)


def test_pytest_config_is_a_test_command(rule):
    pyproject = '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n'
    result = rule("testing.test-script", {"pyproject.toml": pyproject})
    assert result.status is Status.PASSED
    assert result.evidence[0].line == 4


def test_makefile_test_target(rule):
    result = rule("testing.test-script", {"Makefile": "build:\n\tgo build\n\ntest:\n\tgo vet\n"})
    assert result.status is Status.PASSED


def test_no_test_command(rule):
    pkg = json.dumps({"name": "app", "scripts": {"dev": "vite"}, "dependencies": {"react": "18"}})
    result = rule("testing.test-script", {"package.json": pkg})
    assert result.status is Status.FAILED
    assert result.findings[0].message == "package.json has no test script."


# --- ci.pipeline / ci.runs-tests ---------------------------------------------------------------


def test_ci_pipeline_github_actions(rule):
    result = rule("ci.pipeline", {".github/workflows/ci.yml": WORKFLOW.format(extra="")})
    assert result.status is Status.PASSED


def test_ci_pipeline_gitlab(rule):
    assert rule("ci.pipeline", {".gitlab-ci.yml": "test:\n  script: pytest\n"}).passed


def test_ci_pipeline_missing(rule):
    result = rule("ci.pipeline", {"README.md": "# x", ".github/ISSUE_TEMPLATE.md": "x"})
    assert result.status is Status.FAILED
    assert result.checklist_keys == ("deployment.ci-pipeline",)


def test_ci_runs_tests_directly(rule):
    workflow = WORKFLOW.format(extra="      - run: npm test -- --coverage\n")
    pkg = json.dumps({"scripts": {"test": "vitest run"}})
    result = rule("ci.runs-tests", {".github/workflows/ci.yml": workflow, "package.json": pkg})
    assert result.status is Status.PASSED
    assert result.evidence[0].line == 9


def test_ci_runs_tests_through_a_package_script(rule):
    workflow = WORKFLOW.format(extra="      - run: npm run verify\n")
    pkg = json.dumps({"scripts": {"verify": "npm run unit && tsc", "unit": "vitest run"}})
    result = rule("ci.runs-tests", {".github/workflows/ci.yml": workflow, "package.json": pkg})
    assert result.status is Status.PASSED
    assert "verify" in result.evidence[0].detail


def test_ci_runs_tests_through_make(rule):
    files = {
        ".gitlab-ci.yml": "check:\n  script:\n    - make check-all\n",
        "Makefile": "check-all:\n\tpython -m pytest -q\n",
    }
    assert rule("ci.runs-tests", files).status is Status.PASSED


def test_ci_without_tests_fails_on_the_ci_file(rule):
    workflow = WORKFLOW.format(extra="      - run: npm run build\n      # - run: npm test\n")
    result = rule("ci.runs-tests", {".github/workflows/ci.yml": workflow})
    assert result.status is Status.FAILED
    assert result.findings[0].path == ".github/workflows/ci.yml"


def test_no_ci_means_tests_never_run(rule):
    result = rule("ci.runs-tests", {"src/a.test.ts": "test()"})
    assert result.status is Status.FAILED


# --- deployment --------------------------------------------------------------------------------

DOCKERFILE_OK = """# syntax=docker/dockerfile:1
ARG NODE_VERSION=20.11.1
FROM node:${NODE_VERSION}-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && \\
    npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/dist /usr/share/nginx/html
USER nginx
"""


def test_dockerfile_present(rule):
    result = rule("deployment.dockerfile", {"Dockerfile": DOCKERFILE_OK})
    assert result.status is Status.PASSED


def test_dev_container_dockerfile_does_not_count(rule):
    result = rule("deployment.dockerfile", {".devcontainer/Dockerfile": "FROM node:20\n"})
    assert result.status is Status.FAILED


def test_non_root_user_in_final_stage(rule):
    result = rule("deployment.non-root-user", {"Dockerfile": DOCKERFILE_OK})
    assert result.status is Status.PASSED
    assert result.evidence[0].detail == "USER nginx"


def test_no_user_instruction_runs_as_root(rule):
    dockerfile = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn"]\n'
    result = rule("deployment.non-root-user", {"Dockerfile": dockerfile})
    assert result.status is Status.FAILED
    assert (result.findings[0].path, result.findings[0].line) == ("Dockerfile", 1)


def test_user_only_in_build_stage_still_runs_as_root(rule):
    dockerfile = "FROM node:20 AS build\nUSER node\nRUN npm ci\n\nFROM node:20-slim\nCOPY . /a\n"
    result = rule("deployment.non-root-user", {"Dockerfile": dockerfile})
    assert result.status is Status.FAILED
    assert result.findings[0].line == 5


def test_switching_back_to_root_fails(rule):
    dockerfile = "FROM node:20\nUSER node\nRUN echo\nUSER root\n"
    result = rule("deployment.non-root-user", {"Dockerfile": dockerfile})
    assert result.status is Status.FAILED
    assert result.findings[0].line == 4


def test_distroless_nonroot_image_passes(rule):
    dockerfile = "FROM gcr.io/distroless/nodejs20-debian12:nonroot\nCOPY app /app\n"
    assert rule("deployment.non-root-user", {"Dockerfile": dockerfile}).passed


def test_non_root_not_applicable_without_dockerfile(rule):
    result = rule("deployment.non-root-user", {"README.md": "# x"})
    assert result.status is Status.NOT_APPLICABLE


def test_pinned_base_images(rule):
    result = rule("deployment.pinned-base-image", {"Dockerfile": DOCKERFILE_OK})
    assert result.status is Status.PASSED
    assert [e.detail for e in result.evidence] == [
        "FROM node:20.11.1-alpine",
        "FROM nginx:1.27-alpine",
    ]


def test_digest_pinned_image_passes(rule):
    dockerfile = "FROM python@sha256:" + "a" * 64 + "\n"
    assert rule("deployment.pinned-base-image", {"Dockerfile": dockerfile}).passed


def test_latest_untagged_and_floating_tags_fail(rule):
    dockerfile = (
        "FROM node:latest AS a\nFROM python\nFROM node:lts-alpine\n"
        "FROM a\nFROM scratch\nFROM debian:bookworm-slim\n"
    )
    result = rule("deployment.pinned-base-image", {"Dockerfile": dockerfile})
    assert result.status is Status.FAILED
    assert sorted(f.line for f in result.findings) == [1, 2, 3]
    assert all(f.severity is Severity.LOW for f in result.findings)


def test_pinned_not_applicable_without_dockerfile(rule):
    assert rule("deployment.pinned-base-image", {"a.txt": "x"}).status is Status.NOT_APPLICABLE
