-- Audit log: who changed what on sensitive data, plus security events.
--
-- Sensitive tables (profiles.role, subscriptions, payments, enrollments, api_keys) attach
-- private.audit_row_change() in their own migrations, so the audit trail is written in the
-- same transaction as the change and cannot be skipped by any client. The service and
-- security definer RPCs record auth/security events with private.log_security_event().
-- Private: no API role can read or write the table directly.

create table private.audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_id uuid,
  actor_role text not null,
  kind text not null check (kind ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  table_name text,
  record_id text,
  old_data jsonb,
  new_data jsonb,
  detail jsonb not null default '{}'::jsonb,
  transaction_id bigint not null default txid_current()
);
comment on table private.audit_log is
  'Append-only audit trail: row changes on sensitive tables (kind row.insert/row.update/row.delete) and security events (kind security.<name>).';
comment on column private.audit_log.actor_id is 'The JWT sub of the request that made the change; null for the service and background work.';
comment on column private.audit_log.actor_role is 'Database role the request ran as: authenticated, anon, service_role, postgres, supabase_auth_admin ...';

create index audit_log_occurred_at_idx on private.audit_log (occurred_at);
create index audit_log_actor_idx on private.audit_log (actor_id, occurred_at) where actor_id is not null;
create index audit_log_record_idx on private.audit_log (table_name, record_id);

revoke all on table private.audit_log from public, anon, authenticated, service_role;

-- The user id of the current API request, if any. Unlike auth.uid() it never raises on a
-- malformed `sub`, because an audit write must not be the thing that fails a statement.
create function private.request_user_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return private.try_uuid(coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    auth.jwt() ->> 'sub'
  ));
end
$$;
comment on function private.request_user_id() is 'auth.uid() that returns null instead of raising on a malformed sub.';

-- The database role the request runs as. Inside a security definer function current_user
-- is the owner, but the `role` setting still names the role PostgREST switched to.
create function private.request_role()
returns text
language plpgsql
stable
set search_path = ''
as $$
begin
  return coalesce(nullif(current_setting('role', true), 'none'), session_user::text);
end
$$;
comment on function private.request_role() is 'The role the request switched to (set role), else the session user.';

-- Security definer: appends to private.audit_log, on which the callers have no privilege.
-- Checks its caller: EXECUTE is granted to service_role only (the Java service connects as the
-- owner); end users cannot write audit events.
create function private.log_security_event(kind text, detail jsonb default '{}'::jsonb)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  new_id bigint;
begin
  if kind is null or kind !~ '^[a-z][a-z0-9_.:-]{0,54}$' then
    raise exception 'invalid security event kind: %', kind using errcode = '22023';
  end if;
  insert into private.audit_log (actor_id, actor_role, kind, detail)
  values (private.request_user_id(), private.request_role(), 'security.' || kind, coalesce(detail, '{}'::jsonb))
  returning id into new_id;
  return new_id;
end
$$;
comment on function private.log_security_event(text, jsonb) is
  'Records a security event (stored with kind security.<kind>), e.g. log_security_event(''auth_failed'', ''{"reason":"bad_signature"}''). For the service and trusted SQL only.';

-- Security definer: end users' writes to audited tables must be able to append to the
-- private log. Attached only as a trigger (no EXECUTE for anyone is needed for that).
-- Trigger arguments name columns to leave out of old_data/new_data (e.g. key_hash).
create function private.audit_row_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  old_row jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  new_row jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  omitted text;
begin
  foreach omitted in array coalesce(tg_argv, '{}'::text[]) loop
    old_row := old_row - omitted;
    new_row := new_row - omitted;
  end loop;
  insert into private.audit_log (actor_id, actor_role, kind, table_name, record_id, old_data, new_data)
  values (
    private.request_user_id(),
    private.request_role(),
    'row.' || lower(tg_op),
    tg_table_schema || '.' || tg_table_name,
    coalesce(new_row, old_row) ->> 'id',
    old_row,
    new_row
  );
  return null;
end
$$;
comment on function private.audit_row_change() is
  'AFTER trigger: writes the changed row to private.audit_log; trigger arguments list columns to omit.';

revoke execute on function private.request_user_id() from public;
revoke execute on function private.request_role() from public;
revoke execute on function private.log_security_event(text, jsonb) from public;
revoke execute on function private.audit_row_change() from public;
grant execute on function private.log_security_event(text, jsonb) to service_role;
