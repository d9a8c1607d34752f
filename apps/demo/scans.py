"""Demo scans for seed_demo: two snapshots of a Lovable export, as delivered and after the
agency's first week on it, scanned by the real engine and stored through the worker's own
services. The demo then shows findings, checklist items verified by scan or reopened by a gap,
and a rescan's diff, without a network or a git server (demo data cannot clone anything).

The credential-shaped values are made up at run time from a seeded generator: they have the
shapes the rules look for and grant nothing anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from apps.projects.models import Activity, Project
from apps.scans import services
from apps.scans.engine import scan_directory
from apps.scans.models import Scan

_ALNUM = string.ascii_letters + string.digits


def _made_up(rng: random.Random, length: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _b64url(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _service_role_jwt(rng: random.Random, ref: str) -> str:
    header = _b64url({"alg": "HS256", "typ": "JWT"})
    claims = _b64url({"iss": "supabase", "ref": ref, "role": "service_role", "iat": 1735689600})
    return f"{header}.{claims}.{_made_up(rng, 43, _ALNUM + '-_')}"


def _package_json(
    *, scripts: dict[str, str], dependencies: dict[str, str], dev_dependencies: dict[str, str]
) -> str:
    return json.dumps(
        {
            "name": "merchant-dashboard",
            "private": True,
            "scripts": scripts,
            "dependencies": dependencies,
            "devDependencies": dev_dependencies,
        },
        indent=2,
    )


def prototype_snapshots(seed: int) -> tuple[dict[str, str], dict[str, str]]:
    """(as delivered, after the first week): file path -> content."""
    rng = random.Random(seed)  # noqa: S311 - made-up demo values, not secrets
    ref = _made_up(rng, 20, string.ascii_lowercase)
    stripe = "sk_" + "live_" + _made_up(rng, 24)
    service_role = _service_role_jwt(rng, ref)
    app = """import { createClient } from '@supabase/supabase-js'

