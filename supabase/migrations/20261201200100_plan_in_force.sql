-- One function decides a user's plan and billing period: private.plan_in_force(user, at).
--
-- Before, private.current_plan (behind public.my_plan()) picked the most expensive live
-- subscription whatever its period, while private.ai_plan_period (behind admission and
-- GET /v1/usage) required now() inside the period and picked the latest period end: a user with
-- two subscriptions was shown one plan and held to another, and a renewal webhook arriving late
-- showed pro while admission refused pro's models. Now both call plan_in_force; the Stripe
-- webhooks that fill public.subscriptions rely on the same rule (its columns are unchanged).
--
-- The rule, for a user at a moment `at`:
--   1. A subscription grants its plan when its Stripe status is
--        active, trialing   - paid or in trial;
--        past_due           - Stripe is still retrying the invoice and ends the subscription
--                             (canceled or unpaid) if it never succeeds, so access continues;
--      and never when it is canceled, unpaid, incomplete (first payment not made),
--      incomplete_expired or paused;
--   2. and `at` is inside [current_period_start, current_period_end + grace), where
--        grace = 3 days, so a renewal whose webhook is late (Stripe retries failed deliveries for
--                up to three days) does not drop the user to free for that while;
--        grace = 0 when cancel_at_period_end: the plan is kept exactly until the period ends
--                (Stripe keeps the status active until then and will not renew);
--   3. with several such subscriptions, the most expensive plan wins (price_cents, then
--      sort_order, then the latest period end, then the subscription id: always one answer).
--   The billing period is the subscription's current period; during the grace it is the period
--   that the renewal will start: [current_period_end, current_period_end + period length), so
--   the usage counted during the grace lands on the same quota row the renewed period uses
--   (Stripe starts the next period exactly where the last one ended).
--   4. Without such a subscription the plan is 'free' and the period is the calendar month in UTC.

create function private.plan_in_force(p_user_id uuid, p_at timestamptz default now())
returns table (plan_id text, period_start timestamptz, period_end timestamptz, subscription_id uuid)
language plpgsql
stable
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_plan text;
  v_start timestamptz;
  v_end timestamptz;
  v_subscription uuid;
begin
  select s.plan_id, s.current_period_start, s.current_period_end, s.id
    into v_plan, v_start, v_end, v_subscription
  from public.subscriptions s
  join public.plans p on p.id = s.plan_id
  where s.user_id = p_user_id
    and s.status in ('active', 'trialing', 'past_due')
    and s.current_period_start is not null
    and s.current_period_end > s.current_period_start
    and p_at >= s.current_period_start
    and p_at < s.current_period_end + case when s.cancel_at_period_end then interval '0' else interval '3 days' end
  order by p.price_cents desc, p.sort_order desc, s.current_period_end desc, s.id
  limit 1;
  if found then
    plan_id := v_plan;
    subscription_id := v_subscription;
    if p_at < v_end then
      period_start := v_start;
      period_end := v_end;
    else
      period_start := v_end;
      period_end := v_end + (v_end - v_start);
    end if;
  else
    plan_id := 'free';
    subscription_id := null;
    period_start := date_trunc('month', p_at at time zone 'UTC') at time zone 'UTC';
    period_end := (date_trunc('month', p_at at time zone 'UTC') + interval '1 month') at time zone 'UTC';
  end if;
  return next;
end;
$$;
comment on function private.plan_in_force(uuid, timestamptz) is
  'THE rule for a user''s plan and billing period at a moment (see migration 20261201200100): shown by my_plan(), enforced by admission, reported by /v1/usage.';

-- Security definer (unchanged): reads any user's subscriptions regardless of RLS; EXECUTE for
-- service_role only. Now a view of plan_in_force at now().
create or replace function private.current_plan(user_id uuid)
returns public.plans
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  result public.plans;
begin
  select p.* into result
  from public.plans p
  where p.id = (select f.plan_id from private.plan_in_force(current_plan.user_id, now()) f);
  return result;
end
$$;
comment on function private.current_plan(uuid) is 'The plan in force for a user now, as private.plan_in_force decides.';

-- Kept for callers of the old name; it decides nothing itself.
create or replace function private.ai_plan_period(p_user_id uuid, p_now timestamptz)
returns table (plan_id text, period_start timestamptz, period_end timestamptz)
language plpgsql
stable
set search_path = ''
as $$
begin
  return query select f.plan_id, f.period_start, f.period_end from private.plan_in_force(p_user_id, p_now) f;
end;
$$;
comment on function private.ai_plan_period(uuid, timestamptz) is 'Deprecated alias: private.plan_in_force without the subscription id.';

create or replace function private.ai_usage_summary(p_user_id uuid, p_now timestamptz default now())
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
  from private.plan_in_force(p_user_id, p_now) pp
  join public.plans p on p.id = pp.plan_id
  left join private.ai_quota_periods q on q.user_id = p_user_id and q.period_start = pp.period_start
$$;

revoke execute on function private.plan_in_force(uuid, timestamptz) from public, anon, authenticated;
grant execute on function private.plan_in_force(uuid, timestamptz) to service_role;
