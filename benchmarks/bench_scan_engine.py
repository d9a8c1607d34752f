"""Scan-engine benchmark: generate a 10,000-file repository (a Lovable-style React/Vite front
end, Supabase migrations and edge functions, a Python service, configs, assets and a few
planted faults), commit it to git with some history (a hundred commits of edits, one of which
adds a key that a later one removes), scan it several times with history reading on, and print
the median time and peak memory.

Target (docs/DESIGN "Targets"): a 10,000-file repository scanned in < 10 s with bounded memory
on the 2-core machine. Each timed scan runs in a fresh interpreter so that its peak RSS is its
own; a separate in-process run under tracemalloc reports the engine's peak Python allocations,
for several repository sizes, to show that memory does not grow with the number of files.

    .venv/bin/python benchmarks/bench_scan_engine.py [--files 10000] [--runs 5] [--commits 100]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.scans.engine import ScanLimits, scan_directory  # noqa: E402
from apps.scans.engine.history import HistoryLimits  # noqa: E402

WORDS = [
    "account", "booking", "invoice", "project", "task", "user", "team", "member", "report",
    "schedule", "payment", "order", "product", "cart", "session", "token", "profile", "setting",
    "message", "thread", "comment", "upload", "export", "import", "dashboard", "metric", "chart",
    "filter", "search", "result", "page", "item", "list", "detail", "form", "field", "value",
]  # fmt: skip


def _ident(rng: random.Random, parts: int = 2) -> str:
    words = [rng.choice(WORDS) for _ in range(parts)]
    return words[0] + "".join(w.capitalize() for w in words[1:])


def tsx_component(rng: random.Random) -> str:
    name = _ident(rng).capitalize()
    body = []
    for _ in range(rng.randint(3, 25)):
        field = _ident(rng)
        body.append(
            f"  const [{field}, set{field.capitalize()}] = useState<string>('');\n"
            f"  useEffect(() => {{\n    if (!{field}) return;\n"
            f"    fetch(`/api/{rng.choice(WORDS)}/${{{field}}}`).then((r) => r.json());\n"
            f"  }}, [{field}]);\n"
        )
    return (
        "import { useEffect, useState } from 'react';\n"
        "import { Button } from '@/components/ui/button';\n"
        "import { supabase } from '@/integrations/supabase/client';\n\n"
        f"export function {name}() {{\n" + "".join(body) + "  return (\n"
        f'    <div className="flex flex-col gap-4 p-4">\n      <h2>{name}</h2>\n'
        "      <Button onClick={() => supabase.from('items').select('*')}>Load</Button>\n"
        "    </div>\n  );\n}\n"
    )


def ts_module(rng: random.Random) -> str:
    lines = ["import { z } from 'zod';\n"]
    for _ in range(rng.randint(3, 30)):
        fn = _ident(rng, 3)
        lines.append(
            f"export const {fn}Schema = z.object({{ id: z.string().uuid(), "
            f"{_ident(rng)}: z.number().int().min(0) }});\n"
            f"export async function {fn}(input: unknown) {{\n"
            f"  const parsed = {fn}Schema.parse(input);\n"
            f"  const key = `{rng.choice(WORDS)}:${{parsed.id}}`;\n"
            f"  return {{ key, ok: true, count: {rng.randint(0, 999)} }};\n}}\n\n"
        )
    return "".join(lines)


def py_module(rng: random.Random) -> str:
    lines = [
        '"""Generated module."""\n\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n'
    ]
    for _ in range(rng.randint(3, 30)):
        fn = "_".join(rng.choice(WORDS) for _ in range(3))
        lines.append(
            f"def {fn}(value: int, *, name: str = '{rng.choice(WORDS)}') -> dict:\n"
            f"    total = sum(range(value))\n"
            f"    logger.info('computed %s for %s', total, name)\n"
            f"    return {{'name': name, 'total': total, 'count': {rng.randint(1, 99)}}}\n\n\n"
        )
    return "".join(lines)


def json_config(rng: random.Random) -> str:
    return json.dumps(
        {
            _ident(rng): {"enabled": rng.random() > 0.5, "limit": rng.randint(1, 100)}
            for _ in range(20)
        },
        indent=2,
    )


def markdown(rng: random.Random) -> str:
    return (
        "# "
        + _ident(rng)
        + "\n\n"
        + " ".join(rng.choice(WORDS) for _ in range(rng.randint(50, 600)))
        + "\n"
    )


def _sql_migration(rng: random.Random, index: int, *, protect: bool) -> str:
    table = f"{rng.choice(WORDS)}_{index}"
    sql = (
        f"create table if not exists public.{table} (\n"
        "  id uuid primary key default gen_random_uuid(),\n"
        "  owner uuid references auth.users not null,\n  created_at timestamptz default now()\n);\n"
    )
    if protect:
        sql += (
            f"alter table public.{table} enable row level security;\n"
            f'create policy "own rows" on public.{table} for all to authenticated\n'
            "  using (auth.uid() = owner) with check (auth.uid() = owner);\n"
        )
    return sql


def generate_repository(root: Path, files: int, seed: int = 7, scale: int = 1) -> None:
    """A deterministic repository with `files` files (outside node_modules); `scale` repeats
    each generated source file's content to make the same tree heavier."""
    rng = random.Random(seed)
    fixed: dict[str, str | bytes] = {
        "package.json": json.dumps(
            {
                "name": "vite_react_shadcn_ts",
                "scripts": {"dev": "vite", "build": "vite build", "test": "vitest run"},
                "dependencies": {
                    "react": "^18.3.1",
                    "@supabase/supabase-js": "^2.50.0",
                    "zod": "^3.23.8",
                },
                "devDependencies": {
                    "vite": "^5.4.1",
                    "lovable-tagger": "^1.1.7",
                    "vitest": "latest",
                },
            },
            indent=2,
        ),
        "vite.config.ts": "import { componentTagger } from 'lovable-tagger';\nexport default {};\n",
        "index.html": '<html><head><meta property="og:image" content="https://lovable.dev/x.png"></head></html>\n',
        "README.md": "# Welcome to your Lovable project\n\nEdit with Lovable.\n",
        "supabase/config.toml": "[functions.notify]\nverify_jwt = false\n",
        "supabase/functions/notify/index.ts": "Deno.serve(() => new Response('ok'));\n",
        # Planted faults: a committed .env with a live-looking key, an open policy.
        ".env": "VITE_SUPABASE_URL=https://abcd.supabase.co\nSTRIPE_SECRET_KEY="
        "sk_"
        "live_"
        + "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH0123456789") for _ in range(24))
        + "\n",
        "supabase/migrations/99990000000000_open.sql": (
            "create table public.leads (id serial primary key, email text);\n"
            'create policy "all" on public.leads for all using (true);\n'
        ),
        "package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {}}),
    }
    for path, content in fixed.items():
        _write(root / path, content)
    # node_modules is skipped by the engine but present, as in a careless export.
    for i in range(200):
        _write(root / "node_modules" / f"pkg{i}" / "index.js", "module.exports = {};\n")

    remaining = files - len(fixed)
    kinds = (
        ("src/components/{d}/{n}.tsx", tsx_component, 0.34),
        ("src/lib/{d}/{n}.ts", ts_module, 0.24),
        ("services/api/{d}/{n}.py", py_module, 0.20),
        ("config/{d}/{n}.json", json_config, 0.06),
        ("docs/{d}/{n}.md", markdown, 0.06),
        ("src/components/{d}/{n}.test.tsx", tsx_component, 0.04),
        ("public/assets/{d}/{n}.png", None, 0.04),
    )
    counts = [int(remaining * share) for *_, share in kinds]
    migrations = remaining - sum(counts)
    for (pattern, make, _), count in zip(kinds, counts, strict=True):
        for i in range(count):
            path = pattern.format(d=f"d{i % 40}", n=f"{_ident(rng)}_{i}")
            if make is None:
                _write(
                    root / path,
                    b"\x89PNG\r\n\x1a\n\x00\x00" + rng.randbytes(rng.randint(200, 4000)),
                )
            else:
                _write(root / path, make(rng) * scale)
    for i in range(migrations):
        name = f"supabase/migrations/2024{i:010d}_m.sql"
        _write(root / name, _sql_migration(rng, i, protect=i % 50 != 0))


