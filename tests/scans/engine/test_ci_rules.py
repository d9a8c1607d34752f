"""CI that really runs (issue 14 item 3): triggers read against the clone's default branch,
test commands followed to what they run, and the dangerous workflow patterns."""

from __future__ import annotations

import json

import pytest

from apps.scans.engine import scan_directory
from apps.scans.engine.ci_config import Branches, load_yaml, parse_github
from apps.scans.engine.model import Severity, Status
from apps.scans.engine.repo_meta import default_branch

from .gitrepo import git, make_repo

PKG = json.dumps({"name": "app", "scripts": {"test": "vitest run", "build": "vite build"}})
CI_RULES = (
    "ci.runs-tests",
    "ci.never-triggers",
    "ci.unpinned-actions",
    "ci.secrets-echoed",
    "ci.pull-request-target",
)
PLACEHOLDER_PKG = json.dumps(
    {"name": "app", "scripts": {"test": 'echo "Error: no test specified" && exit 1'}}
)


def workflow(on: str, steps: str = "      - run: npm test\n", extra: str = "") -> str:
    return (
        f"name: CI\n{on}{extra}jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: actions/checkout@v4\n{steps}"
    )


def run_on(tmp_path, rule_id, files, *, branch: str | None = None):
    """Run one rule on a repository whose checked-out (default) branch is `branch`."""
    root = make_repo(tmp_path / "repo", files)
    if branch:
        git(root, "branch", "-m", branch)
    return scan_directory(root, rules=[rule_id]).result(rule_id)


# --- the default branch, from the clone --------------------------------------------------------


def test_default_branch_from_head(tmp_path):
    root = make_repo(tmp_path / "r", {"a.txt": "x"})
    assert default_branch(root) == "main"
    git(root, "branch", "-m", "trunk")
    assert default_branch(root) == "trunk"


def test_default_branch_prefers_the_remotes_head(tmp_path):
    root = make_repo(tmp_path / "r", {"a.txt": "x"})
    git(root, "checkout", "-q", "-b", "feature")
    (root / ".git/refs/remotes/origin").mkdir(parents=True)
    (root / ".git/refs/remotes/origin/HEAD").write_text("ref: refs/remotes/origin/develop\n")
    assert default_branch(root) == "develop"


def test_default_branch_of_a_detached_head_from_packed_refs(tmp_path):
    root = make_repo(tmp_path / "r", {"a.txt": "x"})
    git(root, "pack-refs", "--all")
    sha = (root / ".git/packed-refs").read_text().split()[-2]
    (root / ".git/HEAD").write_text(sha + "\n")
    assert default_branch(root) == "main"


def test_default_branch_unknown_without_git(tmp_path):
    (tmp_path / "plain").mkdir()
    assert default_branch(tmp_path / "plain") is None


# --- ci.runs-tests: the case first ----------------------------------------------------


def test_workflow_that_never_triggers_on_the_default_branch_does_not_run_the_tests(tmp_path):
    files = {
        ".github/workflows/ci.yml": workflow("on:\n  push:\n    branches: [develop]\n"),
        "package.json": PKG,
    }
    result = run_on(tmp_path, "ci.runs-tests", files)
    assert result.status is Status.FAILED
    finding = result.findings[0]
    assert "never starts on the default branch 'main'" in finding.message
    assert finding.path == ".github/workflows/ci.yml"
    assert finding.line == 3
    assert "push to develop" in finding.reason
    assert finding.snippet == "push:"


def test_runs_tests_on_push_to_the_default_branch(rule):
    files = {
        ".github/workflows/ci.yml": workflow("on: [push, pull_request]\n"),
        "package.json": PKG,
    }
    result = rule("ci.runs-tests", files)
    assert result.status is Status.PASSED
    evidence = result.evidence[0]
    assert "vitest run" in evidence.detail
    assert "push to main" in evidence.detail
    assert evidence.line == 8


def test_default_branch_is_read_from_the_clone(tmp_path):
    files = {
        ".github/workflows/ci.yml": workflow("on:\n  push:\n    branches: [develop]\n"),
        "package.json": PKG,
    }
    assert run_on(tmp_path, "ci.runs-tests", files, branch="develop").passed


def test_unknown_default_branch_is_assumed_and_said(tmp_path):
    root = tmp_path / "export"
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/ci.yml").write_text(workflow("on:\n  push:\n    branches: [dev]\n"))
    (root / "package.json").write_text(PKG)
    result = scan_directory(root, rules=["ci.runs-tests"]).result("ci.runs-tests")
    assert result.status is Status.FAILED
    assert "unknown: assumed main or master" in result.findings[0].reason


