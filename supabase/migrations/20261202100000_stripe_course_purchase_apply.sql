-- Stripe webhooks: a course purchase's event recorded and applied in ONE statement.
--
-- Why: the webhook benchmark (bench/README.md) missed its 500 events/s target at about 260/s.
-- A profile of the Postgres backend showed about a third of its CPU parsing and planning the
-- five client statements a course event took (the pool runs pgjdbc with prepareThreshold=0,
-- because Supavisor's transaction mode cannot keep server-side prepared statements, so every
-- client statement is parsed and planned each time), plus one round trip each. plpgsql keeps
-- its plans per backend across transactions, so the same work as one function call costs one
-- parse of a trivial statement and one round trip; called in auto-commit, that statement is
-- its own transaction: the ledger row and its application commit together or not at all.
--
-- What it does is what billing.CoursePurchases did in Java, unchanged: under the object's
-- advisory lock, insert the event into private.webhook_events (a duplicate id inserts nothing
-- and changes nothing), then re-derive the payment and the enrollment from the SET of events
-- held for the payment intent, so any order or repetition of deliveries ends in the same rows:
--   paid once any completed-and-paid (or no_payment_required) or async-succeeded session is held;
--   refunded by the largest amount_refunded any charge.refunded reported (it only grows);
--   a full refund revokes the enrollment; nothing is written until a checkout session names
--   the user and the course (a refund that overtook its checkout waits in the ledger).
-- Amounts are read as JSON numbers (Stripe's integers in the smallest currency unit).
-- Refusals (unknown user or course, an amount that does not match the course price) raise
-- SQLSTATE GH422 with the code as message and the explanation as detail; the statement rolls
-- back, so nothing is stored and the caller answers 422.

-- Under the object's advisory lock (null key: none), inserts the event into the ledger; false when
-- its id is already there (a duplicate: the caller changes nothing). The one way events enter it.
-- Not security definer: only the service (the owner) calls it.
create or replace function private.stripe_record_event(
  event_id text,
  event_type text,
  event_created timestamptz,
  event_livemode boolean,
  event_api_version text,
  key text,
  payload jsonb
)
returns boolean
language plpgsql
set search_path = ''
as $$
begin
  if key is not null then
    perform pg_advisory_xact_lock(hashtextextended(key, 7));
  end if;
  insert into private.webhook_events (id, type, created, livemode, api_version, object_key, payload, processed_at, attempts)
  values (event_id, event_type, event_created, event_livemode, event_api_version, key, payload, now(), 1)
  on conflict (id) do nothing;
  return found;
end
$$;
comment on function private.stripe_record_event(text, text, timestamptz, boolean, text, text, jsonb) is
  'Inserts one Stripe event into private.webhook_events under its object''s advisory lock; false when it is a duplicate.';

-- Not security definer: only the service (the owner) calls it; it writes the tables it owns.
create or replace function private.stripe_apply_course_event(
  event_id text,
  event_type text,
  event_created timestamptz,
  event_livemode boolean,
  event_api_version text,
  key text,
  payload jsonb
)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  session jsonb;
  buyer uuid;
  course uuid;
  price bigint;
  price_currency text;
  subtotal bigint;
  session_currency text;
  amount bigint;
  paid_at timestamptz;
  failed boolean;
  refunded bigint;
  charge text;
  full_refund boolean;
  refunded_at timestamptz;
  newest timestamptz;
begin
  if not private.stripe_record_event(event_id, event_type, event_created, event_livemode, event_api_version, key, payload) then
    return false; -- a duplicate: nothing changes
  end if;

  select e.payload -> 'data' -> 'object' into session
  from private.webhook_events e
  where e.object_key = key and e.type like 'checkout.session.%'
  order by e.id collate "C"
  limit 1;
  if session is null then
    return true; -- a refund that overtook its checkout: kept in the ledger, folded in when the checkout arrives
  end if;

  buyer := private.try_uuid(coalesce(session -> 'metadata' ->> 'user_id', session ->> 'client_reference_id'));
  course := private.try_uuid(session -> 'metadata' ->> 'course_id');
  if buyer is null or not exists (select 1 from public.profiles p where p.id = buyer) then
    raise exception using errcode = 'GH422', message = 'unknown_user',
      detail = 'The checkout session''s metadata.user_id names no user of this platform.';
  end if;
  select c.price_cents, c.currency into price, price_currency from public.courses c where c.id = course;
  if price is null then
    raise exception using errcode = 'GH422', message = 'unknown_course',
      detail = 'The checkout session''s metadata.course_id names no course of this platform.';
  end if;
  subtotal := case jsonb_typeof(session -> 'amount_subtotal') when 'number' then trunc((session ->> 'amount_subtotal')::numeric)::bigint else -1 end;
  session_currency := coalesce(session ->> 'currency', '');
  if subtotal <> price or lower(session_currency) is distinct from lower(price_currency) then
    raise exception using errcode = 'GH422', message = 'amount_mismatch',
      detail = format('The session charged %s %s for a course priced %s %s.', subtotal, session_currency, price, price_currency);
  end if;
  amount := case jsonb_typeof(session -> 'amount_total') when 'number' then trunc((session ->> 'amount_total')::numeric)::bigint else 0 end;

  select min(e.created) filter (where (e.type = 'checkout.session.completed'
                                       and e.payload -> 'data' -> 'object' ->> 'payment_status' in ('paid', 'no_payment_required'))
                                      or e.type = 'checkout.session.async_payment_succeeded'),
         coalesce(bool_or(e.type = 'checkout.session.async_payment_failed'), false),
         coalesce(max(x.refunded) filter (where e.type = 'charge.refunded'), 0),
         max(e.payload -> 'data' -> 'object' ->> 'id' collate "C")
           filter (where e.type = 'charge.refunded' and jsonb_typeof(e.payload -> 'data' -> 'object' -> 'id') = 'string'),
         min(e.created) filter (where e.type = 'charge.refunded'
                                      and x.refunded >= amount),
         max(e.created)
    into paid_at, failed, refunded, charge, refunded_at, newest
  from private.webhook_events e
    cross join lateral (select case jsonb_typeof(e.payload -> 'data' -> 'object' -> 'amount_refunded')
                                 when 'number' then trunc((e.payload -> 'data' -> 'object' ->> 'amount_refunded')::numeric)::bigint
                                 else 0 end as refunded) x
  where e.object_key = key;
  refunded := least(amount, refunded);
  failed := paid_at is null and failed;
  full_refund := paid_at is not null and amount > 0 and refunded >= amount;
  if not full_refund then
    refunded_at := null;
  end if;

  insert into public.payments as p (user_id, course_id, kind, amount_cents, amount_refunded_cents, currency, status,
      stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id, paid_at, refunded_at, stripe_event_created_at)
  values (buyer, course, 'course_purchase', amount, case when paid_at is null then 0 else refunded end, lower(session_currency),
      case when paid_at is null then case when failed then 'failed' else 'pending' end
           when full_refund then 'refunded' when refunded > 0 then 'partially_refunded' else 'succeeded' end,
      case when jsonb_typeof(session -> 'id') = 'string' then session ->> 'id' end, case jsonb_typeof(session -> 'payment_intent')
        when 'string' then session ->> 'payment_intent'
        when 'object' then case when jsonb_typeof(session -> 'payment_intent' -> 'id') = 'string' then session -> 'payment_intent' ->> 'id' end end,
      charge, paid_at, refunded_at, newest)
  on conflict (stripe_checkout_session_id) do update set
      amount_refunded_cents = excluded.amount_refunded_cents, status = excluded.status,
      stripe_payment_intent_id = excluded.stripe_payment_intent_id, stripe_charge_id = excluded.stripe_charge_id,
      paid_at = excluded.paid_at, refunded_at = excluded.refunded_at, stripe_event_created_at = excluded.stripe_event_created_at
  where (p.amount_refunded_cents, p.status, p.stripe_payment_intent_id, p.stripe_charge_id, p.paid_at, p.refunded_at, p.stripe_event_created_at)
      is distinct from (excluded.amount_refunded_cents, excluded.status, excluded.stripe_payment_intent_id, excluded.stripe_charge_id,
                        excluded.paid_at, excluded.refunded_at, excluded.stripe_event_created_at);

  -- A full refund revokes the enrollment whatever its state; otherwise a completed course stays completed.
  if paid_at is not null then
    insert into public.enrollments as e (student_id, course_id, status)
    values (buyer, course, case when full_refund then 'refunded' else 'active' end)
    on conflict (student_id, course_id) do update set status =
        case when excluded.status = 'refunded' then 'refunded' when e.status = 'completed' then 'completed' else excluded.status end
    where e.status is distinct from
        case when excluded.status = 'refunded' then 'refunded' when e.status = 'completed' then 'completed' else excluded.status end;
  end if;
  return true;
end
$$;
comment on function private.stripe_apply_course_event(text, text, timestamptz, boolean, text, text, jsonb) is
  'Records one Stripe event of a course purchase in the ledger and re-derives its payment and enrollment from all of the purchase''s events; false for a duplicate. Raises GH422 (message = refusal code) for an unknown user or course or a wrong amount.';

revoke execute on function private.stripe_record_event(text, text, timestamptz, boolean, text, text, jsonb) from public;
revoke execute on function private.stripe_apply_course_event(text, text, timestamptz, boolean, text, text, jsonb) from public;
