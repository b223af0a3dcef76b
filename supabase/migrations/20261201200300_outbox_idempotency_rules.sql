-- Repeated events and their emails: one rule per template, and idempotency keys that follow it.
--
-- private.enqueue_email drops a second email with the same key, so the key says what counts as
-- "the same email". The rules (also in supabase/README.md):
--   welcome              once per user                    welcome:<user id>
--   enrollment_created   once per enrollment              enrollment_created:<enrollment id>
--   course_completed     once per enrollment: completing  course_completed:<enrollment id>
--                        again (completed -> active ->
--                        completed, e.g. after new lessons) is not announced again, in the app
--                        (notification course.completed) or by email, and no second certificate
--   homework_feedback    once per grading                 homework_feedback:<submission>:<graded_at>
--   payment_receipt      once per payment                 payment_receipt:<payment id>
--                        (its data carries no failure_reason: an earlier failed attempt is not news)
--   payment_failed       once per failed attempt          payment_failed:<payment id>:<event time>
--                        a payment that becomes failed, or that is still failed when a newer Stripe
--                        event (stripe_event_created_at moves) is applied to it: Stripe retried and
--                        failed again, and the customer must hear about each attempt
--   refund_issued        once per increase of the refunded amount, at that event
--                                                         refund_issued:<payment id>:<amount>:<event time>
--                        so a refund reversed and issued again for the same amount is announced again
-- <event time> is stripe_event_created_at (UTC, microseconds), else the transaction time. A Stripe
-- event delivered twice is stopped by the webhook ledger, and an older event is never applied, so
-- neither can send an email twice.

create or replace function private.payment_emails()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  data jsonb;
  course_title text;
  event_time text;
begin
  if new.user_id is null then
    return null;
  end if;
  select c.title into course_title from public.courses c where c.id = new.course_id;
  data := jsonb_build_object('payment_id', new.id, 'kind', new.kind, 'amount_cents', new.amount_cents,
                             'amount_refunded_cents', new.amount_refunded_cents, 'currency', new.currency,
                             'course_id', new.course_id, 'course_title', course_title);
  event_time := to_char(coalesce(new.stripe_event_created_at, now()) at time zone 'UTC', 'YYYYMMDDHH24MISSUS');
  if new.status = 'succeeded' and (tg_op = 'INSERT' or old.status is distinct from 'succeeded') then
    perform private.enqueue_email(new.user_id, 'payment_receipt', data, 'payment_receipt:' || new.id::text, true);
  end if;
  if new.status = 'failed'
     and (tg_op = 'INSERT' or old.status is distinct from 'failed'
          or new.stripe_event_created_at is distinct from old.stripe_event_created_at) then
    perform private.enqueue_email(new.user_id, 'payment_failed', data || jsonb_build_object('failure_reason', new.failure_reason),
      'payment_failed:' || new.id::text || ':' || event_time, true);
  end if;
  if new.amount_refunded_cents > 0
     and (tg_op = 'INSERT' or new.amount_refunded_cents > old.amount_refunded_cents) then
    perform private.enqueue_email(new.user_id, 'refund_issued', data,
      'refund_issued:' || new.id::text || ':' || new.amount_refunded_cents::text || ':' || event_time, true);
  end if;
  return null;
end
$$;

drop trigger if exists emails on public.payments;
create trigger emails after insert or update of status, amount_refunded_cents, stripe_event_created_at on public.payments
  for each row execute function private.payment_emails();

-- Security definer (unchanged): runs inside the completion trigger chain started by the student.
create or replace function private.notify_course_completed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'completed' and (tg_op = 'INSERT' or old.status is distinct from 'completed')
     and not exists (select 1 from public.notifications n
                     where n.user_id = new.student_id and n.kind = 'course.completed'
                       and n.payload ->> 'enrollment_id' = new.id::text) then
    insert into public.notifications (user_id, kind, payload)
    values (new.student_id, 'course.completed',
            jsonb_build_object('enrollment_id', new.id, 'course_id', new.course_id));
  end if;
  return null;
end
$$;