@pytest.mark.parametrize(
    ("on", "why"),
    [
        ("on: workflow_dispatch\n", "by hand only"),
        ("# on: [push]\n", "no trigger"),
        ("on:\n  push:\n    branches-ignore: ['main', 'master']\n", "branches-ignore"),
        ("on:\n  push:\n    branches: ['release/**']\n", "release/**"),
        ("on:\n  push:\n    branches: ['m*n']\n", "m*n"),  # matches main... see below
        ("on:\n  push:\n    tags: ['v*']\n", "tags v* only"),
        ("on:\n  push:\n    branches: ['**', '!main']\n", "!main"),
        ("on:\n  pull_request:\n    branches: [develop]\n", "pull requests into develop"),
    ],
)
def test_triggers_that_miss_the_default_branch(rule, on, why):
    files = {".github/workflows/ci.yml": workflow(on), "package.json": PKG}
    result = rule("ci.runs-tests", files)
    if on.endswith("['m*n']\n"):
        assert result.status is Status.PASSED  # a glob that does match main
        return
    assert result.status is Status.FAILED
    assert why in result.findings[0].reason


def test_glob_and_negation_that_keep_main(rule):
    on = "on:\n  push:\n    branches: ['**', '!release/*']\n"
    assert rule("ci.runs-tests", {".github/workflows/ci.yml": workflow(on), "package.json": PKG})


def test_on_parsed_as_yaml_boolean_and_schedule(rule):
    # `on:` is YAML 1.1's True; a quoted "on" is a string: both are read.
    quoted = workflow('"on":\n  schedule:\n    - cron: "0 3 * * *"\n')
    result = rule("ci.runs-tests", {".github/workflows/nightly.yml": quoted, "package.json": PKG})
    assert result.status is Status.PASSED
    assert "schedule" in result.evidence[0].detail


def test_npm_placeholder_is_not_a_test(rule):
    files = {".github/workflows/ci.yml": workflow("on: push\n"), "package.json": PLACEHOLDER_PKG}
    result = rule("ci.runs-tests", files)
    assert result.status is Status.FAILED
    assert "placeholder" in result.findings[0].reason


def test_npm_test_without_a_test_script(rule):
    files = {".github/workflows/ci.yml": workflow("on: push\n"), "package.json": '{"name": "a"}'}
    result = rule("ci.runs-tests", files)
    assert result.status is Status.FAILED
    assert "no 'test' script" in result.findings[0].reason


def test_named_script_in_a_working_directory(rule):
    steps = "      - run: npm run test:ci\n        working-directory: web\n"
    files = {
        ".github/workflows/ci.yml": workflow("on: [pull_request]\n", steps),
        "web/package.json": json.dumps({"scripts": {"test:ci": "jest --ci"}}),
    }
    result = rule("ci.runs-tests", files)
    assert result.status is Status.PASSED
    assert "web/package.json" in result.evidence[0].detail
    assert "pull requests into main" in result.evidence[0].detail


def test_cd_then_npm_test(rule):
    steps = "      - run: |\n          cd app\n          npm ci && npm test\n"
    files = {
        ".github/workflows/ci.yml": workflow("on: push\n", steps),
        "app/package.json": json.dumps({"scripts": {"test": "vitest"}}),
    }
    assert rule("ci.runs-tests", files).passed


def test_makefile_target_and_shell_script(rule):
    files = {
        ".github/workflows/ci.yml": workflow("on: push\n", "      - run: make check\n"),
        "Makefile": "check: lint unit\nlint:\n\truff check .\nunit:\n\t./scripts/test.sh\n",
        "scripts/test.sh": "#!/bin/sh\nset -e\npython -m pytest -q\n",
    }
    result = rule("ci.runs-tests", files)
    assert result.status is Status.PASSED
    assert "make check" in result.evidence[0].detail


def test_commented_out_test_step(rule):
    steps = "      - run: |\n          npm run build\n          # npm test\n"
    files = {".github/workflows/ci.yml": workflow("on: push\n", steps), "package.json": PKG}
    assert rule("ci.runs-tests", files).status is Status.FAILED


