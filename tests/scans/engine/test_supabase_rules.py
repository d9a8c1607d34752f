"""Supabase exposure judged by what is exposed: permissive policies rated by role, command and
columns, privilege columns users can set, SECURITY DEFINER search_path, views that bypass RLS
and public storage buckets. (RLS-missing and verify_jwt tests live in test_ai_fault_rules.py.)"""

from __future__ import annotations

from apps.scans.engine import Severity, Status

MIGRATION = "supabase/migrations/20240101000000_init.sql"

PROFILES = """create table public.profiles (
  id uuid primary key references auth.users,
  full_name text,
  email text not null,
  phone_number text,
  email_verified boolean
);
alter table public.profiles enable row level security;
"""


# --- ai.supabase-permissive-policy: severity by what the table holds ----------------------------


def test_read_policy_on_personal_data_is_high_and_names_the_columns(rule):
    sql = PROFILES + (
        'create policy "Public profiles" on public.profiles for select using (true);\n'
        "create table public.countries (code text primary key, name text);\n"
        "alter table public.countries enable row level security;\n"
        'create policy "Countries" on public.countries for select to anon using (true);\n'
    )
    result = rule("ai.supabase-permissive-policy", {MIGRATION: sql})
    assert result.status is Status.FAILED
    by_table = {f.message.split(" of ")[-1]: f for f in result.findings}
    personal = by_table["public.profiles."]
    assert personal.severity is Severity.HIGH
    assert "email" in personal.reason
    assert "phone_number" in personal.reason
    assert "email_verified" not in personal.reason
    assert personal.snippet.startswith("create policy")
    lookup = by_table["public.countries."]
    assert lookup.severity is Severity.INFO
    assert "lookup" in lookup.reason


def test_lookup_tables_alone_only_note_and_pass(rule):
    sql = (
        "create table public.plans (id int, name text, price_cents int);\n"
        'create policy "Plans" on public.plans for select using (true);\n'
    )
    result = rule("ai.supabase-permissive-policy", {MIGRATION: sql})
    assert result.status is Status.PASSED
    assert "lookup" in result.evidence[0].detail


def test_lookup_named_table_with_an_owner_column_is_ordinary(rule):
    sql = (
        "create table public.categories (id int, user_id uuid, name text);\n"
        'create policy "Cats" on public.categories for select using (true);\n'
    )
    result = rule("ai.supabase-permissive-policy", {MIGRATION: sql})
    assert result.findings[0].severity is Severity.MEDIUM


def test_anyone_changing_personal_rows_is_critical_and_columns_added_later_count(rule):
    first = "create table public.patients (id uuid primary key, notes text);\n"
    second = (
        "alter table public.patients add column date_of_birth date, add column iban text;\n"
        'create policy "All" on public.patients for update using (true);\n'
        'create policy "Signed" on public.patients for delete to authenticated using (true);\n'
        'create policy "Contact" on public.patients for insert to authenticated '
        "with check (true);\n"
    )
    files = {
        "supabase/migrations/1_a.sql": first,
        "supabase/migrations/2_b.sql": second,
    }
    result = rule("ai.supabase-permissive-policy", files)
    by_line = {f.line: f.severity for f in result.findings}
    assert by_line == {2: Severity.CRITICAL, 3: Severity.HIGH, 4: Severity.MEDIUM}
    assert "date_of_birth" in result.findings[0].reason


def test_dropped_column_no_longer_raises_severity(rule):
    sql = PROFILES + (
        "alter table public.profiles drop column email, drop column if exists phone_number;\n"
        'create policy "Read" on public.profiles for select to authenticated using (true);\n'
    )
    result = rule("ai.supabase-permissive-policy", {MIGRATION: sql})
    assert result.findings[0].severity is Severity.MEDIUM


# --- ai.supabase-privilege-escalation ----------------------------------------------------------

ROLE_TABLE = """create table public.profiles (
  id uuid primary key,
  display_name text,
  role text default 'user',
  credits int default 10
);
alter table public.profiles enable row level security;
create policy "Own profile" on public.profiles
  for update to authenticated using (auth.uid() = id);
"""


def test_role_column_users_update_on_their_own_row_fails(rule):
    result = rule("ai.supabase-privilege-escalation", {MIGRATION: ROLE_TABLE})
    assert result.status is Status.FAILED
    columns = sorted(f.message.split(" update ")[1].split(" ")[0] for f in result.findings)
    assert columns == ["profiles.credits", "profiles.role"]
    assert result.findings[0].line == 8
    assert "no WITH CHECK" in result.findings[0].reason


def test_role_column_guarded_by_check_grant_or_trigger_passes(rule):
    sql = ROLE_TABLE.replace(
        "using (auth.uid() = id);",
        "using (auth.uid() = id)\n  with check (auth.uid() = id and role = 'user');",
    ) + (
        "revoke update on public.profiles from authenticated, anon;\n"
        "grant update (display_name) on public.profiles to authenticated;\n"
    )
    result = rule("ai.supabase-privilege-escalation", {MIGRATION: sql})
    assert result.status is Status.PASSED, result.findings
    details = " ".join(e.detail for e in result.evidence)
    assert "pins it" in details
    assert "other columns only" in details


