-- Commerce: payments, the Stripe customer mapping and the Stripe webhook ledger.
--
-- payments are written only by the service from verified Stripe webhooks: end users have
-- SELECT on their own rows and no INSERT/UPDATE/DELETE grant at all, so nobody can fake or
-- alter a payment. Paid-course enrollments are likewise created only by the service.
-- Each payment state change is audited and queues the matching email in the same
-- transaction: receipt (succeeded), payment failed, refund (each increase of the refunded
-- amount). stripe_event_created_at lets the service ignore events older than the state it
-- already applied (Stripe does not guarantee delivery order).
-- The customer mapping and the event ledger are private: the Data API cannot reach them.
-- The ledger's primary key is Stripe's event id, so a duplicate delivery is detected with
-- one INSERT ... ON CONFLICT DO NOTHING inside the transaction that applies the event.

create table public.payments (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users (id) on delete set null,
  course_id uuid references public.courses (id) on delete set null,
  subscription_id uuid references public.subscriptions (id) on delete set null,
  kind text not null check (kind in ('course_purchase', 'subscription')),
  amount_cents integer not null check (amount_cents >= 0),
  amount_refunded_cents integer not null default 0
    check (amount_refunded_cents >= 0 and amount_refunded_cents <= amount_cents),
  currency text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  status text not null default 'pending'
    check (status in ('pending', 'succeeded', 'failed', 'refunded', 'partially_refunded', 'canceled')),
  stripe_checkout_session_id text unique,
  stripe_payment_intent_id text unique,
  stripe_invoice_id text unique,
  stripe_charge_id text,
  failure_reason text,
  paid_at timestamptz,
  refunded_at timestamptz,
  stripe_event_created_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.payments is 'Payments, written only by the service from Stripe webhooks. Users read their own.';
comment on column public.payments.user_id is 'Null only after the user was deleted: payment records are kept for accounting.';
comment on column public.payments.stripe_event_created_at is '`created` of the newest Stripe event applied to this row.';

create index payments_user_id_idx on public.payments (user_id, created_at desc);
create index payments_course_id_idx on public.payments (course_id);
create index payments_subscription_id_idx on public.payments (subscription_id);
create index payments_stripe_charge_id_idx on public.payments (stripe_charge_id);

create trigger set_updated_at before update on public.payments
  for each row execute function private.set_updated_at();
create trigger audit_change after insert or update or delete on public.payments
  for each row execute function private.audit_row_change();

-- Security definer: reads course titles and writes the private outbox whatever role the
-- writer has (in practice the service).
create function private.payment_emails()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  data jsonb;
  course_title text;
begin
  if new.user_id is null then
    return null;
  end if;
  select c.title into course_title from public.courses c where c.id = new.course_id;
  data := jsonb_build_object('payment_id', new.id, 'kind', new.kind, 'amount_cents', new.amount_cents,
                             'amount_refunded_cents', new.amount_refunded_cents, 'currency', new.currency,
                             'course_id', new.course_id, 'course_title', course_title,
                             'failure_reason', new.failure_reason);
  if new.status = 'succeeded' and (tg_op = 'INSERT' or old.status is distinct from 'succeeded') then
    perform private.enqueue_email(new.user_id, 'payment_receipt', data, 'payment_receipt:' || new.id::text, true);
  end if;
  if new.status = 'failed' and (tg_op = 'INSERT' or old.status is distinct from 'failed') then
    perform private.enqueue_email(new.user_id, 'payment_failed', data, 'payment_failed:' || new.id::text, true);
  end if;
  if new.amount_refunded_cents > 0
     and (tg_op = 'INSERT' or new.amount_refunded_cents > old.amount_refunded_cents) then
    perform private.enqueue_email(new.user_id, 'refund_issued', data,
      'refund_issued:' || new.id::text || ':' || new.amount_refunded_cents::text, true);
  end if;
  return null;
end
$$;

create trigger emails after insert or update of status, amount_refunded_cents on public.payments
  for each row execute function private.payment_emails();

alter table public.payments enable row level security;

revoke all on table public.payments from anon, authenticated, service_role;
grant select on table public.payments to authenticated;
grant select, insert, update, delete on table public.payments to service_role;

create policy "users read their own payments and admins read all"
  on public.payments for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

-- Stripe customer per user ----------------------------------------------------------------

create table private.stripe_customers (
  user_id uuid primary key references auth.users (id) on delete cascade,
  stripe_customer_id text not null unique,
  livemode boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table private.stripe_customers is 'The Stripe customer of each user, created by the service at first checkout.';

create trigger set_updated_at before update on private.stripe_customers
  for each row execute function private.set_updated_at();

-- Stripe webhook ledger -------------------------------------------------------------------

create table private.webhook_events (
  id text primary key check (char_length(id) between 1 and 255),
  type text not null check (char_length(type) between 1 and 255),
  created timestamptz not null,
  livemode boolean not null default false,
  api_version text,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  attempts integer not null default 0 check (attempts >= 0),
  last_error text,
  payload jsonb not null
);
comment on table private.webhook_events is 'Every Stripe event received, once (id = Stripe event id). processed_at null = not applied yet.';
comment on column private.webhook_events.created is 'Stripe''s event.created, used to order events per object.';

create index webhook_events_type_idx on private.webhook_events (type, created);
create index webhook_events_unprocessed_idx on private.webhook_events (received_at) where processed_at is null;

revoke all on table private.stripe_customers, private.webhook_events from public, anon, authenticated, service_role;

revoke execute on function private.payment_emails() from public;