def test_remote_reusable_workflow_is_unknown_not_passed(rule):
    text = "on: push\njobs:\n  test:\n    uses: acme/ci/.github/workflows/node.yml@v1\n"
    result = rule("ci.runs-tests", {".github/workflows/ci.yml": text})
    assert result.status is Status.NOT_APPLICABLE
    assert "acme/ci" in result.summary


def test_local_reusable_workflow_is_followed(rule):
    caller = "on: push\njobs:\n  test:\n    uses: ./.github/workflows/tests.yml\n"
    called = workflow("on: workflow_call\n", "      - run: python -m pytest\n")
    files = {".github/workflows/ci.yml": caller, ".github/workflows/tests.yml": called}
    result = rule("ci.runs-tests", files)
    assert result.status is Status.PASSED
    assert "reusable workflow" in result.evidence[0].detail


def test_gitlab_rules_and_only(rule):
    ok = (
        "test:\n  script:\n    - pytest\n  rules:\n"
        '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"\n'
        "    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n"
    )
    result = rule("ci.runs-tests", {".gitlab-ci.yml": ok})
    assert result.status is Status.PASSED
    assert "push to main" in result.evidence[0].detail
    assert "not on pull requests" not in result.evidence[0].detail
    never = "test:\n  script:\n    - pytest\n  only:\n    - develop\n"
    result = rule("ci.runs-tests", {".gitlab-ci.yml": never})
    assert result.status is Status.FAILED
    assert "never for the default branch" in result.findings[0].reason


def test_gitlab_workflow_rules_stop_everything(rule):
    text = "workflow:\n  rules:\n    - if: $CI_COMMIT_TAG\ntest:\n  script: npm test\n"
    files = {".gitlab-ci.yml": text, "package.json": PKG}
    assert rule("ci.runs-tests", files).status is Status.FAILED


def test_gitlab_reference_tag_is_parsed(rule):
    text = (
        ".setup:\n  script: [npm ci]\n"
        "test:\n  script:\n    - !reference [.setup, script]\n    - npm test\n"
    )
    assert rule("ci.runs-tests", {".gitlab-ci.yml": text, "package.json": PKG}).passed


def test_circleci_branch_filters(rule):
    config = (
        "version: 2.1\njobs:\n  test:\n    docker: [{image: cimg/node:20.0}]\n    steps:\n"
        "      - checkout\n      - run: npm test\n"
        "workflows:\n  main:\n    jobs:\n      - test:\n          filters:\n"
        "            branches:\n              only: BRANCHES\n"
    )
    good = {".circleci/config.yml": config.replace("BRANCHES", "/ma.*/"), "package.json": PKG}
    assert rule("ci.runs-tests", good).passed
    bad = {".circleci/config.yml": config.replace("BRANCHES", "staging"), "package.json": PKG}
    result = rule("ci.runs-tests", bad)
    assert result.status is Status.FAILED
    assert result.findings[0].path == ".circleci/config.yml"


def test_bitbucket_branches_and_pull_requests(rule):
    text = (
        "pipelines:\n  branches:\n    develop:\n      - step:\n          script:\n"
        "            - npm test\n  pull-requests:\n    '**':\n      - step:\n          script:\n"
        "            - npm run build\n"
    )
    result = rule("ci.runs-tests", {"bitbucket-pipelines.yml": text, "package.json": PKG})
    assert result.status is Status.FAILED
    ok = text.replace("develop:", "'{main,master}':")
    assert rule("ci.runs-tests", {"bitbucket-pipelines.yml": ok, "package.json": PKG}).passed


def test_netlify_and_vercel_builds_that_run_tests(rule):
    netlify = '[build]\n  command = "npm test && npm run build"\n  publish = "dist"\n'
    result = rule("ci.runs-tests", {"netlify.toml": netlify, "package.json": PKG})
    assert result.status is Status.PASSED
    assert result.evidence[0].path == "netlify.toml"
    vercel = json.dumps({"buildCommand": "npm run build"})
    result = rule("ci.runs-tests", {"vercel.json": vercel, "package.json": PKG})
    assert result.status is Status.FAILED
    tested = json.dumps({"scripts": {"build": "vitest run && vite build"}})
    assert rule("ci.runs-tests", {"vercel.json": "{}", "package.json": tested}).passed


# --- ci.never-triggers -------------------------------------------------------------------------