_GIT = ("git", "-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", "-c",
        "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0")  # fmt: skip


def _git(repo: Path, *args: str) -> None:
    subprocess.run([*_GIT, *args], cwd=repo, check=True, capture_output=True)


def add_history(root: Path, commits: int, seed: int = 11) -> None:
    """Commit the generated tree, then `commits` more commits that each edit a few source
    files; one early commit adds a key that a later one removes (still in history)."""
    rng = random.Random(seed)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "generated export")
    sources = sorted(str(p.relative_to(root)) for p in root.glob("src/lib/*/*.ts"))
    leak = "src/lib/leaked-config.ts"
    for i in range(commits):
        changed = rng.sample(sources, 3)
        for path in changed:
            with (root / path).open("a") as handle:
                handle.write(ts_module(rng))
        if i == 5:
            body = "".join(
                rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789abcdefghijk") for _ in range(24)
            )
            key = "_".join(("sk", "live", body))  # built here: no key-shaped literal in the file
            (root / leak).write_text(f"export const stripeKey = '{key}';\n")
            changed.append(leak)
        if i == commits // 2:
            (root / leak).unlink()
            _git(root, "rm", "-q", "--cached", leak)
        _git(root, "add", *[p for p in changed if (root / p).exists()])
        _git(root, "commit", "-q", "-m", f"edit {i}")


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


