-- Stripe webhooks: a subscription event in three round trips instead of nine or more.
--
-- Why: the same profile as 20261202100000 (client statements parsed and planned each time,
-- prepareThreshold=0 for Supavisor, one round trip each). Which snapshot of a subscription is
-- newest stays decided in Java (billing.Subscriptions: phase, period end, then the chain of
-- previous_attributes), so a subscription event is:
--   1. private.stripe_record_subscription_event: record the event under the object's lock and
--      hand back the payloads of the object's other events (null for a duplicate);
--   2. private.stripe_apply_subscription: the rows the Java fold decided, written in one call;
--   3. commit. Both calls run in one transaction: the ledger row and its rows commit together.

-- Not security definer: only the service (the owner) calls it.
create or replace function private.stripe_record_subscription_event(
  event_id text,
  event_type text,
  event_created timestamptz,
  event_livemode boolean,
  event_api_version text,
  key text,
  payload jsonb
)
returns text[]
language plpgsql
set search_path = ''
as $$
begin
  if not private.stripe_record_event(event_id, event_type, event_created, event_livemode, event_api_version, key, payload) then
    return null;
  end if;
  return coalesce((select array_agg(e.payload::text) from private.webhook_events e where e.object_key = key and e.id <> event_id),
                  '{}'::text[]);
end
$$;
comment on function private.stripe_record_subscription_event(text, text, timestamptz, boolean, text, text, jsonb) is
  'Records one Stripe event (null key: recorded only) and returns the payloads of the other events of its object; null for a duplicate.';

-- The subscription row, the customer mapping and the invoice payments that billing.Subscriptions
-- derived from the object's events. named_user: metadata.user_id or the checkout's
-- client_reference_id (refused when it names no user); otherwise the customer's known user.
-- invoices: [{"id", "amount_cents", "currency", "status", "paid_at", "failure_reason", "event_created"}]
-- with epoch seconds. False, and nothing written, when the subscription is no user's of this
-- platform. Raises GH422 (message = refusal code, detail = explanation) for an unknown user or price.
create or replace function private.stripe_apply_subscription(
  named_user text,
  customer text,
  price_id text,
  subscription_status text,
  subscription_id text,
  period_start timestamptz,
  period_end timestamptz,
  at_period_end boolean,
  canceled timestamptz,
  newest timestamptz,
  livemode boolean,
  invoices jsonb
)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  buyer uuid;
  plan text;
  row_id uuid;
  invoice jsonb;
begin
  if named_user is not null then
    buyer := private.try_uuid(named_user);
    if buyer is null or not exists (select 1 from public.profiles p where p.id = buyer) then
      raise exception using errcode = 'GH422', message = 'unknown_user',
        detail = 'The subscription''s metadata.user_id names no user of this platform.';
    end if;
  elsif customer is not null then
    select sc.user_id into buyer from private.stripe_customers sc where sc.stripe_customer_id = customer;
  end if;
  if buyer is null then
    return false; -- not a subscription of this platform's users (no metadata, unknown customer): recorded only
  end if;
  select pl.id into plan from public.plans pl where pl.stripe_price_id = price_id;
  if plan is null then
    raise exception using errcode = 'GH422', message = 'unknown_price',
      detail = format('The subscription''s price %s is the stripe_price_id of no plan; set public.plans.stripe_price_id, and Stripe''s retry will apply it.', price_id);
  end if;

  insert into public.subscriptions as s (user_id, plan_id, status, stripe_subscription_id, stripe_customer_id,
      current_period_start, current_period_end, cancel_at_period_end, canceled_at, stripe_event_created_at)
  values (buyer, plan, subscription_status, subscription_id, customer, period_start, period_end, at_period_end, canceled, newest)
  on conflict (stripe_subscription_id) do update set
      user_id = excluded.user_id, plan_id = excluded.plan_id, status = excluded.status, stripe_customer_id = excluded.stripe_customer_id,
      current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
      cancel_at_period_end = excluded.cancel_at_period_end, canceled_at = excluded.canceled_at,
      stripe_event_created_at = excluded.stripe_event_created_at
  where (s.user_id, s.plan_id, s.status, s.stripe_customer_id, s.current_period_start, s.current_period_end,
         s.cancel_at_period_end, s.canceled_at, s.stripe_event_created_at)
      is distinct from (excluded.user_id, excluded.plan_id, excluded.status, excluded.stripe_customer_id, excluded.current_period_start,
         excluded.current_period_end, excluded.cancel_at_period_end, excluded.canceled_at, excluded.stripe_event_created_at);
  if customer is not null then
    insert into private.stripe_customers (user_id, stripe_customer_id, livemode) values (buyer, customer, livemode) on conflict do nothing;
  end if;
  select s.id into row_id from public.subscriptions s where s.stripe_subscription_id = subscription_id;

  for invoice in select * from jsonb_array_elements(coalesce(invoices, '[]'::jsonb)) loop
    insert into public.payments as p (user_id, subscription_id, kind, amount_cents, currency, status, stripe_invoice_id,
        paid_at, failure_reason, stripe_event_created_at)
    values (buyer, row_id, 'subscription', (invoice ->> 'amount_cents')::bigint, invoice ->> 'currency', invoice ->> 'status',
        invoice ->> 'id', to_timestamp((invoice ->> 'paid_at')::bigint), invoice ->> 'failure_reason',
        to_timestamp((invoice ->> 'event_created')::bigint))
    on conflict (stripe_invoice_id) do update set
        amount_cents = excluded.amount_cents, status = excluded.status, paid_at = excluded.paid_at,
        failure_reason = excluded.failure_reason, stripe_event_created_at = excluded.stripe_event_created_at
    where (p.amount_cents, p.status, p.paid_at, p.failure_reason, p.stripe_event_created_at)
        is distinct from (excluded.amount_cents, excluded.status, excluded.paid_at, excluded.failure_reason, excluded.stripe_event_created_at);
  end loop;
  return true;
end
$$;
comment on function private.stripe_apply_subscription(text, text, text, text, text, timestamptz, timestamptz, boolean, timestamptz, timestamptz, boolean, jsonb) is
  'Writes the subscription row, customer mapping and invoice payments that billing.Subscriptions derived; false when no user of this platform owns it.';

revoke execute on function private.stripe_record_subscription_event(text, text, timestamptz, boolean, text, text, jsonb) from public;
revoke execute on function private.stripe_apply_subscription(text, text, text, text, text, timestamptz, timestamptz, boolean, timestamptz, timestamptz, boolean, jsonb) from public;
