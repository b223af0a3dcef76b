-- Admission and settlement: one lock order, a ledger row for every admitted request, bigint sums,
-- the period a request was charged to, and a rate-bucket clock that never moves back.
--
-- Lock order. Every function that locks private.ai_quota_periods rows locks all it will write in
-- one statement, ordered by (user_id, period_start), before writing any: ai_admit (the current
-- period row and the rows of the user's expired reservations), ai_settle_many (the rows of the
-- settled requests) and ai_sweep_expired (user by user, in user_id order). Before, admission locked
-- the current row and then, sweeping expired reservations, older rows, while settlement locked in
-- key order: with reservations on both sides of a month boundary they deadlocked. Locks are
-- FOR NO KEY UPDATE: no key column is ever updated, and it does not conflict with the KEY SHARE
-- that inserting a reservation (its foreign key to the period row) takes.
--
-- Expiry. A reservation unsettled after private.ai_reservation_ttl() (15 minutes) is charged in
-- full on the period it was admitted in, and now also gets its ai_usage row at once (outcome
-- 'expired', total_tokens = the reservation, usage_source 'none'): every admitted request has a
-- ledger row even if its settlement never comes. Expiry runs in admission (the user's own) and
-- in private.ai_sweep_expired(), which the service calls every minute (everyone's).
-- Late settlement. A settlement that arrives after its reservation expired is not dropped: it
-- replaces the 'expired' row with what was used and moves the difference (actual - reserved) on
-- the period the request was admitted in; a late 'failed' gives its request back there. The
-- service ends every stream within limits.max_stream_ms (at most 14 minutes, below the TTL), so a
-- stream that is still running never loses its reservation or its stream slot.
--
-- Numbers. Token sums are bigint: a provider reporting 2e9 + 2e9 tokens no longer overflows
-- integer and fails the whole batch. ai_usage.total_tokens becomes bigint. Counts the service
-- sends are clamped at 0 from below (and are int4 on the way in); what they mean when a provider
-- reports more than was reserved is decided in the service (README: token counting).
--
-- Period. ai_usage.period_start records the billing period the request was charged to (the
-- reservation's), so a request admitted on the last second of a month is booked in that month
-- even when it settles in the next; created_at stays the moment it settled.
--
-- Rate clock. rate_refilled_at = greatest(stored, now): an admission whose transaction started
-- earlier (now() is the transaction start) but committed later cannot move the clock back and
-- refill the bucket twice for the same seconds.

alter table public.ai_usage add column period_start timestamptz;
alter table public.ai_usage alter column total_tokens type bigint;
comment on column public.ai_usage.period_start is
  'Start of the billing period the request was charged to (private.plan_in_force at admission); null on rows written before it was recorded.';
comment on column public.ai_usage.total_tokens is
  'Tokens charged to the quota: prompt + completion, or the whole reservation while the outcome is expired.';
comment on column public.ai_usage.outcome is
  'completed, cut_by_caller (charged for what was generated), failed_after_first_byte, failed (not charged), or expired (no settlement came within the TTL: charged the full reservation until a late settlement corrects it).';

create index ai_reservations_created_at_idx on private.ai_reservations (created_at);

-- Charges one user's expired reservations in full and writes their ledger rows. The caller must
-- already hold the user's period rows involved (ai_admit, ai_sweep_expired): it writes without
-- locking so that the lock order stays the caller's. Returns the tokens charged.
create function private.ai_expire_reservations(p_user_id uuid, p_now timestamptz)
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
    returning r.request_id, r.user_id, r.period_start, r.tokens_reserved, r.model, r.task, r.api_key_id
  ), per_period as (
    select e.period_start, sum(e.tokens_reserved) as tokens from expired e group by e.period_start
  ), moved as (
    update private.ai_quota_periods q
    set tokens_reserved = greatest(q.tokens_reserved - pp.tokens, 0),
        tokens_used = q.tokens_used + pp.tokens,
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
  v_plan public.plans%rowtype;
  v_period record;
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

  select * into v_period from private.plan_in_force(p_user_id, p_now);
  select * into v_plan from public.plans p where p.id = v_period.plan_id;
  if not found then
    raise exception 'ai_admit: plan % does not exist', v_period.plan_id using errcode = '23503';
  end if;

  -- Every period row this admission writes, locked in key order in one statement (see header).
  perform 1 from private.ai_quota_periods q
  where q.user_id = p_user_id
    and (q.period_start = v_period.period_start
         or q.period_start in (select r.period_start from private.ai_reservations r
                               where r.user_id = p_user_id and r.created_at < p_now - private.ai_reservation_ttl()))
  order by q.period_start
  for no key update;
  select * into v_row from private.ai_quota_periods q
  where q.user_id = p_user_id and q.period_start = v_period.period_start
  for no key update;
  if not found then
    -- A new period: the row is ours alone until commit, so creating it after the older locks keeps the order.
    insert into private.ai_quota_periods as q (user_id, period_start, period_end)
    values (p_user_id, v_period.period_start, v_period.period_end)
    on conflict (user_id, period_start) do nothing;
    select * into v_row from private.ai_quota_periods q
    where q.user_id = p_user_id and q.period_start = v_period.period_start
    for no key update;
  end if;

  if private.ai_expire_reservations(p_user_id, p_now) > 0 then
    select * into v_row from private.ai_quota_periods q
    where q.user_id = p_user_id and q.period_start = v_period.period_start;
  end if;

  -- Token bucket, refilled for the time since the last request (never negative time).
  v_rate := v_plan.requests_per_minute / 60.0;
  if v_row.rate_tokens is null then
    v_tokens := v_plan.requests_per_minute;
  else
    v_tokens := least(v_plan.requests_per_minute::double precision,
                      v_row.rate_tokens + greatest(extract(epoch from (p_now - v_row.rate_refilled_at)), 0) * v_rate);
  end if;

  admitted := false;
  plan_id := v_plan.id;
  rpm_limit := v_plan.requests_per_minute;
  period_start := v_row.period_start;
  period_end := v_period.period_end;
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
    retry_after_seconds := ceil(extract(epoch from (v_period.period_end - p_now)))::integer;
  end if;

  if reason is null then
    v_output := least(greatest(coalesce(p_requested_output_tokens, v_plan.max_output_tokens), 1), v_plan.max_output_tokens);
    if v_plan.monthly_token_limit is not null then
      v_tokens_left := v_plan.monthly_token_limit - v_row.tokens_used - v_row.tokens_reserved - v_prompt;
      if v_tokens_left < 1 then
        reason := 'insufficient_quota';
        retry_after_seconds := ceil(extract(epoch from (v_period.period_end - p_now)))::integer;
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
      period_end = v_period.period_end,
      updated_at = p_now
  where q.user_id = p_user_id and q.period_start = v_row.period_start;

  rpm_remaining := floor(v_tokens)::integer;
  rpm_reset_seconds := (v_plan.requests_per_minute - v_tokens) / v_rate;
  return next;
end;
$$;

-- Settles admitted requests in one statement per kind: live reservations are swapped for the
-- actual tokens with a new ledger row; expired ones have their 'expired' ledger row corrected.
-- A request that failed on every deployment is not charged (its request count is given back).
-- Idempotent: a request already settled is skipped. Returns how many were settled now.
create or replace function private.ai_settle_many(
  p_request_ids uuid[],
  p_outcomes text[],
  p_prompt_tokens integer[],
  p_completion_tokens integer[],
  p_deployments text[],
  p_latencies_ms integer[],
  p_usage_sources text[],
  p_now timestamptz default now()
)
returns integer
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_settled integer;
  v_late integer;
begin
  if exists (select 1 from unnest(p_outcomes) o
             where o is null or o not in ('completed', 'cut_by_caller', 'failed_after_first_byte', 'failed')) then
    raise exception 'ai_settle_many: unknown outcome in %', p_outcomes using errcode = '22023';
  end if;
  perform set_config('synchronous_commit', 'off', true);

  -- Every period row written below, in key order, in one statement (see header).
  perform 1 from private.ai_quota_periods q
  where (q.user_id, q.period_start) in (
    select r.user_id, r.period_start from private.ai_reservations r where r.request_id = any (p_request_ids)
    union all
    select u.user_id, u.period_start from public.ai_usage u
    where u.request_id = any (p_request_ids::text[]) and u.outcome = 'expired' and u.period_start is not null)
  order by q.user_id, q.period_start
  for no key update;

  with input as (
    select i.request_id, i.outcome, i.deployment, i.latency_ms, i.usage_source,
           case when i.outcome = 'failed' then 0 else greatest(coalesce(i.prompt_tokens, 0), 0) end as prompt_tokens,
           case when i.outcome = 'failed' then 0 else greatest(coalesce(i.completion_tokens, 0), 0) end as completion_tokens
    from unnest(p_request_ids, p_outcomes, p_prompt_tokens, p_completion_tokens, p_deployments,
                p_latencies_ms, p_usage_sources)
      as i(request_id, outcome, prompt_tokens, completion_tokens, deployment, latency_ms, usage_source)
  ), settled as (
    delete from private.ai_reservations r
    using input i
    where r.request_id = i.request_id
    returning r.request_id, r.user_id, r.period_start, r.tokens_reserved, r.model, r.task, r.api_key_id,
              i.outcome, i.deployment, i.latency_ms, i.usage_source, i.prompt_tokens, i.completion_tokens
  ), per_period as (
    select s.user_id, s.period_start, sum(s.tokens_reserved) as reserved,
           sum(s.prompt_tokens::bigint + s.completion_tokens::bigint) as charged,
           count(*) filter (where s.outcome = 'failed') as refunded
    from settled s group by s.user_id, s.period_start
  ), periods as (
    update private.ai_quota_periods q
    set tokens_reserved = greatest(q.tokens_reserved - pp.reserved, 0),
        tokens_used = q.tokens_used + pp.charged,
        requests_used = greatest(q.requests_used - pp.refunded, 0),
        updated_at = p_now
    from per_period pp
    where q.user_id = pp.user_id and q.period_start = pp.period_start
  ), ledger as (
    insert into public.ai_usage (user_id, api_key_id, request_id, model, deployment, task, prompt_tokens, completion_tokens,
                                 total_tokens, latency_ms, outcome, usage_source, period_start, created_at)
    select s.user_id, s.api_key_id, s.request_id::text, s.model, s.deployment, s.task, s.prompt_tokens, s.completion_tokens,
           s.prompt_tokens::bigint + s.completion_tokens::bigint, s.latency_ms, s.outcome, s.usage_source, s.period_start, p_now
    from settled s
    on conflict (request_id) do nothing
  )
  select count(*) into v_settled from settled;

  -- Late settlements: the reservation expired and was charged in full; correct it to what was used.
  with input as (
    select i.request_id::text as request_id, i.outcome, i.deployment, i.latency_ms, i.usage_source,
           case when i.outcome = 'failed' then 0 else greatest(coalesce(i.prompt_tokens, 0), 0) end as prompt_tokens,
           case when i.outcome = 'failed' then 0 else greatest(coalesce(i.completion_tokens, 0), 0) end as completion_tokens
    from unnest(p_request_ids, p_outcomes, p_prompt_tokens, p_completion_tokens, p_deployments,
                p_latencies_ms, p_usage_sources)
      as i(request_id, outcome, prompt_tokens, completion_tokens, deployment, latency_ms, usage_source)
  ), late as (
    select u.id, u.total_tokens as before from public.ai_usage u join input i on i.request_id = u.request_id
    where u.outcome = 'expired' and u.period_start is not null
  ), fixed as (
    update public.ai_usage u
    set outcome = i.outcome, prompt_tokens = i.prompt_tokens, completion_tokens = i.completion_tokens,
        total_tokens = i.prompt_tokens::bigint + i.completion_tokens::bigint,
        deployment = i.deployment, latency_ms = i.latency_ms, usage_source = i.usage_source
    from input i, late l
    -- outcome re-checked here: a concurrent late settlement of the same request that committed first wins
    where u.id = l.id and u.request_id = i.request_id and u.outcome = 'expired'
    returning u.user_id, u.period_start, i.outcome,
              (i.prompt_tokens::bigint + i.completion_tokens::bigint) - l.before as delta
  ), per_period as (
    select f.user_id, f.period_start, sum(f.delta) as delta, count(*) filter (where f.outcome = 'failed') as refunded,
           count(*) as n
    from fixed f group by f.user_id, f.period_start
  ), periods as (
    update private.ai_quota_periods q
    set tokens_used = greatest(q.tokens_used + pp.delta, 0),
        requests_used = greatest(q.requests_used - pp.refunded, 0),
        updated_at = p_now
    from per_period pp
    where q.user_id = pp.user_id and q.period_start = pp.period_start
  )
  select coalesce(sum(pp.n), 0) into v_late from per_period pp;

  return v_settled + v_late;
end;
$$;

-- Charges everyone's expired reservations (the service calls it every minute), user by user in
-- user_id order, each user's period rows locked in key order first, at most p_max_users a call.
-- Returns the tokens charged.
create function private.ai_sweep_expired(p_now timestamptz default now(), p_max_users integer default 1000)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_user uuid;
  v_total bigint := 0;
begin
  perform set_config('synchronous_commit', 'off', true);
  for v_user in
    select distinct r.user_id from private.ai_reservations r
    where r.created_at < p_now - private.ai_reservation_ttl()
    order by r.user_id
    limit p_max_users
  loop
    perform 1 from private.ai_quota_periods q
    where q.user_id = v_user
      and q.period_start in (select r.period_start from private.ai_reservations r
                             where r.user_id = v_user and r.created_at < p_now - private.ai_reservation_ttl())
    order by q.period_start
    for no key update;
    v_total := v_total + private.ai_expire_reservations(v_user, p_now);
  end loop;
  return v_total;
end;
$$;

revoke execute on function private.ai_expire_reservations(uuid, timestamptz),
  private.ai_sweep_expired(timestamptz, integer) from public, anon, authenticated;
grant execute on function private.ai_expire_reservations(uuid, timestamptz),
  private.ai_sweep_expired(timestamptz, integer) to service_role;