def test_never_triggers_reports_each_idle_workflow(rule):
    files = {
        ".github/workflows/ci.yml": workflow("on: [push]\n"),
        ".github/workflows/e2e.yml": workflow(
            "on:\n  push:\n    branches: [develop]\n", "      - run: npx playwright test\n"
        ),
        ".github/workflows/manual.yml": workflow("on: workflow_dispatch\n"),
        ".github/workflows/deploy.yml": workflow(
            "on:\n  push:\n    branches: [staging]\n", "      - run: ./deploy.sh\n"
        ),
        ".github/workflows/broken.yml": "on: [push\njobs: {}\n",
        ".github/workflows/none.yml": workflow("# on: push\n"),
        "package.json": PKG,
    }
    result = rule("ci.never-triggers", files)
    assert result.status is Status.FAILED
    by_path = {f.path: f for f in result.findings}
    assert set(by_path) == {
        ".github/workflows/e2e.yml",
        ".github/workflows/manual.yml",
        ".github/workflows/broken.yml",
        ".github/workflows/none.yml",
    }
    assert by_path[".github/workflows/manual.yml"].severity is Severity.LOW
    assert "not valid YAML" in by_path[".github/workflows/broken.yml"].reason
    assert by_path[".github/workflows/broken.yml"].line == 2
    assert "push to develop" in by_path[".github/workflows/e2e.yml"].reason


def test_never_triggers_passes_when_every_test_workflow_starts(rule):
    files = {
        ".github/workflows/ci.yml": workflow(
            "on:\n  pull_request:\n  push:\n    branches: [main]\n"
        ),
        ".github/workflows/release.yml": workflow("on:\n  push:\n    tags: ['v*']\n", ""),
        "package.json": PKG,
    }
    result = rule("ci.never-triggers", files)
    assert result.status is Status.PASSED
    assert result.evidence[0].path == ".github/workflows/ci.yml"


def test_never_triggers_without_ci(rule):
    assert rule("ci.never-triggers", {"README.md": "x"}).status is Status.NOT_APPLICABLE


# --- ci.pull-request-target --------------------------------------------------------------------

PRT = (
    "on: pull_request_target\n{permissions}jobs:\n  build:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - uses: actions/checkout@v4\n        with:\n{ref}"
    "      - run: npm ci && npm test\n"
)


def test_pull_request_target_with_head_checkout(rule):
    ref = "          ref: ${{ github.event.pull_request.head.sha }}\n"
    text = PRT.format(permissions="permissions: write-all\n", ref=ref)
    result = rule("ci.pull-request-target", {".github/workflows/pr.yml": text})
    assert result.status is Status.FAILED
    messages = [f.message for f in result.findings]
    assert any("write-all" in m for m in messages)
    assert any("head.sha" in m for m in messages)
    checkout = next(f for f in result.findings if "head.sha" in f.message)
    assert checkout.line == 7
    assert "pull_request_target (line 1)" in checkout.reason


def test_pull_request_target_without_head_checkout(rule):
    text = PRT.format(
        permissions="permissions:\n  pull-requests: write\n", ref="          fetch-depth: 1\n"
    )
    result = rule("ci.pull-request-target", {".github/workflows/label.yml": text})
    assert result.status is Status.PASSED
    assert (
        rule("ci.pull-request-target", {".github/workflows/ci.yml": workflow("on: push\n")}).status
        is Status.NOT_APPLICABLE
    )


# --- ci.unpinned-actions -----------------------------------------------------------------------


def test_unpinned_third_party_actions(rule):
    steps = (
        "      - uses: tj-actions/changed-files@v41\n"
        "      - uses: actions/setup-node@main\n"
        "      - uses: peaceiris/actions-gh-pages@" + "a" * 40 + "\n"
        "      - uses: ./.github/actions/setup\n"
    )
    result = rule(
        "ci.unpinned-actions", {".github/workflows/ci.yml": workflow("on: push\n", steps)}
    )
    assert result.status is Status.FAILED
    by_action = {f.message.split("`")[1]: f for f in result.findings}
    assert set(by_action) == {"tj-actions/changed-files@v41", "actions/setup-node@main"}
    assert by_action["tj-actions/changed-files@v41"].severity is Severity.MEDIUM
    assert by_action["actions/setup-node@main"].severity is Severity.LOW
    assert by_action["tj-actions/changed-files@v41"].line == 8


def test_pinned_or_first_party_tagged_actions_pass(rule):
    steps = "      - uses: pnpm/action-setup@" + "b" * 40 + "\n      - run: npm test\n"
    result = rule(
        "ci.unpinned-actions", {".github/workflows/ci.yml": workflow("on: push\n", steps)}
    )
    assert result.status is Status.PASSED


