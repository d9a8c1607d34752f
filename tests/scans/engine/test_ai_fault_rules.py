"""Faults typical of AI-built apps: Supabase RLS and policies, verify_jwt, secrets reaching the
browser, open Firebase rules and JWTs trusted without verification."""

from __future__ import annotations

import json

from apps.scans.engine import Severity, Status

from . import gitrepo as g

VITE_APP = json.dumps(
    {
        "dependencies": {"react": "^18", "@supabase/supabase-js": "^2"},
        "devDependencies": {"vite": "^5"},
    }
)


# --- ai.supabase-rls-missing -------------------------------------------------------------------


def test_table_without_rls_fails_at_its_create_line(rule):
    sql = "-- profiles\ncreate table public.profiles (\n  id uuid primary key\n);\n"
    result = rule("ai.supabase-rls-missing", {"supabase/migrations/20240101000000_init.sql": sql})
    assert result.status is Status.FAILED
    finding = result.findings[0]
    assert (finding.path, finding.line) == ("supabase/migrations/20240101000000_init.sql", 2)
    assert "public.profiles" in finding.message
    assert result.checklist_keys == ("security.database-row-level-security",)


def test_rls_enabled_in_a_later_migration_passes(rule):
    first = 'CREATE TABLE IF NOT EXISTS "public"."Todos" (id int);\ncreate table notes (id int);\n'
    second = (
        'ALTER TABLE public."Todos" ENABLE ROW LEVEL SECURITY;\n'
        "alter table only notes enable row level security;\n"
    )
    files = {
        "supabase/migrations/20240101_a.sql": first,
        "supabase/migrations/20240102_b.sql": second,
    }
    result = rule("ai.supabase-rls-missing", files)
    assert result.status is Status.PASSED, result.findings


def test_rls_disabled_later_fails(rule):
    files = {
        "supabase/migrations/1_a.sql": (
            "create table items (id int);\nalter table items enable row level security;\n"
        ),
        "supabase/migrations/2_b.sql": "alter table items disable row level security;\n",
    }
    assert rule("ai.supabase-rls-missing", files).status is Status.FAILED


def test_rls_in_comments_or_strings_does_not_count(rule):
    sql = (
        "create table orders (id int);\n"
        "-- alter table orders enable row level security;\n"
        "select 'alter table orders enable row level security';\n"
    )
    assert rule("ai.supabase-rls-missing", {"supabase/migrations/1.sql": sql}).failed


def test_dropped_and_private_tables_are_ignored(rule):
    sql = (
        "create table tmp_import (id int);\ndrop table if exists tmp_import;\n"
        "create table private.audit (id int);\ncreate temporary table scratch (id int);\n"
    )
    result = rule("ai.supabase-rls-missing", {"supabase/migrations/1.sql": sql})
    assert result.status is Status.NOT_APPLICABLE


def test_rls_not_applicable_without_supabase_sql(rule):
    result = rule("ai.supabase-rls-missing", {"db/schema.sql": "create table x (id int);"})
    assert result.status is Status.NOT_APPLICABLE


# --- ai.supabase-permissive-policy -------------------------------------------------------------

POLICY_SQL = """create table public.posts (id int, user_id uuid);
alter table public.posts enable row level security;
create policy "Anyone can do anything" on public.posts
  for all using (true) with check (true);
create policy "Signed in users read all" on public.posts
  for select to authenticated using (true);
create policy "Own rows" on public.posts
  for update to authenticated using (auth.uid() = user_id);
create policy "Service" on public.posts for all to service_role using (true);
create policy "Narrowing" on public.posts as restrictive for all using (true);
"""


def test_policies_open_to_everyone_fail(rule):
    result = rule("ai.supabase-permissive-policy", {"supabase/migrations/1.sql": POLICY_SQL})
    assert result.status is Status.FAILED
    by_line = {f.line: f.severity for f in result.findings}
    assert by_line == {3: Severity.HIGH, 5: Severity.MEDIUM}
    assert "anyone" in result.findings[0].message


def test_dropped_permissive_policy_passes(rule):
    sql = POLICY_SQL + (
        'drop policy "Anyone can do anything" on public.posts;\n'
        'drop policy if exists "Signed in users read all" on public.posts;\n'
    )
    assert rule("ai.supabase-permissive-policy", {"supabase/migrations/1.sql": sql}).passed


def test_open_storage_upload_policy_fails(rule):
    sql = 'create policy "uploads" on storage.objects for insert to anon with check (true);\n'
    result = rule("ai.supabase-permissive-policy", {"supabase/migrations/1.sql": sql})
    assert result.findings[0].severity is Severity.HIGH


