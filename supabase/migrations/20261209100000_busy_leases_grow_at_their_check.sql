-- A busy quota lease that is running low grows at its check instead of running out (issue 14, added
-- p99 at 1,000 req/s from 200 users).
--
-- Why: since migration 20261208100100 a busy lease lives on while its plan is unchanged, but it still
-- admits no more than it took (64 requests at most). A user sending five requests a second used up
-- such a lease every 13 s, and the request that found it used up waited for a new lease's round trip:
-- at 1,000 req/s from 200 users, one request in sixty-four, which is the gateway's p99.
--
-- Now the check may also ask for more: private.ai_lease_renew answers what private.ai_lease_rules
-- answers (the lease's row still held, the plan, its rules and the billing period in force) and, for a
-- lease the service asks to grow, adds up to p_extra requests and p_extra_tokens quota tokens to it,
-- counted in Postgres at that moment exactly as a lease take counts its extras (migration
-- 20261206200000): under the user's current period row lock, requests and rate tokens taken from the
-- period row at once (the bucket refilled to now first), and each grant at most half of what the
-- user has left of requests, rate tokens and quota tokens. So the sum over every instance still never
-- passes a limit, and another instance's user always finds the rest.
--
-- Stream slots: a lease holding slots gives back, at each check, every slot it holds free then
-- (p_streams_returned, cumulative like the flush's figure), so a slot freed by a stream that ended is
-- free for the user's other instances by the lease's next check or its retirement, within 3 s as
-- before; it may then ask for new slots (p_extra_streams), granted under the period row lock against
-- the plan's max_concurrent_streams, at most half of what the user has left once the slots given
-- back are counted free, so the concurrent-stream limit stays exact across instances.
--
-- A lease grows only while its row exists and belongs to the billing period in force. What the lease
-- took, grown included, is given back as before: a flush returns its unused part when it retires, and
-- closing its row returns whatever it still held by this row's own figures, so a grant whose answer
-- never reached the service stays reserved until the lease closes and is then given back, never lost
-- and never spent twice.
--
-- Lock order: every period row a grant writes is locked first, in one statement ordered by user and
-- period start, as private.ai_flush_leases locks them.

create function private.ai_lease_renew(
  p_lease_ids uuid[],
  p_user_ids uuid[],
  p_extra integer[],
  p_extra_tokens bigint[],
  p_extra_streams integer[],
  p_streams_returned integer[],
  p_now timestamptz default now()
)
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
  period_end timestamptz,
  granted integer,
  granted_tokens bigint,
  granted_streams integer
)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v record;
  v_row private.ai_quota_periods%rowtype;
  v_lease_period timestamptz;
  v_ask integer;
  v_rate double precision;
  v_tokens double precision;
  v_extra integer;
  v_extra_tokens bigint;
  v_ask_streams integer;
  v_extra_streams integer;
  v_max_streams integer;
begin
  if cardinality(p_lease_ids) is distinct from cardinality(p_user_ids)
     or cardinality(p_lease_ids) is distinct from cardinality(p_extra)
     or cardinality(p_lease_ids) is distinct from cardinality(p_extra_tokens)
     or cardinality(p_lease_ids) is distinct from cardinality(p_extra_streams)
     or cardinality(p_lease_ids) is distinct from cardinality(p_streams_returned) then
    raise exception 'ai_lease_renew: one user, extra, extra tokens, extra streams and streams returned per lease' using errcode = '22023';
  end if;
  if exists (select 1 from unnest(p_extra, p_extra_tokens, p_extra_streams, p_streams_returned) as e(r, t, s, g)
             where r is null or r < 0 or t is null or t < 0 or s is null or s < 0 or g is null or g < 0) then
    raise exception 'ai_lease_renew: extras and returns are counts, never negative' using errcode = '22023';
  end if;

  if exists (select 1 from unnest(p_extra, p_extra_streams, p_streams_returned) as e(r, s, g) where r > 0 or s > 0 or g > 0) then
    perform set_config('synchronous_commit', 'off', true);
    perform 1 from private.ai_quota_periods q
    join private.ai_reservations r on r.user_id = q.user_id and r.period_start = q.period_start
    join unnest(p_lease_ids, p_user_ids, p_extra, p_extra_streams) as i(lease_id, user_id, extra, extra_streams)
      on r.request_id = i.lease_id and r.user_id = i.user_id and (i.extra > 0 or i.extra_streams > 0)
    where r.lease_requests is not null
    order by q.user_id, q.period_start
    for no key update of q;
  end if;

  for v in select * from private.ai_lease_rules(p_lease_ids, p_user_ids, p_now) loop
    slot := v.slot;
    lease_held := v.lease_held;
    plan_id := v.plan_id;
    requests_per_minute := v.requests_per_minute;
    monthly_request_limit := v.monthly_request_limit;
    monthly_token_limit := v.monthly_token_limit;
    max_output_tokens := v.max_output_tokens;
    allowed_models := v.allowed_models;
    allowed_tasks := v.allowed_tasks;
    allow_raw_chat := v.allow_raw_chat;
    period_start := v.period_start;
    period_end := v.period_end;
    granted := 0;
    granted_tokens := 0;
    granted_streams := 0;
    v_ask := p_extra[v.slot];
    v_ask_streams := p_extra_streams[v.slot];

    -- slots given back first (this only lowers what the user holds), so they count as free below
    if p_streams_returned[v.slot] > 0 and v.lease_held then
      update private.ai_reservations r
      set lease_streams_returned = least(greatest(r.lease_streams_returned, p_streams_returned[v.slot]), r.lease_streams)
      where r.request_id = p_lease_ids[v.slot] and r.lease_requests is not null;
    end if;

    -- grants only to a lease whose row exists and belongs to the billing period in force
    v_lease_period := null;
    if (v_ask > 0 or v_ask_streams > 0) and v.lease_held and v.plan_id is not null then
      select r.period_start into v_lease_period from private.ai_reservations r where r.request_id = p_lease_ids[v.slot];
    end if;

    if v_ask_streams > 0 and v_lease_period = v.period_start then
      select p.max_concurrent_streams into v_max_streams from public.plans p where p.id = v.plan_id;
      -- at most half of what is left: another instance's user always finds the rest
      v_extra_streams := greatest(least(v_ask_streams, (v_max_streams - private.ai_streams_held(p_user_ids[v.slot])) / 2), 0);
      if v_extra_streams > 0 then
        update private.ai_reservations r
        set lease_streams = r.lease_streams + v_extra_streams, created_at = p_now
        where r.request_id = p_lease_ids[v.slot];
        granted_streams := v_extra_streams;
      end if;
    end if;

    if v_ask > 0 and v_lease_period = v.period_start then
      select * into v_row from private.ai_quota_periods q
      where q.user_id = p_user_ids[v.slot] and q.period_start = v_lease_period;
      if found then
        -- the bucket as ai_admit sees it: refilled to now, capped at its capacity less what leases hold
        v_rate := v.requests_per_minute / 60.0;
        v_tokens := least((v.requests_per_minute - v_row.rate_held)::double precision,
                          coalesce(v_row.rate_tokens + greatest(extract(epoch from (p_now - v_row.rate_refilled_at)), 0) * v_rate,
                                   (v.requests_per_minute - v_row.rate_held)::double precision));
        -- at most half of what is left: another instance's user always finds the rest
        v_extra := greatest(least(v_ask, floor(v_tokens / 2)::integer,
                                  coalesce((v.monthly_request_limit - v_row.requests_used) / 2, v_ask)), 0);
        if v_extra > 0 then
          v_extra_tokens := p_extra_tokens[v.slot];
          if v.monthly_token_limit is not null then
            v_extra_tokens := least(v_extra_tokens, (v.monthly_token_limit - v_row.tokens_used - v_row.tokens_reserved) / 2);
          end if;
          v_extra_tokens := greatest(v_extra_tokens, 0);
          update private.ai_quota_periods q
          set requests_used = q.requests_used + v_extra,
              rate_tokens = v_tokens - v_extra,
              rate_refilled_at = greatest(coalesce(q.rate_refilled_at, p_now), p_now),
              rate_held = q.rate_held + v_extra,
              tokens_reserved = q.tokens_reserved + v_extra_tokens,
              updated_at = p_now
          where q.user_id = v_row.user_id and q.period_start = v_row.period_start;
          update private.ai_reservations r
          set lease_requests = r.lease_requests + v_extra,
              lease_tokens = r.lease_tokens + v_extra_tokens,
              tokens_reserved = r.tokens_reserved + v_extra_tokens,
              created_at = p_now
          where r.request_id = p_lease_ids[v.slot];
          granted := v_extra;
          granted_tokens := v_extra_tokens;
        end if;
      end if;
    end if;
    return next;
  end loop;
end;
$$;
comment on function private.ai_lease_renew(uuid[], uuid[], integer[], bigint[], integer[], integer[], timestamptz) is
  'For each quota lease: what private.ai_lease_rules answers; the stream slots it gives back; and up to p_extra requests, p_extra_tokens and p_extra_streams slots added to it, each at most half of what its user has left (migration 20261209100000).';

revoke execute on function private.ai_lease_renew(uuid[], uuid[], integer[], bigint[], integer[], integer[], timestamptz)
  from public, anon, authenticated;
grant execute on function private.ai_lease_renew(uuid[], uuid[], integer[], bigint[], integer[], integer[], timestamptz) to service_role;
