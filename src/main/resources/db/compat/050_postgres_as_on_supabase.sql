-- Supabase compatibility layer, part 7: what the platform lets `postgres` (the role migrations
-- run as) do in Supabase's own schemas, and no more (SUPABASE-FACTS.md section 1).
--
-- On Supabase `postgres` is no superuser, owns nothing in auth/storage/realtime, and has no
-- CREATE there. What it may do, each line below standing in for one platform rule:
--   * auth tables: ALL, and SELECT WITH GRANT OPTION (supabase/postgres init 00000000000001 and
--     20211115181400; auth 20240612123726). ALL includes TRIGGER, which is what lets migrations
--     create the sign-up trigger on auth.users (supabase/postgres PR #994); dropping a trigger on
--     auth.users is allowed through supautils' drop_trigger_grants.
--   * storage.objects/buckets and realtime.messages: create, alter and drop POLICIES, which
--     Supabase allows through supautils' policy_grants (an ownership bypass for policies only).
--     Plain PostgreSQL lets only a table's owner create policies or drop triggers, so postgres is
--     made a member of the owning roles (supabase_auth_admin, supabase_storage_admin,
--     supabase_realtime_admin), and the event triggers below refuse, with Supabase's 42501, every
--     other change a non-superuser makes there through that membership (ALTER TABLE, new tables or
--     functions, drops other than of policies and of triggers on auth.users).
--   * the supabase_realtime publication: owned by postgres, so migrations add their tables.
-- Anything else in those schemas fails for postgres here exactly as on the platform.

grant usage on schema auth, storage, realtime to postgres;
-- The marker of this layer, which the migration runner (as postgres) reads to tell it from Supabase.
grant usage on schema gatehouse_compat to postgres;
grant select on gatehouse_compat.applied to postgres;
grant all on all tables in schema auth to postgres;
grant select on all tables in schema auth to postgres with grant option;
grant execute on all functions in schema auth to postgres;

do $$
declare
  owner_role text;
begin
  foreach owner_role in array array['supabase_auth_admin', 'supabase_storage_admin', 'supabase_realtime_admin'] loop
    if not exists (
      select 1
      from pg_catalog.pg_auth_members am
      join pg_catalog.pg_roles g on g.oid = am.roleid
      join pg_catalog.pg_roles u on u.oid = am.member
      where g.rolname = owner_role and u.rolname = 'postgres'
    ) then
      begin
        execute format('grant %I to postgres', owner_role);
      exception when unique_violation then
        null; -- another database of this cluster granted it at the same time
      end;
    end if;
  end loop;
end
$$;

alter publication supabase_realtime owner to postgres;

-- supautils' policy_grants and drop_trigger_grants, in plain PostgreSQL: a non-superuser may create
-- and alter policies and triggers in these schemas (through the membership and grants above) but
-- change nothing else there.
create or replace function gatehouse_compat.supautils_grants_only()
returns event_trigger
language plpgsql
set search_path = ''
as $$
declare
  touched record;
  changes refcursor;
begin
  if (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user) then
    return;
  end if;
  if tg_event = 'sql_drop' then
    open changes for
      select d.schema_name, d.object_identity,
             d.object_type = 'policy' or (d.object_type = 'trigger' and d.object_identity ~ ' on auth\.users$') as allowed
      from pg_catalog.pg_event_trigger_dropped_objects() d;
  else
    open changes for
      select c.schema_name, c.object_identity, c.command_tag in ('CREATE POLICY', 'ALTER POLICY', 'CREATE TRIGGER') as allowed
      from pg_catalog.pg_event_trigger_ddl_commands() c;
  end if;
  loop
    fetch changes into touched;
    exit when not found;
    if (touched.schema_name in ('auth', 'storage', 'realtime') or touched.object_identity ~ ' on (auth|storage|realtime)\.')
       and not touched.allowed then
      raise exception 'must be owner of %', touched.object_identity
        using errcode = '42501',
              hint = 'On Supabase, migrations may only add policies and triggers to Supabase''s tables (supautils policy_grants, drop_trigger_grants).';
    end if;
  end loop;
  close changes;
end
$$;

revoke all on function gatehouse_compat.supautils_grants_only() from public;

drop event trigger if exists gatehouse_supautils_grants_on_change;
create event trigger gatehouse_supautils_grants_on_change on ddl_command_end execute function gatehouse_compat.supautils_grants_only();
drop event trigger if exists gatehouse_supautils_grants_on_drop;
create event trigger gatehouse_supautils_grants_on_drop on sql_drop execute function gatehouse_compat.supautils_grants_only();
