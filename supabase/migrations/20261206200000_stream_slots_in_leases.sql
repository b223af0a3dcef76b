-- Stream slots in quota leases (issue 14, streams at scale): a stream is admitted from its
-- instance's lease like any other request, so its time to first byte no longer waits on Postgres
-- (before, each stream inserted its own reservation, and freed its slot with a second statement).
--
-- A lease now also takes stream slots (lease_streams), counted against the plan's
-- max_concurrent_streams the moment it is taken, under the user's current period row lock, as its
-- requests and tokens are. Every slot a user holds anywhere is counted by private.ai_streams_held:
-- one per stream reservation (leases off, or a reservation admitted before this migration) plus,
-- for each lease, the slots it took less those it gave back (lease_streams_returned, cumulative
-- like the lease's other figures). Slots only grow in ai_lease, which holds the user's current
-- period row, so the concurrent-stream limit is exact across instances; giving slots back only
-- ever lowers the count.
--
-- How soon another instance sees a freed slot: a stream that ends frees its slot in its lease at
-- once (its own instance may reuse it); the lease gives back what it holds free when it retires
-- (at most 3 s after it was taken), and every later end of one of its streams is given back by
-- the next flush (every 200 ms). So a slot freed on one instance is free for the others within
-- 3.2 s (3 s + one flush), plus the flush's round trip.
--
-- Fair shares: a lease takes at most half of what its user has left, of requests, rate tokens,
-- quota tokens and stream slots (after its own request), so one instance's leases can never hold
-- everything while another instance's user is refused; near a limit the lease is its one request.
--
-- Death: a dead instance's lease rows stop being renewed and expire after
-- private.ai_reservation_ttl() like any reservation; deleting the row gives its slots back.

alter table private.ai_reservations
  add column lease_streams integer not null default 0 check (lease_streams >= 0),
  add column lease_streams_returned integer not null default 0 check (lease_streams_returned >= 0);
comment on column private.ai_reservations.lease_streams is
  'For a quota lease, the stream slots it took (lease_streams_returned of them given back); 0 for one request''s reservation.';

-- The stream slots a user holds on every instance. The caller holds the user's current period row
-- when it compares this with the limit (ai_admit), so nothing adds slots meanwhile.
create function private.ai_streams_held(p_user_id uuid)
returns integer
language sql
stable
set search_path = ''
as $$
  select coalesce(sum(case when r.lease_requests is null then 1
                           else greatest(r.lease_streams - r.lease_streams_returned, 0) end), 0)::integer
  from private.ai_reservations r
  where r.user_id = p_user_id and (r.is_stream or r.lease_streams > 0);
$$;

-- ai_admit as in migration 20261204200000, with the user's stream slots counted by private.ai_streams_held.
create or replace function private.ai_admit(
  p_user_id uuid,
  p_request_id uuid,
  p_model text,
  p_task text,
  p_is_stream boolean,
  p_prompt_tokens integer,
  p_requested_output_tokens integer,
  p_api_key_id uuid default null,
  p_now timestamptz default now()
)
returns table (
  admitted boolean,
  reason text,
  retry_after_seconds integer,
  plan_id text,
  granted_output_tokens integer,
  rpm_limit integer,
  rpm_remaining integer,
  rpm_reset_seconds double precision,
  period_start timestamptz,
  period_end timestamptz,
  requests_limit integer,
  requests_used integer,
  tokens_limit bigint,
  tokens_used bigint
)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_plan record;
  v_expire boolean := false;
  v_row private.ai_quota_periods%rowtype;
  v_tokens double precision;
  v_rate double precision;
  v_prompt integer := greatest(coalesce(p_prompt_tokens, 0), 0);
  v_output integer;
  v_streams integer;
  v_reserve bigint;
  v_tokens_left bigint;
begin
  if p_user_id is null or p_request_id is null or p_model is null then
    raise exception 'ai_admit: user, request id and model are required' using errcode = '22004';
  end if;
  perform set_config('synchronous_commit', 'off', true);

  -- The plan in force, its period and the plan's row in one statement.
  select p.*, f.plan_id as in_force_plan, f.period_start as in_force_start, f.period_end as in_force_end into v_plan
  from private.plan_in_force(p_user_id, p_now) f left join public.plans p on p.id = f.plan_id;
  if v_plan.id is null then
    raise exception 'ai_admit: plan % does not exist', v_plan.in_force_plan using errcode = '23503';
  end if;

  -- Expired reservations are rare (the service sweeps them every minute): only then are the rows
  -- of their periods locked too, every row in key order in one statement (migration 20261201200200).
  -- Otherwise the current row is the only one written, and locking it alone keeps the order.
  if exists (select 1 from private.ai_reservations r
             where r.user_id = p_user_id and r.created_at < p_now - private.ai_reservation_ttl()) then
    v_expire := true;
    perform 1 from private.ai_quota_periods q
    where q.user_id = p_user_id
      and (q.period_start = v_plan.in_force_start
           or q.period_start in (select r.period_start from private.ai_reservations r
                                 where r.user_id = p_user_id and r.created_at < p_now - private.ai_reservation_ttl()))
    order by q.period_start
    for no key update;
  end if;
  select * into v_row from private.ai_quota_periods q
  where q.user_id = p_user_id and q.period_start = v_plan.in_force_start
  for no key update;
  if not found then
    -- A new period: the row is ours alone until commit, so creating it after the older locks keeps the order.
    insert into private.ai_quota_periods as q (user_id, period_start, period_end)
    values (p_user_id, v_plan.in_force_start, v_plan.in_force_end)
    on conflict (user_id, period_start) do nothing;
    select * into v_row from private.ai_quota_periods q
    where q.user_id = p_user_id and q.period_start = v_plan.in_force_start
    for no key update;
  end if;

  if v_expire and private.ai_expire_reservations(p_user_id, p_now) > 0 then
    select * into v_row from private.ai_quota_periods q
    where q.user_id = p_user_id and q.period_start = v_plan.in_force_start;
  end if;

  -- Token bucket, refilled for the time since the last request (never negative time).
  v_rate := v_plan.requests_per_minute / 60.0;
  -- The bucket's capacity less the rate tokens leases hold: what a lease took is spent or given back, never refilled twice.
  if v_row.rate_tokens is null then
    v_tokens := v_plan.requests_per_minute - v_row.rate_held;
  else
    v_tokens := least((v_plan.requests_per_minute - v_row.rate_held)::double precision,
                      v_row.rate_tokens + greatest(extract(epoch from (p_now - v_row.rate_refilled_at)), 0) * v_rate);
  end if;

  admitted := false;
  plan_id := v_plan.id;
  rpm_limit := v_plan.requests_per_minute;
  period_start := v_row.period_start;
  period_end := v_plan.in_force_end;
  requests_limit := v_plan.monthly_request_limit;
  requests_used := v_row.requests_used;
  tokens_limit := v_plan.monthly_token_limit;
  tokens_used := v_row.tokens_used + v_row.tokens_reserved;
  granted_output_tokens := 0;

  -- Plan rules that do not depend on usage come first: a refusal there must not spend anything.
  if p_task is null and not v_plan.allow_raw_chat then
    reason := 'raw_chat_not_allowed';
  elsif p_task is not null and not (p_task = any (v_plan.allowed_tasks)) then
    reason := 'task_not_allowed';
  elsif not (p_model = any (v_plan.allowed_models)) then
    reason := 'model_not_allowed';
  elsif v_plan.monthly_request_limit is not null and v_row.requests_used >= v_plan.monthly_request_limit then
    reason := 'insufficient_quota';
    retry_after_seconds := ceil(extract(epoch from (v_plan.in_force_end - p_now)))::integer;
  end if;

  if reason is null then
    v_output := least(greatest(coalesce(p_requested_output_tokens, v_plan.max_output_tokens), 1), v_plan.max_output_tokens);
    if v_plan.monthly_token_limit is not null then
      v_tokens_left := v_plan.monthly_token_limit - v_row.tokens_used - v_row.tokens_reserved - v_prompt;
      if v_tokens_left < 1 then
        reason := 'insufficient_quota';
        retry_after_seconds := ceil(extract(epoch from (v_plan.in_force_end - p_now)))::integer;
      else
        -- Shrink the answer to what the quota still holds rather than refuse outright.
        v_output := least(v_output, v_tokens_left)::integer;
      end if;
    end if;
  end if;

  if reason is null and p_is_stream then
    v_streams := private.ai_streams_held(p_user_id);
    if v_streams >= v_plan.max_concurrent_streams then
      reason := 'too_many_streams';
      retry_after_seconds := 1;
    end if;
  end if;

  if reason is null and v_tokens < 1 then
    reason := 'rate_limit_exceeded';
    retry_after_seconds := greatest(ceil((1 - v_tokens) / v_rate), 1)::integer;
  end if;

  if reason is null then
    v_tokens := v_tokens - 1;
    v_reserve := v_prompt::bigint + v_output;
    insert into private.ai_reservations (request_id, user_id, period_start, tokens_reserved, is_stream, model, task, api_key_id, created_at)
    values (p_request_id, p_user_id, v_row.period_start, v_reserve, p_is_stream, p_model, p_task, p_api_key_id, p_now);
    admitted := true;
    granted_output_tokens := v_output;
    requests_used := v_row.requests_used + 1;
    tokens_used := v_row.tokens_used + v_row.tokens_reserved + v_reserve;
  end if;

  -- One write of the row either way: the count and reservation when admitted, and the bucket,
  -- whose refill clock only moves forward. period_end follows the plan's answer (a period first
  -- counted during a renewal grace gets the renewed period's real end).
  update private.ai_quota_periods q
  set requests_used = q.requests_used + case when admitted then 1 else 0 end,
      tokens_reserved = q.tokens_reserved + case when admitted then v_reserve else 0 end,
      rate_tokens = v_tokens,
      rate_refilled_at = greatest(coalesce(q.rate_refilled_at, p_now), p_now),
      period_end = v_plan.in_force_end,
      updated_at = p_now
  where q.user_id = p_user_id and q.period_start = v_row.period_start;

  rpm_remaining := floor(v_tokens)::integer;
  rpm_reset_seconds := (v_plan.requests_per_minute - v_tokens) / v_rate;
  return next;
end;
$$;

drop function private.ai_flush_leases(uuid[], uuid[], timestamptz[], integer[], integer[], bigint[], integer[], bigint[], boolean[], uuid[],
                                      uuid[], timestamptz[], uuid[], text[], text[], text[], text[], integer[], integer[], integer[], text[], timestamptz);
drop function private.ai_lease(uuid, uuid, text, text, integer, integer, uuid, integer, bigint, uuid[], integer[], integer[], bigint[],
                               integer[], bigint[], timestamptz);
drop function private.ai_lease_apply(uuid[], integer[], integer[], bigint[], integer[], bigint[], boolean[], timestamptz);

-- As in migration 20261204200000, with the slots a lease gave back (p_streams_returned, cumulative).
create function private.ai_lease_apply(
  p_ids uuid[], p_used integer[], p_refunded integer[], p_charged bigint[], p_returned integer[],
  p_tokens_returned bigint[], p_streams_returned integer[], p_close boolean[], p_now timestamptz
)
returns void
language sql
set search_path = ''
as $$
  with input as (
    select i.* from unnest(p_ids, p_used, p_refunded, p_charged, p_returned, p_tokens_returned, p_streams_returned, p_close)
      as i(id, used, refunded, charged, returned, tokens_returned, streams_returned, closing)
  ), nxt as (
    select r.request_id, r.user_id, r.period_start, coalesce(i.closing, false) as closing, r.tokens_reserved as reserved_before,
           greatest(r.lease_used, coalesce(i.used, 0)) as used,
           greatest(r.lease_refunded, coalesce(i.refunded, 0)) as refunded,
           greatest(r.lease_charged, coalesce(i.charged, 0)) as charged,
           greatest(r.lease_returned, coalesce(i.returned, 0)) as returned,
           greatest(r.lease_tokens_returned, coalesce(i.tokens_returned, 0)) as tokens_returned,
           least(greatest(r.lease_streams_returned, coalesce(i.streams_returned, 0)), r.lease_streams) as streams_returned,
           r.lease_used, r.lease_refunded, r.lease_charged, r.lease_returned, r.lease_tokens, r.lease_requests
    from private.ai_reservations r join input i on i.id = r.request_id
    where r.lease_requests is not null
  ), deltas as (
    select n.*,
           case when n.closing then 0 else greatest(n.lease_tokens - n.charged - n.tokens_returned, 0) end as reserved_after,
           -- a closed lease gives back whatever it still held
           case when n.closing then greatest(n.lease_requests - n.used - n.lease_returned, 0) else n.returned - n.lease_returned end as d_returned,
           n.used - n.lease_used as d_used, n.refunded - n.lease_refunded as d_refunded, n.charged - n.lease_charged as d_charged
    from nxt n
  ), kept as (
    update private.ai_reservations r
    set lease_used = d.used, lease_refunded = d.refunded, lease_charged = d.charged, lease_returned = d.returned,
        lease_tokens_returned = d.tokens_returned, lease_streams_returned = d.streams_returned,
        tokens_reserved = d.reserved_after, created_at = p_now
    from deltas d where r.request_id = d.request_id and not d.closing
  ), closed as (
    delete from private.ai_reservations r using deltas d where r.request_id = d.request_id and d.closing
  ), per_period as (
    select d.user_id, d.period_start, sum(d.d_used) as used, sum(d.d_refunded) as refunded, sum(d.d_charged) as charged,
           sum(d.d_returned) as returned, sum(d.reserved_before - d.reserved_after) as unreserved
    from deltas d group by d.user_id, d.period_start
  )
  update private.ai_quota_periods q
  set requests_used = greatest(q.requests_used - pp.refunded - pp.returned, 0),
      rate_held = greatest(q.rate_held - pp.used - pp.returned, 0),
      rate_tokens = q.rate_tokens + pp.returned,
      tokens_reserved = greatest(q.tokens_reserved - pp.unreserved, 0),
      tokens_used = q.tokens_used + pp.charged,
      updated_at = p_now
  from per_period pp
  where q.user_id = pp.user_id and q.period_start = pp.period_start;
$$;

-- As in migration 20261204200000, and: the request may be a stream (p_is_stream: admitted only
-- while ai_streams_held is under the plan's limit), the lease takes up to p_streams stream slots
-- in all (this request's included when it is a stream), and each extra it takes (requests, rate
-- tokens, quota tokens, slots) is at most half of what the user has left after this request.
create function private.ai_lease(
  p_user_id uuid,
  p_lease_id uuid,
  p_model text,
  p_task text,
  p_is_stream boolean,
  p_prompt_tokens integer,
  p_requested_output_tokens integer,
  p_api_key_id uuid,
  p_block integer,
  p_block_tokens bigint,
  p_streams integer,
  p_old_ids uuid[],
  p_old_used integer[],
  p_old_returned integer[],
  p_old_tokens_returned bigint[],
  p_old_streams_returned integer[],
  p_old_refunded integer[],
  p_old_charged bigint[],
  p_now timestamptz default now()
)
returns table (
  admitted boolean,
  reason text,
  retry_after_seconds integer,
  plan_id text,
  granted_output_tokens integer,
  rpm_limit integer,
  rpm_remaining integer,
  rpm_reset_seconds double precision,
  period_start timestamptz,
  period_end timestamptz,
  requests_limit integer,
  requests_used integer,
  tokens_limit bigint,
  tokens_used bigint,
  rate_tokens double precision,
  lease_requests integer,
  lease_tokens bigint,
  lease_streams integer,
  max_output_tokens integer,
  allowed_models text[],
  allowed_tasks text[],
  allow_raw_chat boolean
)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_one record;
  v_row private.ai_quota_periods%rowtype;
  v_plan public.plans%rowtype;
  v_need bigint;
  v_first_stream integer := case when p_is_stream then 1 else 0 end;
  v_extra integer := 0;
  v_extra_tokens bigint := 0;
  v_extra_streams integer := 0;
begin
  if p_block is null or p_block < 1 then
    raise exception 'ai_lease: a lease is at least one request' using errcode = '22023';
  end if;
  perform set_config('synchronous_commit', 'off', true);

  -- Every period row written below, in key order, in one statement: the user's current ones, those
  -- of the leases given back and those of expired reservations ai_admit charges.
  perform 1 from private.ai_quota_periods q
  where q.user_id = p_user_id
    and (q.period_end > p_now
         or q.period_start in (select r.period_start from private.ai_reservations r
                               where r.user_id = p_user_id
                                 and (r.request_id = any (p_old_ids) or r.created_at < p_now - private.ai_reservation_ttl())))
  order by q.period_start
  for no key update;

  if cardinality(p_old_ids) > 0 then
    perform private.ai_lease_apply(p_old_ids, p_old_used, p_old_refunded, p_old_charged, p_old_returned, p_old_tokens_returned,
                                   p_old_streams_returned, array_fill(false, array[cardinality(p_old_ids)]), p_now);
  end if;

  select * into v_one from private.ai_admit(p_user_id, p_lease_id, p_model, p_task, coalesce(p_is_stream, false), p_prompt_tokens,
                                            p_requested_output_tokens, p_api_key_id, p_now);
  select * into v_plan from public.plans p where p.id = v_one.plan_id;

  if v_one.admitted then
    select * into v_row from private.ai_quota_periods q
    where q.user_id = p_user_id and q.period_start = v_one.period_start;
    v_need := greatest(coalesce(p_prompt_tokens, 0), 0)::bigint + v_one.granted_output_tokens;
    -- at most half of what is left after this request: another instance's user always finds the rest
    v_extra := greatest(least(p_block - 1, floor(v_row.rate_tokens / 2)::integer,
                              coalesce((v_plan.monthly_request_limit - v_row.requests_used) / 2, p_block)), 0);
    if v_extra > 0 then
      -- as many tokens as the extra requests would need if each were like this one (or p_block_tokens in all)
      v_extra_tokens := coalesce(p_block_tokens - v_need, v_extra * v_need);
      if v_plan.monthly_token_limit is not null then
        v_extra_tokens := least(v_extra_tokens, (v_plan.monthly_token_limit - v_row.tokens_used - v_row.tokens_reserved) / 2);
      end if;
      v_extra_tokens := greatest(v_extra_tokens, 0);
      -- slots beyond the lease's requests could never be used; this request's own slot is counted already
      v_extra_streams := greatest(least(coalesce(p_streams, 0) - v_first_stream, v_extra,
                                        (v_plan.max_concurrent_streams - private.ai_streams_held(p_user_id)) / 2), 0);
      update private.ai_quota_periods q
      set requests_used = q.requests_used + v_extra,
          rate_tokens = q.rate_tokens - v_extra,
          rate_held = q.rate_held + v_extra,
          tokens_reserved = q.tokens_reserved + v_extra_tokens
      where q.user_id = p_user_id and q.period_start = v_one.period_start;
    end if;
    -- the lease's slots are counted as lease_streams from now on, not as a stream reservation
    update private.ai_reservations r
    set lease_requests = 1 + v_extra, lease_used = 1, lease_tokens = v_need + v_extra_tokens,
        tokens_reserved = v_need + v_extra_tokens, is_stream = false, lease_streams = v_first_stream + v_extra_streams
    where r.request_id = p_lease_id;
  end if;

  admitted := v_one.admitted;
  reason := v_one.reason;
  retry_after_seconds := v_one.retry_after_seconds;
  plan_id := v_one.plan_id;
  granted_output_tokens := v_one.granted_output_tokens;
  rpm_limit := v_one.rpm_limit;
  rpm_remaining := v_one.rpm_remaining;
  rpm_reset_seconds := v_one.rpm_reset_seconds;
  period_start := v_one.period_start;
  period_end := v_one.period_end;
  requests_limit := v_one.requests_limit;
  requests_used := v_one.requests_used;
  tokens_limit := v_one.tokens_limit;
  tokens_used := v_one.tokens_used;
  rate_tokens := v_one.rpm_limit - v_one.rpm_reset_seconds * (v_one.rpm_limit / 60.0);
  lease_requests := case when v_one.admitted then 1 + v_extra else 0 end;
  lease_tokens := case when v_one.admitted then v_need + v_extra_tokens else 0 end;
  lease_streams := case when v_one.admitted then v_first_stream + v_extra_streams else 0 end;
  max_output_tokens := v_plan.max_output_tokens;
  allowed_models := v_plan.allowed_models;
  allowed_tasks := v_plan.allowed_tasks;
  allow_raw_chat := v_plan.allow_raw_chat;
  return next;
end;
$$;

-- As in migration 20261204200000, with the slots each lease gave back (p_streams_returned).
create function private.ai_flush_leases(
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

  perform 1 from private.ai_quota_periods q
  where (q.user_id, q.period_start) in (select u, p from unnest(p_users, p_periods) as l(u, p))
  order by q.user_id, q.period_start
  for no key update;

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

  perform private.ai_lease_apply(p_ids, p_used, p_refunded, p_charged, p_returned, p_tokens_returned, p_streams_returned, p_close, p_now);
  return v_rows;
end;
$$;

revoke execute on function
  private.ai_streams_held(uuid),
  private.ai_lease_apply(uuid[], integer[], integer[], bigint[], integer[], bigint[], integer[], boolean[], timestamptz),
  private.ai_lease(uuid, uuid, text, text, boolean, integer, integer, uuid, integer, bigint, integer, uuid[], integer[], integer[], bigint[],
                   integer[], integer[], bigint[], timestamptz),
  private.ai_flush_leases(uuid[], uuid[], timestamptz[], integer[], integer[], bigint[], integer[], bigint[], integer[], boolean[], uuid[], uuid[],
                          timestamptz[], uuid[], text[], text[], text[], text[], integer[], integer[], integer[], text[], timestamptz)
  from public, anon, authenticated;
grant execute on function
  private.ai_streams_held(uuid),
  private.ai_lease_apply(uuid[], integer[], integer[], bigint[], integer[], bigint[], integer[], boolean[], timestamptz),
  private.ai_lease(uuid, uuid, text, text, boolean, integer, integer, uuid, integer, bigint, integer, uuid[], integer[], integer[], bigint[],
                   integer[], integer[], bigint[], timestamptz),
  private.ai_flush_leases(uuid[], uuid[], timestamptz[], integer[], integer[], bigint[], integer[], bigint[], integer[], boolean[], uuid[], uuid[],
                          timestamptz[], uuid[], text[], text[], text[], text[], integer[], integer[], integer[], text[], timestamptz)
  to service_role;
