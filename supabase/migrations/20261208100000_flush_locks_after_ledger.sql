-- The lease flush locks its users' period rows after writing the ledger, not before (issue 14,
-- added p99 at 1,000 req/s from 200 users).
--
-- Why: private.ai_flush_leases (migration 20261206200000) locked the period rows of every user
-- whose lease figures it carried, then inserted every settled request's ledger row (about 200 per
-- flush at 1,000 req/s: three indexes, a unique key, a foreign key each), then applied the figures.
-- A lease take for one of those users (private.ai_lease, ai_lease_many) waited for the whole insert,
-- and since lease takes go through one lane, every take behind it waited too: on a busy 2-core host
-- flushes of 15 ms or more took 54 ms at the median and up to 3 s (bench/README.md, session 23),
-- which is where the gateway's p99 went when 200 users each take a lease every few seconds.
--
-- Now the insert runs first, holding no lock a take needs (ai_usage rows are keyed by request id,
-- and a take writes ledger rows only for reservations expired long before); the period rows are
-- then locked in (user, period) order in one statement, as before, only for the short update of the
-- leases and their period rows. Same transaction, same statement, same figures: a flush that fails
-- still changes nothing and is sent again (ledger rows keyed by request id, figures cumulative).

create or replace function private.ai_flush_leases(
  p_ids uuid[], p_users uuid[], p_periods timestamptz[], p_used integer[], p_refunded integer[], p_charged bigint[],
  p_returned integer[], p_tokens_returned bigint[], p_streams_returned integer[], p_close boolean[],
  p_request_ids uuid[], p_request_users uuid[], p_request_periods timestamptz[], p_api_key_ids uuid[], p_models text[],
  p_tasks text[], p_deployments text[], p_outcomes text[], p_prompt_tokens integer[], p_completion_tokens integer[],
  p_latencies_ms integer[], p_usage_sources text[],
  p_now timestamptz default now()
)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_rows integer;
begin
  if exists (select 1 from unnest(p_outcomes) o
             where o is null or o not in ('completed', 'cut_by_caller', 'failed_after_first_byte', 'failed', 'expired')) then
    raise exception 'ai_flush_leases: unknown outcome in %', p_outcomes using errcode = '22023';
  end if;
  perform set_config('synchronous_commit', 'off', true);

  insert into public.ai_usage (user_id, api_key_id, request_id, model, deployment, task, prompt_tokens, completion_tokens,
                               total_tokens, latency_ms, outcome, usage_source, period_start, created_at)
  -- 'expired': a settlement the service could not read, charged its whole reservation (passed as
  -- completion) as an expired reservation is. A key deleted meanwhile is recorded as none (as its
  -- reservation's would have been set null); a user deleted meanwhile has no ledger any more.
  select s.user_id, k.id, s.request_id::text, s.model, s.deployment, s.task,
         case when s.outcome = 'expired' then 0 else s.prompt end, case when s.outcome = 'expired' then 0 else s.completion end,
         s.prompt::bigint + s.completion::bigint, s.latency_ms, s.outcome, s.usage_source, s.period_start, p_now
  from (select i.request_id, i.user_id, i.period_start, i.api_key_id, i.model, i.task, i.deployment, i.outcome, i.latency_ms, i.usage_source,
               case when i.outcome = 'failed' then 0 else greatest(coalesce(i.prompt, 0), 0) end as prompt,
               case when i.outcome = 'failed' then 0 else greatest(coalesce(i.completion, 0), 0) end as completion
        from unnest(p_request_ids, p_request_users, p_request_periods, p_api_key_ids, p_models, p_tasks, p_deployments,
                    p_outcomes, p_prompt_tokens, p_completion_tokens, p_latencies_ms, p_usage_sources)
          as i(request_id, user_id, period_start, api_key_id, model, task, deployment, outcome, prompt, completion, latency_ms, usage_source)) s
  left join public.api_keys k on k.id = s.api_key_id
  where exists (select 1 from auth.users u where u.id = s.user_id)
  on conflict (request_id) do nothing;
  get diagnostics v_rows = row_count;

  -- Only now, for the short update of the leases and their period rows: every period row in (user,
  -- period) order in one statement, as before.
  perform 1 from private.ai_quota_periods q
  where (q.user_id, q.period_start) in (select u, p from unnest(p_users, p_periods) as l(u, p))
  order by q.user_id, q.period_start
  for no key update;

  perform private.ai_lease_apply(p_ids, p_used, p_refunded, p_charged, p_returned, p_tokens_returned, p_streams_returned, p_close, p_now);
  return v_rows;
end;
$$;

