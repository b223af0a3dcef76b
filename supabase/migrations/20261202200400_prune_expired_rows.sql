-- Pruning of rows nothing reads any more: expired task results and past hours' share views.
--
-- Why: private.task_results keeps a result past its TTL (a stale stand-in when every provider
-- fails), but its own migration says rows past their TTL by more than 30 days are useless; and
-- private.prompt_share_views only deduplicates views within the current clock hour, so a row of
-- an earlier hour is never looked at again. Neither table was ever emptied: both grew with every
-- task call and every view.
-- private.prune_expired_rows() deletes, in bounded batches, task results expired more than 30
-- days ago and share views of hours before the previous one (one spare hour: a view whose
-- transaction began just before the hour turned may still insert under the old hour), plus the
-- pruning job's own succeeded rows older than 7 days. The service's job worker runs it as job kind
-- maintenance.prune once an hour: private.schedule_pruning(at) queues the run of at's UTC hour,
-- deduplicated by 'maintenance.prune:<YYYY-MM-DDTHH>', so any number of instances queue each hour
-- once; every run queues the next hour's, and each service start queues the current hour's (a
-- no-op when it ran already), so the chain restarts after an outage.
-- Security invoker: only the service (the owner, or service_role) may execute either.

create index prompt_share_views_hour_idx on private.prompt_share_views (hour);

create function private.prune_expired_rows(p_now timestamptz default now(), p_batch integer default 10000)
returns table (task_results bigint, prompt_share_views bigint, prune_jobs bigint)
language plpgsql
set search_path = ''
as $$
declare
  results bigint;
  views bigint;
  jobs bigint;
begin
  if p_batch is null or p_batch < 1 then
    raise exception 'p_batch must be at least 1' using errcode = '22023';
  end if;
  delete from private.task_results t
  where t.ctid = any (array(
    select x.ctid from private.task_results x where x.expires_at < p_now - interval '30 days' limit p_batch));
  get diagnostics results = row_count;
  delete from private.prompt_share_views v
  where v.ctid = any (array(
    select x.ctid from private.prompt_share_views x where x.hour < date_trunc('hour', p_now) - interval '1 hour' limit p_batch));
  get diagnostics views = row_count;
  delete from private.jobs j
  where j.kind = 'maintenance.prune' and j.status = 'succeeded' and j.finished_at < p_now - interval '7 days';
  get diagnostics jobs = row_count;
  return query select results, views, jobs;
end
$$;
comment on function private.prune_expired_rows(timestamptz, integer) is
  'Deletes up to p_batch task results expired over 30 days and up to p_batch share views of hours before the previous one; returns how many.';

create function private.schedule_pruning(p_at timestamptz default now())
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  hour_utc timestamp := date_trunc('hour', p_at at time zone 'UTC');
begin
  return private.enqueue_job('maintenance.prune', '{}'::jsonb,
    'maintenance.prune:' || to_char(hour_utc, 'YYYY-MM-DD"T"HH24'), hour_utc at time zone 'UTC');
end
$$;
comment on function private.schedule_pruning(timestamptz) is
  'Queues the maintenance.prune job of p_at''s UTC hour (due at its start); null when that hour''s run is already queued.';

comment on table private.jobs is 'Background jobs for the service (kinds: homework.ai_feedback, session.meeting_link, session.meeting_update, session.meeting_cancel, certificate.issue, maintenance.prune).';

revoke execute on function private.prune_expired_rows(timestamptz, integer) from public;
revoke execute on function private.schedule_pruning(timestamptz) from public;
grant execute on function private.prune_expired_rows(timestamptz, integer) to service_role;
grant execute on function private.schedule_pruning(timestamptz) to service_role;