def test_no_policies_is_not_applicable(rule):
    result = rule(
        "ai.supabase-permissive-policy", {"supabase/migrations/1.sql": "create table a (id int);"}
    )
    assert result.status is Status.NOT_APPLICABLE


# --- ai.supabase-verify-jwt-disabled -----------------------------------------------------------

CONFIG_TOML = """project_id = "abc"

[functions.send-email]
verify_jwt = false

[functions.stripe-webhook]
verify_jwt = false

[functions.chat]
verify_jwt = true
"""


def test_verify_jwt_false_fails_unless_the_function_checks_callers(rule):
    files = {
        "supabase/config.toml": CONFIG_TOML,
        "supabase/functions/send-email/index.ts": "Deno.serve(async () => new Response('sent'));\n",
        "supabase/functions/stripe-webhook/index.ts": (
            "const event = await stripe.webhooks.constructEventAsync(body, sig, secret);\n"
        ),
    }
    result = rule("ai.supabase-verify-jwt-disabled", files)
    assert result.status is Status.FAILED
    assert [(f.line, f.severity) for f in result.findings] == [(4, None), (7, Severity.INFO)]
    assert "send-email" in result.findings[0].message
    assert result.checklist_keys == ("security.jwt-verification",)


def test_verify_jwt_true_passes(rule):
    config = "[functions.chat]\nverify_jwt = true\n"
    assert rule("ai.supabase-verify-jwt-disabled", {"supabase/config.toml": config}).passed


def test_verify_jwt_not_applicable_without_config(rule):
    assert rule("ai.supabase-verify-jwt-disabled", {"a.ts": "x"}).status is Status.NOT_APPLICABLE


# --- secrets in client code --------------------------------------------------------------------


def test_secret_named_client_variables_fail(rule):
    files = {
        ".env.example": "VITE_SUPABASE_URL=\nVITE_SUPABASE_ANON_KEY=\nVITE_OPENAI_API_KEY=\n",
        "src/admin.ts": "const key = import.meta.env.VITE_SUPABASE_SERVICE_ROLE_KEY;\n",
        "app/pay.tsx": "const sk = process.env.NEXT_PUBLIC_STRIPE_SECRET_KEY;\n",
    }
    result = rule("ai.client-env-secret-name", files)
    assert result.status is Status.FAILED
    found = {(f.path, f.line) for f in result.findings}
    assert found == {(".env.example", 3), ("src/admin.ts", 1), ("app/pay.tsx", 1)}
    assert result.checklist_keys == ("security.no-secrets-in-client-code",)


def test_public_client_variables_pass(rule):
    files = {
        ".env.example": (
            "VITE_SUPABASE_ANON_KEY=\nNEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=\nVITE_API_URL=\n"
        ),
        "server.ts": "const k = process.env.STRIPE_SECRET_KEY;\n",
    }
    assert rule("ai.client-env-secret-name", files).passed


def test_secret_value_in_client_variable_fails(rule):
    files = {".env": f"VITE_STRIPE_KEY={g.stripe_key()}\n"}
    result = rule("ai.secret-in-client-code", files)
    assert result.status is Status.FAILED
    assert "VITE_STRIPE_KEY" in result.findings[0].message
    assert result.findings[0].severity is Severity.CRITICAL
    assert result.findings[0].snippet.startswith("sk_live_…")


def test_secret_in_bundled_source_fails(rule):
    files = {
        "package.json": VITE_APP,
        "vite.config.ts": "export default {}",
        "src/lib/ai.ts": (
            f'const openai = new OpenAI({{ apiKey: "{g.openai_key()}", '
            "dangerouslyAllowBrowser: true });\n"
        ),
    }
    result = rule("ai.secret-in-client-code", files)
    assert [(f.path, f.line) for f in result.findings] == [("src/lib/ai.ts", 1)]


def test_secret_in_use_client_module_fails(rule):
    files = {"app/checkout/form.tsx": f'"use client";\nconst key = "{g.stripe_key()}";\n'}
    assert rule("ai.secret-in-client-code", files).failed


def test_secret_in_server_code_is_not_a_client_leak(rule):
    files = {
        "package.json": VITE_APP,
        "vite.config.ts": "export default {}",
        "supabase/functions/chat/index.ts": f'const key = "{g.openai_key()}";\n',
        "app/api/route.ts": f'const key = "{g.stripe_key()}";\n',
    }
    assert rule("ai.secret-in-client-code", files).passed


def test_service_role_used_in_frontend_fails(rule):
    files = {
        "package.json": VITE_APP,
        "vite.config.ts": "export default {}",
        "src/integrations/supabase/admin.ts": (
            "// never ship the service_role key\n"
            "export const admin = createClient(\n"
            "  url, import.meta.env.VITE_SUPABASE_SERVICE_ROLE_KEY);\n"
            "await admin.auth.admin.listUsers();\n"
        ),
    }
    result = rule("ai.service-role-in-frontend", files)
    assert result.status is Status.FAILED
    assert [f.line for f in result.findings] == [3, 4]