# --- ci.secrets-echoed -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [
        "      - run: echo ${{ secrets.NPM_TOKEN }}\n",
        '      - run: |\n          set -x\n          curl -H "Auth: ${{ secrets.API }}" x\n',
        "      - run: echo $DEPLOY\n        env:\n          DEPLOY: ${{ secrets.DEPLOY_KEY }}\n",
        '      - run: echo "token is $GITHUB_TOKEN"\n',
    ],
)
def test_secrets_printed_to_the_log(rule, step):
    files = {".github/workflows/ci.yml": workflow("on: push\n", step)}
    result = rule("ci.secrets-echoed", files)
    assert result.status is Status.FAILED
    finding = result.findings[0]
    assert finding.path == ".github/workflows/ci.yml"
    assert finding.reason
    assert finding.line in {8, 9}


def test_secrets_used_without_printing(rule):
    steps = (
        '      - run: echo "$TOKEN" | docker login ghcr.io -u me --password-stdin\n'
        "        env:\n          TOKEN: ${{ secrets.GHCR }}\n"
        '      - run: echo "::add-mask::$TOKEN"\n'
        '      - run: echo "NPM=${{ secrets.NPM }}" >> .npmrc\n'
        "      - run: echo building $GITHUB_SHA\n"
    )
    result = rule("ci.secrets-echoed", {".github/workflows/ci.yml": workflow("on: push\n", steps)})
    assert result.status is Status.PASSED


def test_gitlab_secret_echoed(rule):
    text = "deploy:\n  script:\n    - echo $CI_JOB_TOKEN\n    - ./deploy.sh\n"
    result = rule("ci.secrets-echoed", {".gitlab-ci.yml": text})
    assert result.status is Status.FAILED
    assert result.findings[0].line == 3


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- just\n- a list\n",
        "on: [push\n",
        "a: &a [*a]\n",
        "on: push\njobs:\n  x: !!python/object/apply:os.system ['true']\n",
        "x" * 300_000,
        "on: push\njobs: 3\n",
        "on: {push: {branches: 5}}\njobs:\n  t:\n    steps: [{run: 7}, 3, null]\n",
        "a: &a [x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\non: push\njobs: {t: {steps: *c}}\n",
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        ".circleci/config.yml",
        "bitbucket-pipelines.yml",
        "netlify.toml",
        "vercel.json",
    ],
)
def test_bad_ci_config_never_crashes(scan_repo, path, text):
    report = scan_repo({path: text, "package.json": PKG}, rules=CI_RULES)
    assert report.errors == []
    for rule_id in CI_RULES:
        assert report.result(rule_id).error is None


def test_line_numbers_survive_parsing():
    doc, problem, _ = load_yaml("name: x\non:\n  push:\n    branches: [a]\n")
    assert problem is None
    assert doc.line_of(True) == 2  # noqa: FBT003 - YAML 1.1 reads `on` as True
    parsed = parse_github(
        "w.yml", "on: push\njobs:\n  t:\n    steps:\n      - run: x\n", Branches.of(None)
    )
    assert parsed.jobs[0].steps[0].line == 5


def test_gitlab_include_is_unknown_not_a_broken_file(rule):
    files = {".gitlab-ci.yml": "include:\n  - template: Nodejs.gitlab-ci.yml\n"}
    assert rule("ci.runs-tests", files).status is Status.NOT_APPLICABLE
    assert rule("ci.never-triggers", files).status is Status.PASSED


def test_gitlab_manual_job_does_not_run_by_itself(rule):
    text = "test:\n  script: pytest\n  when: manual\n"
    result = rule("ci.runs-tests", {".gitlab-ci.yml": text})
    assert result.status is Status.FAILED
    ruled = "test:\n  script: pytest\n  rules:\n    - if: $CI_COMMIT_BRANCH\n      when: manual\n"
    assert rule("ci.runs-tests", {".gitlab-ci.yml": ruled}).status is Status.FAILED


def test_snippets_never_carry_an_inline_credential(rule):
    inline = "ghp" + "_" + "A1b2C3d4" * 5
    step = f"      - run: echo $API_TOKEN && curl -u me:{inline} https://x.invalid\n"
    result = rule("ci.secrets-echoed", {".github/workflows/ci.yml": workflow("on: push\n", step)})
    assert result.status is Status.FAILED
    assert inline not in (result.findings[0].snippet or "")
    assert "ghp_" in result.findings[0].snippet
