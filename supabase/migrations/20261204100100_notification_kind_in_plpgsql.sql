-- private.notification_kind: the same mapping, in plpgsql, whose plan stays cached per backend.
--
-- Why: private.enqueue_email calls it once per queued email (two per course purchase). As a
-- `language sql` function with `set search_path` it cannot be inlined, and Postgres parsed, analysed
-- and planned its query on every call: 2.9 % of the Postgres backend's CPU per Stripe webhook event
-- in a perf profile (bench/README.md). The CASE is unchanged: which template belongs to which kind
-- (null = essential) is decided exactly as before.

create or replace function private.notification_kind(template_name text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case
    when template_name in ('enrollment_created', 'course_completed', 'certificate_issued') then 'course_updates'
    when template_name in ('homework_feedback') then 'feedback'
    when template_name like 'marketing\_%' then 'marketing'
  end;
end
$$;
