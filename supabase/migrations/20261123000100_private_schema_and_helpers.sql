-- Private schema, extensions and the generic helpers every later migration uses.
--
-- Why a `private` schema: the Data API exposes only `public` (and graphql_public), so tables
-- here (audit log, outbox, job queue, Stripe ledger, quota counters) are unreachable from the
-- front end whatever their grants. The API roles get USAGE on the schema only because RLS
-- policies call helper functions that live here; they get EXECUTE on those specific helpers
-- and nothing else (every function here starts with EXECUTE revoked from PUBLIC).
--
-- Extensions go to schema `extensions` (Supabase's convention, lint 0014) and are called
-- schema-qualified, so no function depends on the caller's search_path.
--
-- Helpers that run per query or per row are written in plpgsql, not SQL: a non-inlinable
-- SQL function (any function with SET search_path or SECURITY DEFINER) is parsed and
-- planned again in every query that calls it on PostgreSQL 17, while plpgsql keeps its
-- plans for the session. That difference is most of the cost RLS adds to a small query.

create extension if not exists pgcrypto with schema extensions;
create extension if not exists unaccent with schema extensions;

create schema if not exists private;
comment on schema private is
  'Gatehouse internals: not exposed by the Data API. API roles may only execute the few helpers RLS policies call.';
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;

-- Every table with an updated_at column gets this BEFORE UPDATE trigger.
create function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function private.set_updated_at() is 'Trigger: stamps updated_at on every update.';

-- Parses a uuid from untrusted text (storage paths, realtime topics) without raising:
-- malformed input yields null, which every membership helper treats as "no access".
-- plpgsql rather than a SQL CASE so the cast can never be constant-folded ahead of the check.
create function private.try_uuid(value text)
returns uuid
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  if value is null
     or value !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  return value::uuid;
end
$$;
comment on function private.try_uuid(text) is 'The uuid in value, or null when value is not a canonical uuid. Never raises.';

-- True when the statement runs with an end user's rights (PostgREST/Storage/Realtime switch
-- to anon or authenticated). Guard triggers use it to hold end users to column rules that
-- trusted code is exempt from: the service (postgres), service_role, and security definer
-- functions, inside which current_user is the function's owner. Guard triggers must therefore
-- be SECURITY INVOKER, or current_user would always be the owner.
create function private.is_end_user()
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  return current_user in ('anon', 'authenticated');
end
$$;
comment on function private.is_end_user() is
  'True when running with anon/authenticated rights (not inside a security definer function, not the service).';

revoke execute on function private.set_updated_at() from public;
revoke execute on function private.try_uuid(text) from public;
revoke execute on function private.is_end_user() from public;
grant execute on function private.try_uuid(text) to authenticated, service_role;
grant execute on function private.is_end_user() to authenticated, service_role;