# The scan runs in a fresh interpreter. Its peak RSS is read from /proc/self/status (VmHWM):
# ru_maxrss would also count the benchmark process it was forked from.
_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from apps.scans.engine import scan_directory
from apps.scans.engine.history import HistoryLimits

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

baseline = peak_kb()
started = time.perf_counter()
report = scan_directory({repo!r}, history=HistoryLimits())
elapsed = time.perf_counter() - started
peak = peak_kb()
failed = [r.rule_id for r in report.results if r.failed]
stats = report.stats
history = report.result("secrets.in-history")
print(json.dumps({{"seconds": elapsed, "history": history.summary,
                   "history_findings": len(history.findings),
                   "baseline_kb": baseline, "peak_kb": peak,
                   "files_seen": stats.files_seen, "files_scanned": stats.files_scanned,
                   "bytes_scanned": stats.bytes_scanned, "failed": failed,
                   "timings": report.timings, "errors": len(report.errors)}}))
"""


def timed_run(repo: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(root=str(ROOT), repo=str(repo))],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def traced_peak(repo: Path) -> float:
    """Peak Python allocations during one scan, in MB (tracemalloc slows the scan down)."""
    tracemalloc.start()
    scan_directory(repo, limits=ScanLimits(), history=HistoryLimits())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commits", type=int, default=100, help="history on top of the tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        repo = Path(tmp) / "repo"
        started = time.perf_counter()
        generate_repository(repo, args.files)
        size_mb = sum(f.stat().st_size for f in repo.rglob("*") if f.is_file()) / 1e6
        add_history(repo, args.commits)
        took = time.perf_counter() - started
        print(
            f"generated {args.files:,} files ({size_mb:.1f} MB with node_modules) and "
            f"{args.commits + 1} commits in {took:.1f} s"
        )

        runs = [timed_run(repo) for _ in range(args.runs)]
        seconds = [r["seconds"] for r in runs]
        last = runs[-1]
        text_mb = last["bytes_scanned"] / 1e6
        print(
            f"files seen {last['files_seen']:,}, content-scanned {last['files_scanned']:,} "
            f"({text_mb:.1f} MB of text), errors {last['errors']}"
        )
        phases = ", ".join(
            f"{k.removesuffix('_seconds')} {v:.2f} s" for k, v in last["timings"].items()
        )
        print(f"phases of the last run: {phases}")
        print(
            f"scan time over {args.runs} runs: median {statistics.median(seconds):.2f} s, "
            f"min {min(seconds):.2f} s, max {max(seconds):.2f} s (target < 10 s)"
        )
        peak = max(r["peak_kb"] for r in runs) / 1024
        base = max(r["baseline_kb"] for r in runs) / 1024
        print(
            f"peak RSS of the scanning process: {peak:.0f} MB (interpreter with the engine "
            f"imported: {base:.0f} MB, so the scan itself: +{peak - base:.0f} MB)"
        )
        print(f"failed rules on the generated repository: {', '.join(last['failed'])}")
        print(
            f"history (on in every timed run): {last['history']} "
            f"[{last['history_findings']} finding(s)]"
        )
        print(f"tracemalloc peak, history on, this repository: {traced_peak(repo):5.1f} MB")

        # Bounded memory: content is streamed, so the traced peak follows the number of files
        # (their list is kept, ~0.5 KB each, capped by ScanLimits.max_files), not their size.
        quarter = max(args.files // 4, 100)
        for files, scale in ((quarter, 1), (args.files, 1), (args.files, 4)):
            sub = Path(tmp) / f"repo-{files}-{scale}"
            generate_repository(sub, files, scale=scale)
            text = sum(f.stat().st_size for f in sub.rglob("*") if f.is_file()) / 1e6
            print(
                f"tracemalloc peak, {files:>6,} files, {text:5.0f} MB on disk: "
                f"{traced_peak(sub):5.1f} MB"
            )
            shutil.rmtree(sub)


if __name__ == "__main__":
    main()
