-- Queue wake-ups: at most one NOTIFY per transaction and channel, instead of one per inserted row.
--
-- Why: the Stripe webhook benchmark (bench/README.md) missed 500 events/s; a course purchase inserts
-- two outbox rows (receipt, enrollment email), and each row's trigger sent its own notification
-- (payload = the row id). Every notification is queued at commit, signals the listening backend and
-- wakes the worker once more; and a transaction that notified takes Postgres' global notify lock at
-- commit (held until the commit record is written), which serialises concurrent notifying commits.
--
-- What changes: the payload is empty. Postgres delivers identical notifications (same channel, same
-- payload) of one transaction once, so however many rows a transaction queues, the worker is woken
-- once. Nobody reads the payload: jobs.Notifications wakes the channel's worker, which claims every
-- due row (up to its batch) whatever woke it. Still a row trigger, so a statement that inserted
-- nothing (on conflict do nothing) wakes nobody, and rows inserted by any client (PostgREST, the
-- service, triggers) still wake the worker promptly.

create or replace function private.notify_email_outbox()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('email_outbox', '');
  return null;
end
$$;

create or replace function private.notify_jobs()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('jobs', '');
  return null;
end
$$;
