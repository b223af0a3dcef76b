-- AI gateway data: personal API keys, the usage ledger and private quota counters.
--
-- api_keys: the plaintext key (gh_ + 32 random bytes, base64url) is returned once by
--   create_api_key() and never stored: only its SHA-256 (hex) is kept, and end users cannot
--   even read that column (column-level SELECT grant without key_hash). Owners list their keys
--   and revoke them (UPDATE of revoked_at only, never un-revoke). Creation and revocation are
--   audited.
-- ai_usage: one row per gateway request, written by the service; owners read their own and
--   nobody can change it through the API.
-- Quota counters are private; the admission function that updates them atomically is
--   written with the service (it needs its own migration).

-- api keys --------------------------------------------------------------------------------

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  prefix text not null check (prefix ~ '^gh_[A-Za-z0-9_-]{8}$'),
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  scopes text[] not null check (
    cardinality(scopes) >= 1
    and array_position(scopes, null) is null
    and scopes <@ array['chat', 'tasks', 'models', 'usage']::text[]),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.api_keys is 'Personal API keys (gh_...). Only the SHA-256 hex of the full key is stored; the key itself is shown once.';
comment on column public.api_keys.prefix is 'First 11 characters of the key (gh_ + 8), shown in the UI to tell keys apart.';
comment on column public.api_keys.key_hash is 'encode(sha256(utf8 of the whole key, gh_ included), hex). Not readable by end users.';
comment on column public.api_keys.scopes is 'Subset of chat, tasks, models, usage.';

create index api_keys_user_id_idx on public.api_keys (user_id, created_at desc);

-- Security invoker on purpose (see private.is_end_user): end users may only revoke, once.
create function private.guard_api_key_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_end_user() then
    if old.revoked_at is not null then
      raise exception 'this API key is already revoked' using errcode = '42501';
    end if;
    if new.revoked_at is not null then
      new.revoked_at := now();
    end if;
  end if;
  return new;
end
$$;

create trigger guard_api_key_update before update on public.api_keys
  for each row execute function private.guard_api_key_update();
create trigger audit_created after insert on public.api_keys
  for each row execute function private.audit_row_change('key_hash');
create trigger audit_revoked after update on public.api_keys
  for each row when (old.revoked_at is distinct from new.revoked_at)
  execute function private.audit_row_change('key_hash');

alter table public.api_keys enable row level security;

revoke all on table public.api_keys from anon, authenticated, service_role;
grant select (id, user_id, name, prefix, scopes, expires_at, last_used_at, revoked_at, created_at)
  on table public.api_keys to authenticated;
grant update (revoked_at) on table public.api_keys to authenticated;
grant select, insert, update, delete on table public.api_keys to service_role;

create policy "users read their own API keys"
  on public.api_keys for select to authenticated
  using (user_id = (select auth.uid()));

create policy "users revoke their own active API keys"
  on public.api_keys for update to authenticated
  using (user_id = (select auth.uid()) and revoked_at is null)
  with check (user_id = (select auth.uid()) and revoked_at is not null);

