-- Gateway admission and settlement: per-plan quotas and per-user rate limits, atomically.
--
-- Why in SQL: every service instance admits against the same rows, so one statement per request
-- checks and reserves under the user's row lock. Concurrent requests, on one instance or many,
-- can never exceed a limit, and admission costs one database round trip.
--
-- How it holds:
--   * private.ai_quota_periods has one row per (user, billing period). Admission locks it
--     (select ... for update), so a user's admissions are serialised; other users never wait.
--   * An admitted request counts at once (requests_used + 1) and reserves its worst-case tokens
--     (prompt estimate + granted max output) in private.ai_reservations. Settlement swaps the
--     reservation for the actual usage. A settlement that never arrives (crash) is swept after
--     private.ai_reservation_ttl() and charged in full, so a lost settlement can never let a user
--     past a limit.
--   * The per-minute rate limit is a token bucket (capacity = requests_per_minute, refilled
--     continuously) kept on the same row, so an admission locks and writes one row.
--   * Settlements arrive in batches (private.ai_settle_many): one transaction for many requests.
--   * Concurrent streams are the user's live stream reservations.
-- The period is the subscription's billing period on a paid plan, else the calendar month in UTC.
--
-- Admission and settlement commit with synchronous_commit off (set transaction-locally inside the
-- functions): the caller does not wait for the WAL flush, which is most of an admission's cost.
-- Atomicity, row locks and visibility to other instances are unchanged, so limits stay exact;
-- only a crash of Postgres itself can lose the last fraction of a second of counter updates
-- (at most a few requests uncounted). This is the trade-off Postgres documents for such data.

create table private.ai_quota_periods (
  user_id uuid not null references auth.users (id) on delete cascade,
  period_start timestamptz not null,
  period_end timestamptz not null,
  requests_used integer not null default 0 check (requests_used >= 0),
  tokens_used bigint not null default 0 check (tokens_used >= 0),
  tokens_reserved bigint not null default 0 check (tokens_reserved >= 0),
  rate_tokens double precision,
  rate_refilled_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (user_id, period_start),
  check (period_end > period_start)
);
comment on table private.ai_quota_periods is
  'AI usage per user and billing period, and the per-minute token bucket; locked by private.ai_admit, so admissions of one user are serialised.';
comment on column private.ai_quota_periods.rate_tokens is
  'Requests-per-minute bucket, kept on the period row so admission locks and writes one row. A new period starts with a full bucket.';

create table private.ai_reservations (
  request_id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  period_start timestamptz not null,
  tokens_reserved bigint not null check (tokens_reserved >= 0),
  is_stream boolean not null,
  model text not null,
  api_key_id uuid references public.api_keys (id) on delete set null,
  task text,
  created_at timestamptz not null default now(),
  foreign key (user_id, period_start) references private.ai_quota_periods (user_id, period_start) on delete cascade
);
create index ai_reservations_user_created_idx on private.ai_reservations (user_id, created_at);
create index ai_reservations_period_idx on private.ai_reservations (user_id, period_start);
create index ai_reservations_api_key_idx on private.ai_reservations (api_key_id);
comment on table private.ai_reservations is
  'Requests admitted and not yet settled: they hold their worst-case tokens and, for streams, a stream slot.';

-- Private tables carry no grants: only the service's own connection (their owner) touches them.
revoke all on private.ai_quota_periods, private.ai_reservations from public, anon, authenticated, service_role;

-- How long an unsettled reservation is trusted before it is charged in full.
create function private.ai_reservation_ttl()
returns interval
language sql
immutable
set search_path = ''
as $$ select interval '15 minutes' $$;

-- The plan and billing period that apply to a user at a moment. plpgsql, not sql: a sql function
-- with a pinned search_path is not inlined and is planned again on every call (0.5 ms here), while
-- plpgsql keeps its plans for the session. It runs on every admission.
create function private.ai_plan_period(p_user_id uuid, p_now timestamptz)
returns table (plan_id text, period_start timestamptz, period_end timestamptz)
language plpgsql
stable
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
    select s.plan_id, s.current_period_start, s.current_period_end
    from public.subscriptions s
    where s.user_id = p_user_id
      and s.status in ('active', 'trialing', 'past_due')
      and s.current_period_start is not null
      and s.current_period_end is not null
      and p_now >= s.current_period_start
      and p_now < s.current_period_end
    order by s.current_period_end desc
    limit 1;
  if not found then
    plan_id := 'free';
    period_start := date_trunc('month', p_now at time zone 'UTC') at time zone 'UTC';
    period_end := (date_trunc('month', p_now at time zone 'UTC') + interval '1 month') at time zone 'UTC';
    return next;
  end if;
