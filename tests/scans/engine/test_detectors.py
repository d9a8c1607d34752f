"""Platform and stack detectors: each one fires on the traces its tool or framework leaves,
and stays quiet on look-alikes."""

from __future__ import annotations

import json

import pytest

from apps.scans.engine import Status


def package_json(deps: dict | None = None, dev: dict | None = None, **extra) -> str:
    return json.dumps(
        {"name": "app", "dependencies": deps or {}, "devDependencies": dev or {}, **extra}, indent=2
    )


VITE_REACT = package_json({"react": "^18.3.1", "react-dom": "^18.3.1"}, {"vite": "^5.4.1"})


# --- platforms ---------------------------------------------------------------------------------


def test_lovable_from_lovable_tagger(rule):
    result = rule(
        "platform.lovable",
        {
            "package.json": package_json(
                {"react": "^18"}, {"lovable-tagger": "^1.1.7", "vite": "^5"}
            )
        },
    )
    assert result.status is Status.PASSED
    assert result.detection.id == "lovable"
    assert result.detection.confidence == "high"
    assert result.evidence[0].path == "package.json"
    assert result.evidence[0].line == 7


def test_lovable_from_gpt_engineer_script(rule):
    html = '<script src="https://cdn.gpteng.co/gptengineer.js" type="module"></script>'
    result = rule("platform.lovable", {"index.html": html})
    assert result.status is Status.PASSED


def test_lovable_not_detected_in_plain_vite_app(rule):
    result = rule("platform.lovable", {"package.json": VITE_REACT, "index.html": "<div id=root>"})
    assert result.status is Status.NOT_APPLICABLE
    assert result.detection is None


def test_v0_from_layout_generator_metadata(rule):
    layout = "export const metadata = {\n  title: 'App',\n  generator: 'v0.app',\n}\n"
    result = rule("platform.v0", {"app/layout.tsx": layout, "components.json": "{}"})
    assert result.status is Status.PASSED
    assert any(e.path == "app/layout.tsx" and e.line == 3 for e in result.evidence)


def test_v0_from_readme(rule):
    readme = "# app\n\n*Automatically synced with your [v0.dev](https://v0.dev) deployments*\n"
    assert rule("platform.v0", {"README.md": readme}).status is Status.PASSED


def test_v0_not_detected_from_shadcn_components_json_alone(rule):
    result = rule("platform.v0", {"components.json": '{"style": "default"}'})
    assert result.status is Status.NOT_APPLICABLE
    assert result.summary.startswith("Weak hints")


def test_replit_from_dot_replit(rule):
    result = rule("platform.replit", {".replit": 'run = "npm run dev"\n', "replit.nix": "{}"})
    assert result.status is Status.PASSED
    assert result.detection.score == 6


def test_replit_from_vite_plugins(rule):
    pkg = package_json({}, {"@replit/vite-plugin-runtime-error-modal": "^0.0.3"})
    assert rule("platform.replit", {"package.json": pkg}).status is Status.PASSED


def test_replit_not_detected(rule):
    assert rule("platform.replit", {"README.md": "# replit-free"}).status is Status.NOT_APPLICABLE


def test_bolt_from_bolt_folder(rule):
    result = rule("platform.bolt", {".bolt/config.json": '{"template": "bolt-vite-react-ts"}'})
    assert result.status is Status.PASSED
    assert result.evidence[0].path == ".bolt/config.json"


def test_bolt_not_detected_from_word_bolt(rule):
    result = rule("platform.bolt", {"README.md": "Tighten every bolt before shipping."})
    assert result.status is Status.NOT_APPLICABLE


def test_cursor_from_cursorrules(rule):
    assert rule("platform.cursor", {".cursorrules": "Use TypeScript."}).status is Status.PASSED


def test_cursor_from_rules_folder(rule):
    result = rule("platform.cursor", {".cursor/rules/style.mdc": "---\n---\nUse zod."})
    assert result.status is Status.PASSED


def test_cursor_not_detected(rule):
    assert rule("platform.cursor", {"src/cursor.ts": "export {}"}).status is Status.NOT_APPLICABLE