def test_service_role_comment_is_recognised_after_a_form_feed(rule):
    # The hit's line number counts "\n" only; a form feed before it must not make the rule
    # look at another line and report a comment.
    files = {
        "package.json": VITE_APP,
        "vite.config.ts": "export default {}",
        "src/lib/admin.ts": (
            "export {};\x0c\nconst url = '';\n// the service_role key stays on the server\n"
        ),
    }
    assert rule("ai.service-role-in-frontend", files).passed


def test_service_role_in_edge_function_is_fine(rule):
    files = {
        "package.json": VITE_APP,
        "vite.config.ts": "export default {}",
        "supabase/functions/admin/index.ts": "const k = Deno.env.get('SUPABASE_SERVICE_ROLE_KEY');",
    }
    assert rule("ai.service-role-in-frontend", files).passed


def test_service_role_jwt_in_client_file_fails(rule):
    files = {"public/config.js": f'window.SUPABASE_KEY = "{g.supabase_key()}";\n'}
    result = rule("ai.service-role-in-frontend", files)
    assert result.findings[0].path == "public/config.js"


def test_service_role_rule_not_applicable_without_supabase(rule):
    result = rule("ai.service-role-in-frontend", {"src/a.ts": "export {}"})
    assert result.status is Status.NOT_APPLICABLE


# --- ai.firebase-open-rules --------------------------------------------------------------------

OPEN_FIRESTORE = """rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read, write: if true;
    }
    match /public/{id} {
      allow read;
    }
    match /legacy/{id} {
      // allow write: if true;
      allow write: if request.time < timestamp.date(2025, 1, 1);
    }
  }
}
"""


def test_open_firestore_rules_fail(rule):
    result = rule("ai.firebase-open-rules", {"firestore.rules": OPEN_FIRESTORE})
    assert result.status is Status.FAILED
    assert {f.line: f.severity for f in result.findings} == {
        5: Severity.CRITICAL,
        8: Severity.HIGH,
        12: Severity.CRITICAL,
    }
    assert "test-mode" in next(f.message for f in result.findings if f.line == 12)


def test_authenticated_rules_pass(rule):
    rules = (
        "match /users/{uid} {\n"
        "  allow read, write: if request.auth != null && request.auth.uid == uid;\n}\n"
    )
    assert rule("ai.firebase-open-rules", {"firestore.rules": rules}).passed


def test_open_realtime_database_rules_fail(rule):
    rules = '{\n  "rules": {\n    ".read": true,\n    ".write": "auth != null"\n  }\n}\n'
    result = rule("ai.firebase-open-rules", {"database.rules.json": rules})
    assert [(f.line, f.severity) for f in result.findings] == [(3, Severity.HIGH)]


def test_firebase_rules_not_applicable(rule):
    assert rule("ai.firebase-open-rules", {"firebase.json": "{}"}).status is Status.NOT_APPLICABLE


# --- ai.jwt-verification-disabled --------------------------------------------------------------


def test_pyjwt_without_signature_check_fails(rule):
    code = "import jwt\nclaims = jwt.decode(token, options={'verify_signature': False})\n"
    files = {"requirements.txt": "pyjwt==2.8.0\n", "api/auth.py": code}
    result = rule("ai.jwt-verification-disabled", files)
    assert [(f.path, f.line) for f in result.findings] == [("api/auth.py", 2)]


def test_hand_decoded_jwt_on_the_server_fails(rule):
    code = "const payload = JSON.parse(atob(token.split('.')[1]));\nconst userId = payload.sub;\n"
    files = {"supabase/functions/delete-account/index.ts": code}
    assert rule("ai.jwt-verification-disabled", files).failed


def test_hand_decoded_jwt_in_the_browser_is_harmless(rule):
    code = "const payload = JSON.parse(atob(session.access_token.split('.')[1]));\n"
    files = {"package.json": VITE_APP, "vite.config.ts": "x", "src/hooks/useRole.ts": code}
    assert rule("ai.jwt-verification-disabled", files).passed


def test_verified_jwt_passes(rule):
    files = {
        "package.json": json.dumps({"dependencies": {"jsonwebtoken": "^9"}}),
        "server.js": "const claims = jwt.verify(token, process.env.JWT_SECRET);\n",
    }
    assert rule("ai.jwt-verification-disabled", files).passed


def test_jwt_rule_not_applicable_without_token_handling(rule):
    assert (
        rule("ai.jwt-verification-disabled", {"a.py": "print(1)"}).status is Status.NOT_APPLICABLE
    )