end;
$$;

-- Admits or rejects one AI request in one round trip. Called by the service only (service_role or
-- the connection's owner role); end users cannot reach it: private is not exposed and execute is
-- revoked. Reasons: rate_limit_exceeded, insufficient_quota, too_many_streams,
-- model_not_allowed, raw_chat_not_allowed, task_not_allowed.
create function private.ai_admit(
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
  v_expired bigint;
  v_reserve bigint;
  v_tokens_left bigint;
begin
  if p_user_id is null or p_request_id is null or p_model is null then
    raise exception 'ai_admit: user, request id and model are required' using errcode = '22004';
  end if;
  perform set_config('synchronous_commit', 'off', true);

  select * into v_period from private.ai_plan_period(p_user_id, p_now);
  select * into v_plan from public.plans p where p.id = v_period.plan_id;
  if not found then
    raise exception 'ai_admit: plan % does not exist', v_period.plan_id using errcode = '23503';
  end if;

  -- Lock the user's period row: the serialisation point for this user's admissions.
  select * into v_row from private.ai_quota_periods q
  where q.user_id = p_user_id and q.period_start = v_period.period_start
  for update;
  if not found then
    insert into private.ai_quota_periods as q (user_id, period_start, period_end)
    values (p_user_id, v_period.period_start, v_period.period_end)
    on conflict (user_id, period_start) do nothing;
    select * into v_row from private.ai_quota_periods q
    where q.user_id = p_user_id and q.period_start = v_period.period_start
    for update;
  end if;

  -- Charge reservations whose settlement never came, in full.
  with expired as (
    delete from private.ai_reservations r
    where r.user_id = p_user_id and r.created_at < p_now - private.ai_reservation_ttl()
    returning r.period_start, r.tokens_reserved
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
  )
  select coalesce(sum(m.tokens), 0) into v_expired from moved m;
  if v_expired > 0 then
    select * into v_row from private.ai_quota_periods q
    where q.user_id = p_user_id and q.period_start = v_period.period_start;
  end if;

  -- Token bucket, refilled for the time since the last request.
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
  period_end := v_row.period_end;
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
    retry_after_seconds := ceil(extract(epoch from (v_row.period_end - p_now)))::integer;
  end if;

  if reason is null then
    v_output := least(greatest(coalesce(p_requested_output_tokens, v_plan.max_output_tokens), 1), v_plan.max_output_tokens);
    if v_plan.monthly_token_limit is not null then
      v_tokens_left := v_plan.monthly_token_limit - v_row.tokens_used - v_row.tokens_reserved - v_prompt;
      if v_tokens_left < 1 then
        reason := 'insufficient_quota';
        retry_after_seconds := ceil(extract(epoch from (v_row.period_end - p_now)))::integer;
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
    v_reserve := v_prompt + v_output;
    insert into private.ai_reservations (request_id, user_id, period_start, tokens_reserved, is_stream, model, task, api_key_id, created_at)
    values (p_request_id, p_user_id, v_row.period_start, v_reserve, p_is_stream, p_model, p_task, p_api_key_id, p_now);
    admitted := true;
    granted_output_tokens := v_output;
    requests_used := v_row.requests_used + 1;
    tokens_used := v_row.tokens_used + v_row.tokens_reserved + v_reserve;
  end if;

  -- One write of the row either way: the count and reservation when admitted, and the bucket,
  -- whose refill clock moves forward on every request.
  update private.ai_quota_periods q
  set requests_used = q.requests_used + case when admitted then 1 else 0 end,
      tokens_reserved = q.tokens_reserved + case when admitted then v_reserve else 0 end,
      rate_tokens = v_tokens,
      rate_refilled_at = p_now,
      updated_at = p_now
  where q.user_id = p_user_id and q.period_start = v_row.period_start;

  rpm_remaining := floor(v_tokens)::integer;
  rpm_reset_seconds := (v_plan.requests_per_minute - v_tokens) / v_rate;
  return next;
end;
$$;

-- Settles admitted requests in one statement: swaps each reservation for the actual tokens and
-- writes its usage ledger row. A request that failed on every deployment is not charged (its
-- request count is given back). Idempotent: a request already settled is skipped. The service
-- sends many settlements per call. Period rows are locked in key order first, so two instances
-- settling at once cannot deadlock (an admission only ever locks one row). Returns how many of
-- the given requests were settled now.
create function private.ai_settle_many(
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
begin
  if exists (select 1 from unnest(p_outcomes) o
             where o is null or o not in ('completed', 'cut_by_caller', 'failed_after_first_byte', 'failed')) then
    raise exception 'ai_settle_many: unknown outcome in %', p_outcomes using errcode = '22023';
  end if;
  perform set_config('synchronous_commit', 'off', true);

  perform 1 from private.ai_quota_periods q
  where (q.user_id, q.period_start) in (
    select r.user_id, r.period_start from private.ai_reservations r where r.request_id = any (p_request_ids))
  order by q.user_id, q.period_start
  for update;

  with input as (
    select * from unnest(p_request_ids, p_outcomes, p_prompt_tokens, p_completion_tokens, p_deployments,
                         p_latencies_ms, p_usage_sources)
      as i(request_id, outcome, prompt_tokens, completion_tokens, deployment, latency_ms, usage_source)
  ), settled as (
    delete from private.ai_reservations r
    using input i
    where r.request_id = i.request_id
    returning r.request_id, r.user_id, r.period_start, r.tokens_reserved, r.model, r.task, r.api_key_id,
              i.outcome, i.deployment, i.latency_ms, i.usage_source,
              case when i.outcome = 'failed' then 0 else greatest(coalesce(i.prompt_tokens, 0), 0) end as prompt_tokens,
              case when i.outcome = 'failed' then 0 else greatest(coalesce(i.completion_tokens, 0), 0) end as completion_tokens
  ), per_period as (
    select s.user_id, s.period_start, sum(s.tokens_reserved) as reserved,
           sum(s.prompt_tokens + s.completion_tokens) as charged,
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
                                 total_tokens, latency_ms, outcome, usage_source, created_at)
    select s.user_id, s.api_key_id, s.request_id::text, s.model, s.deployment, s.task, s.prompt_tokens, s.completion_tokens,
           s.prompt_tokens + s.completion_tokens, s.latency_ms, s.outcome, s.usage_source, p_now
    from settled s
  )
  select count(*) into v_settled from settled;
  return v_settled;
end;
$$;

-- What a user has used in the current period, for GET /v1/usage (read-only, no lock).
create function private.ai_usage_summary(p_user_id uuid, p_now timestamptz default now())
returns table (
  plan_id text,
  period_start timestamptz,
  period_end timestamptz,
  requests_limit integer,
  requests_used integer,
  tokens_limit bigint,
  tokens_used bigint,
  requests_per_minute integer,
  max_output_tokens integer,
  allowed_models text[],
  allowed_tasks text[],
  allow_raw_chat boolean
)
language sql
stable
set search_path = ''
as $$
  select p.id, pp.period_start, pp.period_end, p.monthly_request_limit,
         coalesce(q.requests_used, 0), p.monthly_token_limit,
         coalesce(q.tokens_used + q.tokens_reserved, 0),
         p.requests_per_minute, p.max_output_tokens, p.allowed_models, p.allowed_tasks, p.allow_raw_chat
  from private.ai_plan_period(p_user_id, p_now) pp
  join public.plans p on p.id = pp.plan_id
  left join private.ai_quota_periods q on q.user_id = p_user_id and q.period_start = pp.period_start
$$;

revoke execute on function private.ai_reservation_ttl(), private.ai_plan_period(uuid, timestamptz),
  private.ai_admit(uuid, uuid, text, text, boolean, integer, integer, uuid, timestamptz),
  private.ai_settle_many(uuid[], text[], integer[], integer[], text[], integer[], text[], timestamptz),
  private.ai_usage_summary(uuid, timestamptz)
  from public, anon, authenticated;
grant execute on function private.ai_reservation_ttl(), private.ai_plan_period(uuid, timestamptz),
  private.ai_admit(uuid, uuid, text, text, boolean, integer, integer, uuid, timestamptz),
  private.ai_settle_many(uuid[], text[], integer[], integer[], text[], integer[], text[], timestamptz),
  private.ai_usage_summary(uuid, timestamptz)
  to service_role;
