-- A busy quota lease is checked instead of retired (issue 14, added p99 at 1,000 req/s from 200
-- users).
--
-- Why: a lease admitted for at most 3 s after it was taken, the bound on how stale the plan it
-- carries may be (migration 20261204200000). So a user sending a few requests a second took a new
-- lease every 3 s, and the request that found the old one retired waited for that round trip: at
-- 1,000 req/s from 200 users, one request in fifteen, which is the gateway's p90 and p99
-- (bench/README.md, session 23).
--
-- Now, shortly before a busy lease's 3 s are up, the service asks private.ai_lease_rules for the
-- rules that lease would be taken under now, for many leases in one read-only statement. When the
-- lease's row still exists and the plan, its rules and the billing period are exactly those the
-- lease carries, the lease may admit for another 3 s from the moment the check was sent; otherwise
-- it retires. So the plan a lease applies is still never older than 3 s, and nothing is counted
-- differently: the lease's requests, tokens and rate tokens were counted in Postgres when it was
-- taken, and it admits no more than it took. A lease holding stream slots is never checked: it
-- retires at its 3 s, so a freed slot still reaches the user's other instances within 3.2 s.

create function private.ai_lease_rules(p_lease_ids uuid[], p_user_ids uuid[], p_now timestamptz default now())
returns table (
  slot integer,
  lease_held boolean,
  plan_id text,
  requests_per_minute integer,
  monthly_request_limit integer,
  monthly_token_limit bigint,
  max_output_tokens integer,
  allowed_models text[],
  allowed_tasks text[],
  allow_raw_chat boolean,
  period_start timestamptz,
  period_end timestamptz
)
language sql
stable
set search_path = ''
as $$
  select i.slot::integer,
         exists (select 1 from private.ai_reservations r
                 where r.request_id = i.lease_id and r.user_id = i.user_id and r.lease_requests is not null),
         p.id, p.requests_per_minute, p.monthly_request_limit, p.monthly_token_limit, p.max_output_tokens,
         p.allowed_models, p.allowed_tasks, p.allow_raw_chat, f.period_start, f.period_end
  from unnest(p_lease_ids, p_user_ids) with ordinality as i(lease_id, user_id, slot)
  cross join lateral private.plan_in_force(i.user_id, p_now) f
  left join public.plans p on p.id = f.plan_id
  order by i.slot;
$$;
comment on function private.ai_lease_rules(uuid[], uuid[], timestamptz) is
  'For each quota lease: whether its row still exists, and the plan rules and billing period it would be taken under now (migration 20261208100100).';

revoke execute on function private.ai_lease_rules(uuid[], uuid[], timestamptz) from public, anon, authenticated;
grant execute on function private.ai_lease_rules(uuid[], uuid[], timestamptz) to service_role;
