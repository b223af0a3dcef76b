-- A leaner admission: the same rules, limits and lock order as private.ai_admit of migration
-- 20261201200200, in fewer statements (issue 14: admission was about 1.2 ms of Postgres CPU,
-- spread evenly over the executor start-up of its dozen statements, not in any one of them).
--
--   * The plan in force and the plan's row are read in one statement instead of two.
--   * The user's expired reservations are looked for with one index probe first; only when there
--     are some (rare: the service sweeps everyone's every minute) does admission lock their
--     periods' rows and call private.ai_expire_reservations, exactly as before. Otherwise it locks
--     the current period row alone (the only row it writes, so the lock order holds) and skips the
--     expiry call, which found nothing to do on almost every admission.
--   * private.ai_reservations loses its foreign key to auth.users: its (user_id, period_start)
--     key to private.ai_quota_periods already pins the user (that row references auth.users and
--     cascades), so every admission ran a second referential check for nothing. A deleted user is
--     still refused: their period rows are gone, and creating one fails on
--     ai_quota_periods_user_id_fkey, which the service reads as user_not_found.
--   * Its (user_id, created_at) index goes: the user's few live reservations are found through the
--     (user_id, period_start) index the period key needs anyway, so each admission and settlement
--     maintains one index fewer. The sweep keeps its created_at index.

alter table private.ai_reservations drop constraint ai_reservations_user_id_fkey;
drop index private.ai_reservations_user_created_idx;

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
