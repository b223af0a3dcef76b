-- Group admission: many concurrent admissions in one round trip and one transaction (issue 14).
--
-- Why: at a few hundred requests a second most of an admission's Postgres CPU was not the
-- admission's own statements but what every call pays around them: the protocol round trip,
-- the transaction's start and commit, the function call itself, and, in the service, a pooled
-- connection held for each. Admitting the callers that arrive together in one call (like group
-- commit) pays that once for the group.
--
-- How it holds: each admission in the group is the same private.ai_admit, run one after another
-- in (user_id, arrival) order inside the one transaction, so the checks, the counts, the
-- reservation rows and the refusals are exactly those of one call each, and two admissions of the
-- same user in a group see each other's counts. Lock order (migration 20261201200200): before any
-- write, every period row any of them may write - each user's current row (period_end after now)
-- and the rows of their expired reservations - is locked in (user_id, period_start) order in one
-- statement; a superset locked early only serialises more, never less. A new period row (inserted
-- by ai_admit) can still wait out of order; a deadlock or any other error aborts the whole group,
-- nothing of it is written, and the service admits those callers one by one instead.
create or replace function private.ai_admit_many(
  p_user_ids uuid[],
  p_request_ids uuid[],
  p_models text[],
  p_tasks text[],
  p_is_streams boolean[],
  p_prompt_tokens integer[],
  p_requested_output_tokens integer[],
  p_api_key_ids uuid[],
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
  tokens_used bigint
)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_ask record;
  v_one record;
begin
  if p_user_ids is null or cardinality(p_user_ids) = 0 then
    return;
  end if;
  perform set_config('synchronous_commit', 'off', true);

  perform 1 from private.ai_quota_periods q
  where q.user_id = any (p_user_ids)
    and (q.period_end > p_now
         or q.period_start in (select r.period_start from private.ai_reservations r
                               where r.user_id = q.user_id and r.created_at < p_now - private.ai_reservation_ttl()))
  order by q.user_id, q.period_start
  for no key update;

  for v_ask in
    select a.* from unnest(p_user_ids, p_request_ids, p_models, p_tasks, p_is_streams, p_prompt_tokens,
                           p_requested_output_tokens, p_api_key_ids) with ordinality
      as a(user_id, request_id, model, task, is_stream, prompt_tokens, requested_output_tokens, api_key_id, slot)
    order by a.user_id, a.slot
  loop
    select * into v_one from private.ai_admit(v_ask.user_id, v_ask.request_id, v_ask.model, v_ask.task, v_ask.is_stream,
                                              v_ask.prompt_tokens, v_ask.requested_output_tokens, v_ask.api_key_id, p_now);
    slot := v_ask.slot::integer;
    admitted := v_one.admitted;
    reason := v_one.reason;
    retry_after_seconds := v_one.retry_after_seconds;
    plan_id := v_one.plan_id;
    granted_output_tokens := v_one.granted_output_tokens;
    rpm_limit := v_one.rpm_limit;
    rpm_remaining := v_one.rpm_remaining;
    rpm_reset_seconds := v_one.rpm_reset_seconds;
    period_start := v_one.period_start;
    period_end := v_one.period_end;
    requests_limit := v_one.requests_limit;
    requests_used := v_one.requests_used;
    tokens_limit := v_one.tokens_limit;
    tokens_used := v_one.tokens_used;
    return next;
  end loop;
end;
$$;

revoke execute on function private.ai_admit_many(uuid[], uuid[], text[], text[], boolean[], integer[], integer[], uuid[], timestamptz)
  from public, anon, authenticated;
grant execute on function private.ai_admit_many(uuid[], uuid[], text[], text[], boolean[], integer[], integer[], uuid[], timestamptz)
  to service_role;
