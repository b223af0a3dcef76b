-- Quota leases (issue 14): an instance takes a block of a user's allowance in one round trip and
-- admits that user's next requests in its own memory, so Postgres pays per block and per flush
-- instead of twice per request (a reservation row inserted and deleted, the period row written
-- twice, and the vacuum of both).
--
-- A lease is a row of private.ai_reservations with lease_requests set (null: one request's
-- reservation, as before). Everything it took is counted in Postgres the moment it is taken, so
-- the sum over all instances can never pass a limit:
--   * requests: requests_used grows by the lease's requests at once (as an admission counts its
--     request at once); the ones given back, and those that failed everywhere, are taken off later;
--   * tokens: tokens_reserved grows by the lease's tokens; settled requests move what they used
--     to tokens_used, what is given back leaves tokens_reserved;
--   * rate: the bucket loses the lease's extra requests and private.ai_quota_periods.rate_held
--     counts those not yet reported spent or given back. The bucket refills to its capacity LESS
--     rate_held (ai_admit below), so rate tokens a lease holds are never refilled a second time.
-- The instance reports CUMULATIVE figures (used, refunded, charged, given back); Postgres applies
-- the difference with what it holds, so a flush retried after an unclear failure (committed, but
-- the answer lost) changes nothing twice. Ledger rows are keyed by request id (on conflict do nothing).
--
-- Death. A lease is renewed (created_at) whenever its instance writes its figures (when it retires,
-- at most 3 s after it was taken, and at least once a minute while it has requests in flight); one whose instance died
-- stops being renewed and, after private.ai_reservation_ttl(), is expired by the existing sweep and
-- by the user's next admission like any reservation: what it still reserved is charged in full with
-- one 'expired' ledger row (request_id = the lease's id), its requests stay counted, and its held
-- rate tokens are released. So a dead instance over-charges at most its live leases (one per user,
-- plus any still draining requests in flight), and never lets anyone past a limit.
--
-- Lock order (migration 20261201200200): ai_lease and ai_flush_leases lock every period row they
-- write in (user_id, period_start) order in one statement before writing; lease rows are only
-- written by whoever holds their period row's lock, so they need no lock of their own.

alter table private.ai_quota_periods add column rate_held integer not null default 0 check (rate_held >= 0);
comment on column private.ai_quota_periods.rate_held is
  'Rate-bucket tokens that live leases took and have not yet reported spent or given back; the bucket refills to requests_per_minute - rate_held.';

alter table private.ai_reservations
  add column lease_requests integer check (lease_requests >= 1),
  add column lease_used integer not null default 0 check (lease_used >= 0),
  add column lease_refunded integer not null default 0 check (lease_refunded >= 0),
  add column lease_returned integer not null default 0 check (lease_returned >= 0),
  add column lease_tokens bigint check (lease_tokens >= 0),
  add column lease_charged bigint not null default 0 check (lease_charged >= 0),
  add column lease_tokens_returned bigint not null default 0 check (lease_tokens_returned >= 0);
comment on column private.ai_reservations.lease_requests is
  'Null for one request''s reservation; for a quota lease, the requests it took (lease_used admitted so far, lease_returned given back, lease_refunded failed everywhere).';
comment on column private.ai_reservations.lease_tokens is
  'For a quota lease, the tokens it took; tokens_reserved = lease_tokens - lease_charged - lease_tokens_returned (never below 0).';

-- ai_admit as in migration 20261202700100, with the bucket's capacity less what leases hold.
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
    select count(*) into v_streams from private.ai_reservations r
    where r.user_id = p_user_id and r.is_stream;
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

-- What leases report, applied as the difference with what Postgres holds (see header). The caller
-- holds the period rows of these leases. A lease that is gone (expired and charged) is skipped:
-- what it took was charged in full already. p_close deletes the lease once applied (its instance
-- has nothing of it left: nothing free, nothing in flight).
create function private.ai_lease_apply(
  p_ids uuid[], p_used integer[], p_refunded integer[], p_charged bigint[], p_returned integer[],
  p_tokens_returned bigint[], p_close boolean[], p_now timestamptz
)
returns void
language sql
set search_path = ''
as $$
  with input as (
    select i.* from unnest(p_ids, p_used, p_refunded, p_charged, p_returned, p_tokens_returned, p_close)
      as i(id, used, refunded, charged, returned, tokens_returned, closing)
  ), nxt as (
    select r.request_id, r.user_id, r.period_start, coalesce(i.closing, false) as closing, r.tokens_reserved as reserved_before,
           greatest(r.lease_used, coalesce(i.used, 0)) as used,
           greatest(r.lease_refunded, coalesce(i.refunded, 0)) as refunded,
           greatest(r.lease_charged, coalesce(i.charged, 0)) as charged,
           greatest(r.lease_returned, coalesce(i.returned, 0)) as returned,
           greatest(r.lease_tokens_returned, coalesce(i.tokens_returned, 0)) as tokens_returned,
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
        lease_tokens_returned = d.tokens_returned, tokens_reserved = d.reserved_after, created_at = p_now
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

-- Takes a lease: applies the figures of the caller's previous leases of this user (p_old_*,
-- cumulative: what they admitted, gave back, refunded and charged; their ledger rows follow in
-- the next flush), admits this request exactly as private.ai_admit does (same checks, refusals and
-- figures, counted against the state with those given back), and, when admitted, takes up to
-- p_block - 1 further requests and their tokens (each like this one; p_block_tokens in all when
-- given), never more than the
-- user's limits, rate bucket and quota still hold: near a limit the lease is exactly this request.
-- The row answered is ai_admit's for this request, plus what the lease took and the plan's rules
-- the instance checks later requests against.
create function private.ai_lease(
  p_user_id uuid,
  p_lease_id uuid,
  p_model text,
  p_task text,
  p_prompt_tokens integer,
  p_requested_output_tokens integer,
  p_api_key_id uuid,
  p_block integer,
  p_block_tokens bigint,
  p_old_ids uuid[],
  p_old_used integer[],
  p_old_returned integer[],
  p_old_tokens_returned bigint[],
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
  v_extra integer := 0;
  v_extra_tokens bigint := 0;
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
                                   array_fill(false, array[cardinality(p_old_ids)]), p_now);
  end if;

  select * into v_one from private.ai_admit(p_user_id, p_lease_id, p_model, p_task, false, p_prompt_tokens,
                                            p_requested_output_tokens, p_api_key_id, p_now);
  select * into v_plan from public.plans p where p.id = v_one.plan_id;

  if v_one.admitted then
    select * into v_row from private.ai_quota_periods q
    where q.user_id = p_user_id and q.period_start = v_one.period_start;
    v_need := greatest(coalesce(p_prompt_tokens, 0), 0)::bigint + v_one.granted_output_tokens;
    v_extra := greatest(least(p_block - 1, floor(v_row.rate_tokens)::integer,
                              coalesce(v_plan.monthly_request_limit - v_row.requests_used, p_block)), 0);
    if v_extra > 0 then
      -- as many tokens as the extra requests would need if each were like this one (or p_block_tokens in all)
      v_extra_tokens := coalesce(p_block_tokens - v_need, v_extra * v_need);
      if v_plan.monthly_token_limit is not null then
        v_extra_tokens := least(v_extra_tokens, v_plan.monthly_token_limit - v_row.tokens_used - v_row.tokens_reserved);
      end if;
      v_extra_tokens := greatest(v_extra_tokens, 0);
      update private.ai_quota_periods q
      set requests_used = q.requests_used + v_extra,
          rate_tokens = q.rate_tokens - v_extra,
          rate_held = q.rate_held + v_extra,
          tokens_reserved = q.tokens_reserved + v_extra_tokens
      where q.user_id = p_user_id and q.period_start = v_one.period_start;
    end if;
    update private.ai_reservations r
    set lease_requests = 1 + v_extra, lease_used = 1, lease_tokens = v_need + v_extra_tokens,
        tokens_reserved = v_need + v_extra_tokens
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
  max_output_tokens := v_plan.max_output_tokens;
  allowed_models := v_plan.allowed_models;
  allowed_tasks := v_plan.allowed_tasks;
  allow_raw_chat := v_plan.allow_raw_chat;
  return next;
end;
$$;

-- One flush of an instance's leases: the ledger rows of the requests settled since the last
-- flush (one per request, as ai_settle_many writes them), then the leases' cumulative figures.
create function private.ai_flush_leases(
  p_ids uuid[], p_users uuid[], p_periods timestamptz[], p_used integer[], p_refunded integer[], p_charged bigint[],
  p_returned integer[], p_tokens_returned bigint[], p_close boolean[],
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

  perform private.ai_lease_apply(p_ids, p_used, p_refunded, p_charged, p_returned, p_tokens_returned, p_close, p_now);
  return v_rows;
end;
$$;

-- Expiry as in migration 20261201200200, and a lease's held rate tokens are released with it.
create or replace function private.ai_expire_reservations(p_user_id uuid, p_now timestamptz)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_charged bigint;
begin
  with expired as (
    delete from private.ai_reservations r
    where r.user_id = p_user_id and r.created_at < p_now - private.ai_reservation_ttl()
    returning r.request_id, r.user_id, r.period_start, r.tokens_reserved, r.model, r.task, r.api_key_id,
              case when r.lease_requests is null then 0 else greatest(r.lease_requests - r.lease_used - r.lease_returned, 0) end as held
  ), per_period as (
    select e.period_start, sum(e.tokens_reserved) as tokens, sum(e.held) as held from expired e group by e.period_start
  ), moved as (
    update private.ai_quota_periods q
    set tokens_reserved = greatest(q.tokens_reserved - pp.tokens, 0),
        tokens_used = q.tokens_used + pp.tokens,
        rate_held = greatest(q.rate_held - pp.held, 0),
        updated_at = p_now
    from per_period pp
    where q.user_id = p_user_id and q.period_start = pp.period_start
    returning pp.tokens
  ), ledger as (
    insert into public.ai_usage (user_id, api_key_id, request_id, model, task, prompt_tokens, completion_tokens,
                                 total_tokens, outcome, usage_source, period_start, created_at)
    select e.user_id, e.api_key_id, e.request_id::text, e.model, e.task, 0, 0, e.tokens_reserved, 'expired', 'none',
           e.period_start, p_now
    from expired e
    on conflict (request_id) do nothing
  )
  select coalesce(sum(m.tokens), 0) into v_charged from moved m;
  return v_charged;
end;
$$;

revoke execute on function
  private.ai_lease_apply(uuid[], integer[], integer[], bigint[], integer[], bigint[], boolean[], timestamptz),
  private.ai_lease(uuid, uuid, text, text, integer, integer, uuid, integer, bigint, uuid[], integer[], integer[], bigint[], integer[], bigint[], timestamptz),
  private.ai_flush_leases(uuid[], uuid[], timestamptz[], integer[], integer[], bigint[], integer[], bigint[], boolean[], uuid[], uuid[],
                          timestamptz[], uuid[], text[], text[], text[], text[], integer[], integer[], integer[], text[], timestamptz)
  from public, anon, authenticated;
grant execute on function
  private.ai_lease_apply(uuid[], integer[], integer[], bigint[], integer[], bigint[], boolean[], timestamptz),
  private.ai_lease(uuid, uuid, text, text, integer, integer, uuid, integer, bigint, uuid[], integer[], integer[], bigint[], integer[], bigint[], timestamptz),
  private.ai_flush_leases(uuid[], uuid[], timestamptz[], integer[], integer[], bigint[], integer[], bigint[], boolean[], uuid[], uuid[],
                          timestamptz[], uuid[], text[], text[], text[], text[], integer[], integer[], integer[], text[], timestamptz)
  to service_role;
