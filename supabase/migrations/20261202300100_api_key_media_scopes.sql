-- API keys may carry the scopes `images` (POST /v1/images/generations) and `embeddings`
-- (POST /v1/embeddings), as OpenAI's restricted keys grant each model capability separately: a key
-- made for chat cannot run up image charges. The list of scopes now lives in one place,
-- private.api_key_scopes(), read by the check constraint and by create_api_key(), so the next
-- scope changes that function only.

-- Immutable on purpose: a check constraint may only call immutable functions. Adding a scope
-- replaces it with a longer list (existing rows stay valid); removing one is not done here.
create or replace function private.api_key_scopes()
returns text[]
language sql
immutable
set search_path = ''
as $$
  select array['chat', 'tasks', 'models', 'usage', 'billing', 'images', 'embeddings']::text[]
$$;
comment on function private.api_key_scopes() is 'The scopes an API key may carry (api_keys.scopes, create_api_key).';
revoke execute on function private.api_key_scopes() from public, anon;
grant execute on function private.api_key_scopes() to authenticated, service_role;

alter table public.api_keys drop constraint api_keys_scopes_check;
alter table public.api_keys add constraint api_keys_scopes_check check (
  cardinality(scopes) >= 1
  and array_position(scopes, null) is null
  and scopes <@ private.api_key_scopes());
comment on column public.api_keys.scopes is 'Subset of private.api_key_scopes(): chat, tasks, models, usage, billing, images, embeddings.';

create or replace function public.create_api_key(
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
     or not (wanted <@ private.api_key_scopes()) then
    raise exception 'scopes must be a non-empty subset of %', array_to_string(private.api_key_scopes(), ', ') using errcode = '22023';
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
