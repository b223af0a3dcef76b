-- The row triggers the Stripe webhook fires: no nested function calls in the audit trigger, and no
-- trigger call at all where the function would do nothing.
--
-- Why: the webhook benchmark (bench/README.md, "Stripe webhook throughput") is short of 500 events/s
-- and a perf profile of its transaction put 45 % of the Postgres backend's CPU in AFTER row triggers.
-- Every plpgsql call with `set search_path` (all of ours) saves and restores the setting and sets up
-- an executor state; the audit trigger made three such nested calls per audited row
-- (private.request_user_id -> private.try_uuid, private.request_role), and three triggers were called
-- for rows they then ignored. What each stored row holds is unchanged:
--
-- 1. private.audit_row_change computes the actor and the role in its own expressions: the same
--    expressions request_user_id, try_uuid and request_role evaluate (the JWT's sub, else auth.jwt()'s
--    sub, kept only when it is a well-formed uuid; the `role` setting unless 'none', else the session
--    user). Omitted columns (trigger arguments) are removed with one `jsonb - text[]`, as the loop did
--    one by one. Those helpers stay for their other callers.
-- 2. public.enrollments notify_completed: WHEN (new.status = 'completed'); the function does nothing
--    for any other row.
-- 3. public.enrollments side_effects: the function queues the enrollment email on INSERT and the
--    completion email and certificate job when a row becomes completed; an UPDATE of status that does
--    not complete (a refund, a reactivation) did a course lookup and nothing else. It is now two
--    triggers on the same function: side_effects AFTER INSERT, and side_effects_on_completion AFTER
--    UPDATE OF status WHEN the row becomes completed. Names keep the alphabetical firing order after
--    audit_change, notify_completed and refresh_course_rating_on_status.
-- 4. public.payments emails: WHEN the row has a user and is succeeded, failed or (partly) refunded,
--    the only rows private.payment_emails queues anything for (a pending payment queues nothing).
-- Every writer (the service, PostgREST, SQL) still goes through the same triggers.

create or replace function private.audit_row_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  old_row jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  new_row jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  -- private.request_user_id() and private.request_role(), inlined (the same expressions)
  sub text := coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''), auth.jwt() ->> 'sub');
begin
  if tg_nargs > 0 then
    old_row := old_row - tg_argv;
    new_row := new_row - tg_argv;
  end if;
  insert into private.audit_log (actor_id, actor_role, kind, table_name, record_id, old_data, new_data)
  values (
    case when sub ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then sub::uuid end,
    coalesce(nullif(current_setting('role', true), 'none'), session_user::text),
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

drop trigger if exists notify_completed on public.enrollments;
create trigger notify_completed after insert or update of status on public.enrollments
  for each row when (new.status = 'completed') execute function private.notify_course_completed();

drop trigger if exists side_effects on public.enrollments;
create trigger side_effects after insert on public.enrollments
  for each row execute function private.enrollment_side_effects();
create trigger side_effects_on_completion after update of status on public.enrollments
  for each row when (new.status = 'completed' and old.status is distinct from 'completed')
  execute function private.enrollment_side_effects();

drop trigger if exists emails on public.payments;
create trigger emails after insert or update of status, amount_refunded_cents, stripe_event_created_at on public.payments
  for each row when (new.user_id is not null and (new.status in ('succeeded', 'failed') or new.amount_refunded_cents > 0))
  execute function private.payment_emails();
