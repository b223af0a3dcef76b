-- What the service's queue workers need on private.email_outbox and private.jobs.
--
-- Both tables are drained by one mechanism in the service (claim due rows with FOR UPDATE SKIP
-- LOCKED, lease them, retry with backoff, dead-letter after max_attempts). For that the two tables
-- must carry the same bookkeeping:
-- * email_outbox gains locked_by (which worker holds a row; with attempts it fences a late finish
--   after the lease expired and another worker took the row over) and a per-row max_attempts,
--   which private.jobs already has.
-- * partial indexes make the dead-letter counts that /ready reports cheap on large tables.
-- Status meanings are unchanged: failed = waiting for a retry at next_attempt_at / run_at,
-- dead = given up (after max_attempts, or at once on a permanent error such as a 4xx refusal).

alter table private.email_outbox
  add column locked_by text,
  add column max_attempts integer not null default 8 check (max_attempts > 0);

comment on column private.email_outbox.locked_by is 'The worker instance holding the row while status = sending.';
comment on column private.email_outbox.max_attempts is 'After this many attempts a failing row goes dead.';

create index email_outbox_dead_idx on private.email_outbox (id) where status = 'dead';
create index jobs_dead_idx on private.jobs (id) where status = 'dead';