export const supabase = createClient(
  import.meta.env.VITE_SUPABASE_URL,
  import.meta.env.VITE_SUPABASE_SERVICE_ROLE_KEY,
)
"""
    delivered = {
        "README.md": "# Merchant dashboard\n\nBuilt with [Lovable](https://lovable.dev).\n",
        "package.json": _package_json(
            scripts={"dev": "vite", "build": "vite build"},
            dependencies={
                "react": "^18.3.1",
                "react-dom": "^18.3.1",
                "@supabase/supabase-js": "^2.45.0",
                "stripe": "^16.2.0",
            },
            dev_dependencies={"vite": "^5.4.0", "lovable-tagger": "^1.1.0"},
        ),
        "vite.config.ts": (
            "import { defineConfig } from 'vite'\nimport react from '@vitejs/plugin-react'\n"
            "import { componentTagger } from 'lovable-tagger'\n\n"
            "export default defineConfig({ plugins: [react(), componentTagger()] })\n"
        ),
        "index.html": '<div id="root"></div><script type="module" src="/src/main.tsx"></script>\n',
        "src/main.tsx": (
            "import React from 'react'\nimport { createRoot } from 'react-dom/client'\n"
            "import App from './App'\n\n"
            "createRoot(document.getElementById('root')!).render(<App />)\n"
        ),
        "src/App.tsx": (
            "import { supabase } from './lib/supabase'\n\n"
            "export default function App() {\n  return <h1>Payouts</h1>\n}\n"
        ),
        "src/lib/supabase.ts": app,
        "src/lib/stripe.ts": f"// TODO move to the server\nexport const stripeKey = '{stripe}'\n",
        ".env": (
            f"VITE_SUPABASE_URL=https://{ref}.supabase.co\n"
            f"VITE_SUPABASE_SERVICE_ROLE_KEY={service_role}\n"
        ),
        "supabase/config.toml": "[functions.payout]\nverify_jwt = false\n",
        "supabase/migrations/20250102090000_init.sql": (
            "create table public.merchants (id uuid primary key, name text not null);\n"
            "create table public.payouts (\n  id uuid primary key,\n"
            "  merchant_id uuid references public.merchants (id),\n"
            "  amount_cents integer not null\n);\n"
            "alter table public.merchants enable row level security;\n"
            'create policy "anyone" on public.merchants for all using (true);\n'
        ),
    }
    after = {
        **{k: v for k, v in delivered.items() if k not in (".env", "src/lib/stripe.ts")},
        "package.json": _package_json(
            scripts={"dev": "vite", "build": "vite build", "test": "vitest run"},
            dependencies={
                "react": "18.3.1",
                "react-dom": "18.3.1",
                "@supabase/supabase-js": "2.45.0",
                "@sentry/react": "8.26.0",
                "zod": "3.23.8",
            },
            dev_dependencies={"vite": "5.4.0", "vitest": "2.0.5"},
        ),
        "package-lock.json": json.dumps(
            {"name": "merchant-dashboard", "lockfileVersion": 3, "packages": {}}
        ),
        "src/lib/supabase.ts": app.replace("SERVICE_ROLE_KEY", "ANON_KEY"),
        "src/main.tsx": (
            "import * as Sentry from '@sentry/react'\n"
            + delivered["src/main.tsx"].replace(
                "import App from './App'\n",
                "import App from './App'\n\n"
                "Sentry.init({ dsn: import.meta.env.VITE_SENTRY_DSN })\n",
            )
        ),
        "src/App.test.tsx": (
            "import { test, expect } from 'vitest'\n\n"
            "test('formats cents', () => expect((1234 / 100).toFixed(2)).toBe('12.34'))\n"
        ),
        ".env.example": "VITE_SUPABASE_URL=\nVITE_SUPABASE_ANON_KEY=\nVITE_SENTRY_DSN=\n",
        ".github/workflows/ci.yml": (
            "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n      - run: npm ci\n      - run: npm test\n"
        ),
        ".github/dependabot.yml": (
            "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n"
            "    schedule:\n      interval: weekly\n"
        ),
        "supabase/config.toml": "[functions.payout]\nverify_jwt = true\n",
        # zod listed and used: a payout is checked before it is sent.
        "src/lib/payout.ts": (
            "import { z } from 'zod'\n\n"
            "const Payout = z.object({ amountCents: z.number().int().positive() })\n\n"
            "export const parsePayout = (input: unknown) => Payout.parse(input)\n"
        ),
        "supabase/migrations/20250109090000_rls.sql": (
            "alter table public.payouts enable row level security;\n"
            'drop policy "anyone" on public.merchants;\n'
            'create policy "own merchant" on public.merchants for select\n'
            "  using (auth.uid() = id);\n"
            'create policy "own payouts" on public.payouts for select\n'
            "  using (auth.uid() = merchant_id);\n"
        ),
    }
    return delivered, after


def _commit_sha(files: dict[str, str]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return digest.hexdigest()


def record_scan(
    *,
    project: Project,
    files: dict[str, str],
    requested_by,
    finished_at: datetime,
    previous: Scan | None = None,
) -> Scan:
    """Scan `files` as the worker would scan a clone of them and store the result."""
    began = timezone.now()
    scan = Scan.objects.create(
        agency=project.agency,
        project=project,
        repository_url=project.repository_url,
        requested_by=requested_by,
        previous=previous,
    )
    run_token = services.scan_claim(agency=project.agency, scan_id=scan.pk)
    if run_token is None:  # a scan queued a moment ago is always there to claim
        raise RuntimeError(f"The demo scan {scan.pk} could not be claimed.")
    with tempfile.TemporaryDirectory(prefix="launchpad-demo-") as work:
        root = Path(work)
        for path, content in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(content)
        report = scan_directory(root)
    seconds = report.timings.get("total_seconds", 0.05)
    services.scan_complete(
        scan_id=scan.pk,
        run_token=run_token,
        report=report,
        commit_sha=_commit_sha(files),
        timings={"clone": 1.2, "scan": seconds},
    )
    # The demo's history is spread over past days; the engine ran just now. The scan and
    # what it wrote to the engagement's feed are dated when the story says it happened.
    Scan.objects.filter(pk=scan.pk).update(
        created_at=finished_at - timedelta(seconds=40),
        started_at=finished_at - timedelta(seconds=30),
        finished_at=finished_at,
    )
    Activity.objects.for_agency(project.agency).filter(
        project=project, created_at__gte=began
    ).update(created_at=finished_at)
    scan.refresh_from_db()
    return scan


def seed_project_scans(
    *, project: Project, requested_by, seed: int, delivered_at: datetime, rescanned_at: datetime
) -> list[Scan]:
    """The prototype scanned as delivered, and rescanned after the first fixes. Does nothing
    when the engagement already has scans."""
    if Scan.objects.for_agency(project.agency).filter(project=project).exists():
        return []
    delivered, after = prototype_snapshots(seed)
    first = record_scan(
        project=project, files=delivered, requested_by=requested_by, finished_at=delivered_at
    )
    second = record_scan(
        project=project,
        files=after,
        requested_by=requested_by,
        finished_at=rescanned_at,
        previous=first,
    )
    return [first, second]
