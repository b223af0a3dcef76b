-- Group lease takes (issue 14, streams at scale): many users' quota leases taken in one round trip
-- and one transaction, as private.ai_admit_many groups admissions.
--
-- Why: each lease take held one of the service's 4 take lanes for its whole round trip. While
-- 10,000 streams opened on two shared cores, each round trip stretched (the take's thread waits for
-- a core to run again after Postgres answered), so 4 lanes served a few dozen takes a second and
-- the users behind them waited up to 10 s, then were refused (bench/README.md). Grouped, the users
-- waiting at one moment go in the next statement together, so the takes a second grow with the
-- queue instead of staying at 4 per round trip.
--
-- Exactness: each slot is the same private.ai_lease as a take alone (migration 20261206200000),
-- run in user order, after every period row any of them writes is locked in (user, period) order
-- in one statement, the order ai_admit_many and ai_flush_leases lock in; so the limits stay exact
-- and groups cannot deadlock with each other or with a flush. The service sends each user at most
-- once per group (one take per user at a time). A group that fails is retried one by one by the
-- service, so one user's problem never refuses the others.

create function private.ai_lease_many(
  p_user_ids uuid[],
  p_lease_ids uuid[],
  p_models text[],
  p_tasks text[],
  p_is_streams boolean[],
  p_prompt_tokens integer[],
  p_requested_output_tokens integer[],
  p_api_key_ids uuid[],
  p_blocks integer[],
  p_streams integer[],
  -- every slot's older leases, flattened: p_old_slots[i] is the slot (1-based) p_old_ids[i] belongs to
  p_old_slots integer[],
  p_old_ids uuid[],
  p_old_used integer[],
  p_old_returned integer[],
  p_old_tokens_returned bigint[],
  p_old_streams_returned integer[],
  p_old_refunded integer[],
  p_old_charged bigint[],
  p_now timestamptz default now()
)
returns table (
  slot integer,
  admitted boolean,
  reason text,
  retry_after_seconds integer,
  plan_id text,
  granted_output_tokens integer,
  rpm_limit integer,
  rpm_remaining integer,
  rpm_reset_seconds double precision,
  period_start timestamptz,
  period_end timestamptz,
  requests_limit integer,
  requests_used integer,
  tokens_limit bigint,
  tokens_used bigint,
  rate_tokens double precision,
  lease_requests integer,
  lease_tokens bigint,
  lease_streams integer,
  max_output_tokens integer,
  allowed_models text[],
  allowed_tasks text[],
  allow_raw_chat boolean
)
language plpgsql
set search_path = ''
as $$
declare
  v_ask record;
  v_idx integer[];
begin
  if p_user_ids is null or cardinality(p_user_ids) = 0 then
    return;
  end if;
  if (select count(distinct u) from unnest(p_user_ids) u) <> cardinality(p_user_ids) then
    raise exception 'ai_lease_many: a user at most once per group' using errcode = '22023';
  end if;
  perform set_config('synchronous_commit', 'off', true);

  -- Every period row any slot writes, in (user, period) order, in one statement: each user's current
  -- ones, those of the leases given back and those of expired reservations ai_admit charges.
  perform 1 from private.ai_quota_periods q
  where q.user_id = any (p_user_ids)
    and (q.period_end > p_now
         or q.period_start in (select r.period_start from private.ai_reservations r
                               where r.user_id = q.user_id
                                 and (r.request_id = any (p_old_ids) or r.created_at < p_now - private.ai_reservation_ttl())))
  order by q.user_id, q.period_start
  for no key update;

  for v_ask in
    select a.* from unnest(p_user_ids, p_lease_ids, p_models, p_tasks, p_is_streams, p_prompt_tokens, p_requested_output_tokens,
                           p_api_key_ids, p_blocks, p_streams) with ordinality
      as a(user_id, lease_id, model, task, is_stream, prompt_tokens, requested_output_tokens, api_key_id, block, streams, slot)
    order by a.user_id
  loop
    v_idx := array(select i from generate_subscripts(coalesce(p_old_slots, '{}'), 1) i where p_old_slots[i] = v_ask.slot order by i);
    return query
      select v_ask.slot::integer, l.*
      from private.ai_lease(v_ask.user_id, v_ask.lease_id, v_ask.model, v_ask.task, v_ask.is_stream, v_ask.prompt_tokens,
                            v_ask.requested_output_tokens, v_ask.api_key_id, v_ask.block, null, v_ask.streams,
                            array(select p_old_ids[i] from unnest(v_idx) i),
                            array(select p_old_used[i] from unnest(v_idx) i),
                            array(select p_old_returned[i] from unnest(v_idx) i),
                            array(select p_old_tokens_returned[i] from unnest(v_idx) i),
                            array(select p_old_streams_returned[i] from unnest(v_idx) i),
                            array(select p_old_refunded[i] from unnest(v_idx) i),
                            array(select p_old_charged[i] from unnest(v_idx) i),
                            p_now) l;
  end loop;
end;
$$;

revoke execute on function private.ai_lease_many(uuid[], uuid[], text[], text[], boolean[], integer[], integer[], uuid[], integer[],
                                                 integer[], integer[], uuid[], integer[], integer[], bigint[], integer[], integer[],
                                                 bigint[], timestamptz)
  from public, anon, authenticated;
grant execute on function private.ai_lease_many(uuid[], uuid[], text[], text[], boolean[], integer[], integer[], uuid[], integer[],
                                                integer[], integer[], uuid[], integer[], integer[], bigint[], integer[], integer[],
                                                bigint[], timestamptz)
  to service_role;
