-- Supabase compatibility layer, part 1: the roles every Supabase database has.
--
-- Applied only to plain/embedded PostgreSQL (never to a real Supabase project), as a
-- superuser, before the migrations. Roles are cluster-global while this file runs once per
-- database, and several databases of one cluster may run it (the tests clone a template per
-- test class), so every role is created only when missing; a concurrent creator is tolerated.
-- Attributes are then (re)asserted with ALTER ROLE, which is idempotent.
--
-- Attributes follow Supabase (see SUPABASE-FACTS.md section 1):
--   anon, authenticated  NOLOGIN INHERIT          (the Data API roles; statement timeouts 3s / 8s)
--   service_role         NOLOGIN INHERIT BYPASSRLS (secret / service_role key)
--   authenticator        LOGIN NOINHERIT, member of the three above (PostgREST's login role)
--   supabase_auth_admin, supabase_storage_admin  LOGIN NOINHERIT (own the auth / storage schemas)
--   supabase_realtime_admin                      NOLOGIN NOINHERIT (owns realtime.messages)
-- `postgres` becomes a member of anon/authenticated/service_role (WITH ADMIN OPTION, as on
-- Supabase with PG16+) so `set local role ...` works exactly as on the platform. On the embedded
-- database `postgres` is, as on Supabase, not a superuser (see EmbeddedDatabase): this file runs
-- as the superuser supabase_admin, and 050_postgres_as_on_supabase.sql gives postgres exactly
-- what the platform gives it.

do $$
declare
  wanted text[] := array[
    'anon', 'authenticated', 'service_role', 'authenticator',
    'supabase_auth_admin', 'supabase_storage_admin', 'supabase_realtime_admin'];
  r text;
begin
  foreach r in array wanted loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = r) then
      begin
        execute format('create role %I nologin', r);
      exception when duplicate_object or unique_violation then
        null; -- another database of this cluster created it at the same time
      end;
    end if;
  end loop;
end
$$;

alter role anon nologin inherit nobypassrls;
alter role authenticated nologin inherit nobypassrls;
alter role service_role nologin inherit bypassrls;
alter role authenticator login noinherit nobypassrls;
alter role supabase_auth_admin login noinherit createrole;
alter role supabase_storage_admin login noinherit;
alter role supabase_realtime_admin nologin noinherit;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role supabase_auth_admin set search_path = auth;
alter role supabase_storage_admin set search_path = storage;

-- Memberships. GRANT of an existing membership only raises a NOTICE, but a DO block keeps
-- the log quiet and tolerates a concurrent grant from another database of the cluster.
do $$
declare
  m record;
begin
  for m in
    select * from (values
      ('anon', 'authenticator', false),
      ('authenticated', 'authenticator', false),
      ('service_role', 'authenticator', false),
      ('anon', 'postgres', true),
      ('authenticated', 'postgres', true),
      ('service_role', 'postgres', true)
    ) as t(granted, member, admin)
  loop
    if not exists (
      select 1
      from pg_catalog.pg_auth_members am
      join pg_catalog.pg_roles g on g.oid = am.roleid
      join pg_catalog.pg_roles u on u.oid = am.member
      where g.rolname = m.granted and u.rolname = m.member
    ) then
      begin
        execute format('grant %I to %I%s', m.granted, m.member,
                       case when m.admin then ' with admin option' else '' end);
      exception when unique_violation then
        null;
      end;
    end if;
  end loop;
end
$$;
