-- Task result cache: answers that survive every provider failing.
--
-- A task whose file sets cache.ttl_seconds keeps each user's last result per key (task, task
-- version, model, rendered variables: computed by the service) here. Within the TTL the service
-- answers from it without calling a provider; past the TTL a row is kept so that, when every
-- provider fails, the service can still answer with it (marked cached and stale) instead of a 502.
-- Private: only the service reads and writes it; results are per user and never shared.
-- Rows past their TTL by more than 30 days are useless and can be deleted at any time.

create table private.task_results (
  user_id uuid not null references auth.users (id) on delete cascade,
  cache_key text not null check (cache_key ~ '^[0-9a-f]{64}$'),
  task text not null check (char_length(task) <= 64),
  model text not null check (char_length(model) <= 200),
  output jsonb not null,
  usage jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (user_id, cache_key)
);
comment on table private.task_results is 'Per-user results of cache-enabled tasks: fresh ones reused within the TTL, any one served when every provider fails.';

create index task_results_expires_at_idx on private.task_results (expires_at);