-- Security definer: end users have no INSERT on api_keys (they could otherwise choose their
-- own hash). Checks its caller: authenticated only (EXECUTE), always for auth.uid(), with
-- validated name/scopes/expiry and at most 25 active keys per user (serialized per user with
-- an advisory lock so concurrent calls cannot exceed it).
create function public.create_api_key(
  name text,
  scopes text[] default '{chat,tasks}',
  expires_in interval default null
)
returns table (id uuid, api_key text, prefix text, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  uid uuid := (select auth.uid());
  clean_name text := btrim(create_api_key.name);
  wanted text[] := create_api_key.scopes;
  active_keys integer;
  secret text;
  new_id uuid;
  new_prefix text;
  new_expires_at timestamptz;
begin
  if uid is null then
    raise exception 'sign in to create an API key' using errcode = '42501';
  end if;
  if clean_name is null or char_length(clean_name) not between 1 and 100 then
    raise exception 'name must be 1 to 100 characters' using errcode = '22023';
  end if;
  if wanted is null or cardinality(wanted) = 0 or array_position(wanted, null) is not null
     or not (wanted <@ array['chat', 'tasks', 'models', 'usage']::text[]) then
    raise exception 'scopes must be a non-empty subset of chat, tasks, models, usage' using errcode = '22023';
  end if;
  select array_agg(distinct s order by s) into wanted from unnest(wanted) as s;
  if expires_in is not null and (expires_in < interval '1 hour' or expires_in > interval '366 days') then
    raise exception 'expires_in must be between 1 hour and 366 days' using errcode = '22023';
  end if;

  perform pg_advisory_xact_lock(hashtextextended('gatehouse.api_keys:' || uid::text, 0));
  select count(*) into active_keys
  from public.api_keys k
  where k.user_id = uid and k.revoked_at is null and (k.expires_at is null or k.expires_at > now());
  if active_keys >= 25 then
    raise exception 'at most 25 active API keys per user; revoke one first' using errcode = '53400';
  end if;

  secret := 'gh_' || translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_');
  new_prefix := left(secret, 11);
  new_expires_at := case when expires_in is null then null else now() + expires_in end;

  insert into public.api_keys (user_id, name, prefix, key_hash, scopes, expires_at)
  values (uid, clean_name, new_prefix, encode(extensions.digest(secret, 'sha256'), 'hex'), wanted, new_expires_at)
  returning public.api_keys.id into new_id;

  return query select new_id, secret, new_prefix, new_expires_at;
end
$$;
comment on function public.create_api_key(text, text[], interval) is
  'RPC: creates an API key for the signed-in user and returns the plaintext key once (only its SHA-256 is stored).';

-- usage ledger ----------------------------------------------------------------------------

create table public.ai_usage (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  api_key_id uuid references public.api_keys (id) on delete set null,
  request_id text not null unique check (char_length(request_id) between 1 and 128),
  model text not null check (char_length(model) <= 200),
  deployment text check (char_length(deployment) <= 200),
  task text check (char_length(task) <= 64),
  prompt_tokens integer not null default 0 check (prompt_tokens >= 0),
  completion_tokens integer not null default 0 check (completion_tokens >= 0),
  total_tokens integer not null default 0 check (total_tokens >= 0),
  latency_ms integer check (latency_ms >= 0),
  outcome text not null check (outcome ~ '^[a-z][a-z0-9_]{0,31}$'),
  usage_source text check (usage_source in ('upstream', 'tokenizer', 'none')),
  created_at timestamptz not null default now()
);
comment on table public.ai_usage is 'One row per AI gateway request, written by the service at settlement (request_id unique = idempotent).';
comment on column public.ai_usage.outcome is 'completed, cut_by_caller (charged for what was generated), failed_after_first_byte, or failed (not charged).';
comment on column public.ai_usage.usage_source is 'upstream when the provider reported the tokens, tokenizer when the gateway counted them.';

create index ai_usage_user_id_idx on public.ai_usage (user_id, created_at desc);
create index ai_usage_api_key_id_idx on public.ai_usage (api_key_id);

alter table public.ai_usage enable row level security;

revoke all on table public.ai_usage from anon, authenticated, service_role;
-- Projects created before Supabase's 2026 change still grant new sequences to the API roles.
revoke all on sequence public.ai_usage_id_seq from anon, authenticated;
grant select on table public.ai_usage to authenticated;
grant select, insert, update, delete on table public.ai_usage to service_role;

create policy "users read their own AI usage"
  on public.ai_usage for select to authenticated
  using (user_id = (select auth.uid()));

-- The quota and rate-limit state (private.ai_quota_periods, private.ai_reservations) and
-- the admission functions live in the gateway admission migration.

revoke execute on function private.guard_api_key_update() from public;
revoke execute on function public.create_api_key(text, text[], interval) from public, anon, authenticated, service_role;
grant execute on function public.create_api_key(text, text[], interval) to authenticated;