def test_trigger_reading_new_column_guards_it(rule):
    sql = ROLE_TABLE.replace("  credits int default 10\n", "").replace(
        "role text default 'user',", "role text default 'user'"
    ) + (
        "create function public.keep_role() returns trigger language plpgsql as $$\n"
        "begin\n  if new.role <> old.role then raise exception 'no'; end if;\n"
        "  return new;\nend;\n$$;\n"
        "create trigger keep_role before update on public.profiles\n"
        "  for each row execute function public.keep_role();\n"
    )
    result = rule("ai.supabase-privilege-escalation", {MIGRATION: sql})
    assert result.status is Status.PASSED, result.findings


def test_column_revoke_alone_does_not_guard(rule):
    sql = ROLE_TABLE + "revoke update (role, credits) on public.profiles from authenticated;\n"
    assert rule("ai.supabase-privilege-escalation", {MIGRATION: sql}).failed


def test_no_privilege_column_is_not_applicable(rule):
    result = rule("ai.supabase-privilege-escalation", {MIGRATION: PROFILES})
    assert result.status is Status.NOT_APPLICABLE


# --- ai.supabase-security-definer-search-path --------------------------------------------------

DEFINER = """create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
as $$
begin
  insert into public.profiles (id) values (new.id);
  return new;
end;
$$;
"""


def test_security_definer_without_search_path_fails(rule):
    result = rule("ai.supabase-security-definer-search-path", {MIGRATION: DEFINER})
    assert result.status is Status.FAILED
    finding = result.findings[0]
    assert finding.line == 1
    assert "public.handle_new_user" in finding.message
    assert finding.reason


def test_search_path_set_inline_or_later_passes(rule):
    inline = DEFINER.replace("security definer\n", "security definer set search_path = ''\n")
    later = DEFINER + "alter function public.handle_new_user() set search_path = public;\n"
    for sql in (inline, later):
        result = rule("ai.supabase-security-definer-search-path", {MIGRATION: sql})
        assert result.status is Status.PASSED


def test_keywords_inside_a_function_body_are_not_options(rule):
    sql = (
        "create function public.f() returns void language sql as $$\n"
        "  select 'security definer';\n$$;\n"
    )
    result = rule("ai.supabase-security-definer-search-path", {MIGRATION: sql})
    assert result.status is Status.NOT_APPLICABLE


# --- ai.supabase-view-bypasses-rls -------------------------------------------------------------


def test_view_over_rls_table_without_security_invoker_fails(rule):
    sql = "".join(
        (
            PROFILES,
            "create view public.profile_directory as\n  select id, email from public.profiles;\n",
            "create view public.users_view as select id, email from auth.users;\n",
        )
    )
    result = rule("ai.supabase-view-bypasses-rls", {MIGRATION: sql})
    assert result.status is Status.FAILED
    assert [f.severity for f in result.findings] == [Severity.HIGH, Severity.HIGH]
    assert "security_invoker" in result.findings[0].reason


def test_security_invoker_view_or_revoked_view_passes(rule):
    sql = "".join(
        (
            PROFILES,
            "create view public.v1 with (security_invoker = true) as select id from profiles;\n",
            "create view public.v2 as select id from profiles;\n",
            "alter view public.v2 set (security_invoker = on);\n",
            "create view public.v3 as select id from profiles;\n",
            "revoke all on public.v3 from anon, authenticated;\n",
        )
    )
    result = rule("ai.supabase-view-bypasses-rls", {MIGRATION: sql})
    assert result.status is Status.PASSED, result.findings


# --- ai.supabase-public-bucket -----------------------------------------------------------------


def test_public_buckets_rated_by_name(rule):
    sql = (
        "insert into storage.buckets (id, name, public)\n"
        "values ('avatars', 'avatars', true), ('invoices', 'invoices', true),\n"
        "  ('files', 'files', false);\n"
        "update storage.buckets set public = true where id = 'files';\n"
        'create policy "Read kyc" on storage.objects for select to anon\n'
        "  using (bucket_id = 'kyc-documents');\n"
    )
    result = rule("ai.supabase-public-bucket", {MIGRATION: sql})
    assert result.status is Status.FAILED
    by_name = {f.message.split("'")[1]: f.severity for f in result.findings}
    assert by_name == {
        "avatars": Severity.INFO,
        "invoices": Severity.HIGH,
        "files": Severity.MEDIUM,
        "kyc-documents": Severity.HIGH,
    }


def test_public_bucket_in_config_toml(rule):
    config = '[storage.buckets.contracts]\npublic = true\nfile_size_limit = "50MiB"\n'
    result = rule("ai.supabase-public-bucket", {"supabase/config.toml": config})
    assert result.findings[0].severity is Severity.HIGH
    assert result.findings[0].line == 2


def test_private_buckets_and_owner_policies_pass(rule):
    sql = (
        "insert into storage.buckets (id, name, public) values ('docs', 'docs', false);\n"
        'create policy "Own files" on storage.objects for select to authenticated\n'
        "  using (bucket_id = 'docs' and auth.uid() = owner);\n"
        "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);\n"
    )
    result = rule("ai.supabase-public-bucket", {MIGRATION: sql})
    assert result.status is Status.PASSED, result.findings


def test_no_bucket_is_not_applicable(rule):
    result = rule("ai.supabase-public-bucket", {MIGRATION: "create table a (id int);"})
    assert result.status is Status.NOT_APPLICABLE