def test_generator_outranks_editor_as_primary_platform(scan_repo):
    report = scan_repo(
        {
            ".cursorrules": "rules",
            "package.json": package_json({}, {"lovable-tagger": "^1"}),
        }
    )
    assert report.platform.id == "lovable"
    assert [p.id for p in report.platforms] == ["lovable", "cursor"]


def test_no_platform_on_hand_written_repo(scan_repo):
    report = scan_repo({"main.py": "print('hi')\n"})
    assert report.platform is None
    assert report.platforms == []


# --- stack -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "files", "name"),
    [
        ("stack.react-vite", {"package.json": VITE_REACT}, "React (Vite)"),
        (
            "stack.nextjs",
            {"package.json": package_json({"next": "14.2.3", "react": "^18"})},
            "Next.js",
        ),
        ("stack.nextjs", {"next.config.mjs": "export default {}"}, "Next.js"),
        ("stack.vue", {"package.json": package_json({"vue": "^3.4.0"})}, "Vue"),
        ("stack.vue", {"src/App.vue": "<template></template>"}, "Vue"),
        (
            "stack.svelte",
            {"package.json": package_json({}, {"@sveltejs/kit": "^2", "svelte": "^4"})},
            "SvelteKit",
        ),
        ("stack.svelte", {"svelte.config.js": "export default {}"}, "Svelte"),
        ("stack.express", {"package.json": package_json({"express": "^4.19.2"})}, "Express"),
        ("stack.django", {"requirements.txt": "Django==5.0.6\n"}, "Django"),
        (
            "stack.django",
            {"manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x')\n"},
            "Django",
        ),
        (
            "stack.flask",
            {"pyproject.toml": '[project]\nname="x"\ndependencies=["flask>=3"]\n'},
            "Flask",
        ),
        ("stack.fastapi", {"requirements.txt": "fastapi==0.111.0\nuvicorn\n"}, "FastAPI"),
        (
            "stack.supabase",
            {"package.json": package_json({"@supabase/supabase-js": "^2.43.4"})},
            "Supabase",
        ),
        ("stack.supabase", {"supabase/config.toml": 'project_id = "x"\n'}, "Supabase"),
        ("stack.firebase", {"firebase.json": "{}"}, "Firebase"),
        ("stack.firebase", {"package.json": package_json({"firebase": "^10.12.0"})}, "Firebase"),
    ],
)
def test_stack_detected(rule, rule_id, files, name):
    result = rule(rule_id, files)
    assert result.status is Status.PASSED, result.summary
    assert result.detection.name == name


@pytest.mark.parametrize(
    ("rule_id", "files"),
    [
        ("stack.react-vite", {"package.json": package_json({"react": "^18", "next": "14"})}),
        ("stack.nextjs", {"package.json": VITE_REACT}),
        ("stack.vue", {"package.json": VITE_REACT}),
        ("stack.svelte", {"package.json": VITE_REACT}),
        ("stack.express", {"package.json": package_json({"fastify": "^4"})}),
        ("stack.django", {"requirements.txt": "django-environ==0.11\n"}),
        ("stack.flask", {"requirements.txt": "flask-cors==4.0\n"}),
        ("stack.fastapi", {"requirements.txt": "starlette==0.37\n"}),
        ("stack.supabase", {"package.json": package_json({"@neondatabase/serverless": "^0.9"})}),
        ("stack.firebase", {"package.json": package_json({"firebase-tools-lite": "^1"})}),
    ],
)
def test_stack_not_detected(rule, rule_id, files):
    result = rule(rule_id, files)
    assert result.status is Status.NOT_APPLICABLE
    assert result.detection is None


def test_stack_version_comes_from_the_manifest(rule):
    result = rule("stack.nextjs", {"package.json": package_json({"next": "^14.2.3"})})
    assert result.detection.version == "14.2.3"


def test_report_lists_stack_separately_from_checks(scan_repo):
    report = scan_repo(
        {
            "package.json": package_json(
                {"react": "^18.3.1", "@supabase/supabase-js": "^2"}, {"vite": "^5"}
            )
        }
    )
    assert [d.name for d in report.stack] == ["React (Vite)", "Supabase"]
    assert all(r.kind == "check" for r in report.results)
    assert all(r.kind == "detector" for r in report.detections)
    assert not any(r.checklist_keys for r in report.detections)
