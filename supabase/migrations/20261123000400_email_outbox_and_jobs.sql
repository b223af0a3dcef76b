-- Transactional email outbox and background job queue (both private, both fed by triggers).
--
-- Why an outbox: an email must be sent if and only if the change that causes it commits.
-- Triggers insert outbox rows in the same transaction as the change (welcome, enrollment,
-- homework feedback, course completion, payment receipt/failure, refund); the service's
-- worker claims due rows with FOR UPDATE SKIP LOCKED, sends them through Resend with the
-- row's idempotency key, and records the outcome. The Supabase Auth Send Email hook inserts
-- rows here too (from the service). Every insert raises NOTIFY email_outbox, <id>, which is
-- delivered at commit, so the worker wakes immediately and polls only as a fallback.
-- Non-essential mail is skipped for users with profiles.email_opt_out.
--
-- The job queue works the same way for work that needs secrets (AI homework feedback,
-- meeting links, certificates), with NOTIFY jobs, <id>.
--
-- Status lifecycle (both tables): pending -> sending/running (claimed; locked_at set) ->
-- sent/succeeded, or failed (retry at next_attempt_at/run_at) -> ... -> dead (gave up).

create table private.email_outbox (
  id bigint generated always as identity primary key,
  to_email text not null check (char_length(to_email) <= 320 and to_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  user_id uuid references auth.users (id) on delete set null,
  template text not null check (template ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  data jsonb not null default '{}'::jsonb,
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed', 'dead')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  locked_at timestamptz,
  idempotency_key text not null unique check (char_length(idempotency_key) between 1 and 256),
  provider_message_id text,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz
);
comment on table private.email_outbox is 'Emails to send, written in the transaction that causes them; drained by the service''s outbox worker.';
comment on column private.email_outbox.idempotency_key is 'Unique per logical email (e.g. payment_receipt:<payment id>); also sent to Resend as Idempotency-Key.';

-- The worker's claim query: status in (pending, failed) and next_attempt_at <= now().
create index email_outbox_due_idx on private.email_outbox (next_attempt_at) where status in ('pending', 'failed');
-- Recovering rows whose worker died mid-send.
create index email_outbox_sending_idx on private.email_outbox (locked_at) where status = 'sending';
create index email_outbox_user_id_idx on private.email_outbox (user_id);

create trigger set_updated_at before update on private.email_outbox
  for each row execute function private.set_updated_at();

create table private.jobs (
  id bigint generated always as identity primary key,
  kind text not null check (kind ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'pending' check (status in ('pending', 'running', 'succeeded', 'failed', 'dead')),
  run_at timestamptz not null default now(),
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null default 5 check (max_attempts > 0),
  locked_at timestamptz,
  locked_by text,
  last_error text,
  dedupe_key text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
comment on table private.jobs is 'Background jobs for the service (kinds: homework.ai_feedback, session.meeting_link, certificate.issue).';
comment on column private.jobs.dedupe_key is 'Optional; a second enqueue with the same key is ignored.';

create index jobs_due_idx on private.jobs (run_at) where status in ('pending', 'failed');
create index jobs_running_idx on private.jobs (locked_at) where status = 'running';

create trigger set_updated_at before update on private.jobs
  for each row execute function private.set_updated_at();

revoke all on table private.email_outbox, private.jobs from public, anon, authenticated, service_role;

create function private.notify_email_outbox()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('email_outbox', new.id::text);
  return null;
end
$$;

create trigger notify_worker after insert on private.email_outbox
  for each row execute function private.notify_email_outbox();

create function private.notify_jobs()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('jobs', new.id::text);
  return null;
end
$$;

create trigger notify_worker after insert on private.jobs
  for each row execute function private.notify_jobs();

-- Security definer: called from triggers on tables end users write (enrollments,
-- submissions ...), it must read auth.users (the address) and write the private outbox.
-- Checks its caller: EXECUTE only for service_role (and the owner); triggers do not need it.
-- Returns the new row's id, or null when nothing was queued: no usable address, the user
-- opted out of non-essential mail, or the idempotency key was already used. It never raises
-- for bad recipient data, so a mail problem can never fail the change that caused it.
create function private.enqueue_email(
  recipient_id uuid,
  template_name text,
  template_data jsonb,
  key text,
  essential boolean default true
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  address text;
  opted_out boolean;
  new_id bigint;
begin
  select u.email into address from auth.users u where u.id = recipient_id;
  if address is null or char_length(address) > 320 or address !~ '^[^@[:space:]]+@[^@[:space:]]+$' then
    return null;
  end if;
  if not essential then
    select p.email_opt_out into opted_out from public.profiles p where p.id = recipient_id;
    if coalesce(opted_out, false) then
      return null;
    end if;
  end if;
  insert into private.email_outbox (to_email, user_id, template, data, idempotency_key)
  values (address, recipient_id, template_name, coalesce(template_data, '{}'::jsonb), key)
  on conflict (idempotency_key) do nothing
  returning id into new_id;
  return new_id;
end
$$;
comment on function private.enqueue_email(uuid, text, jsonb, text, boolean) is
  'Queues one email to a user''s auth address; essential => false honours profiles.email_opt_out. Returns the id or null.';

-- Security definer for the same reason as enqueue_email (end users' writes enqueue jobs).
-- Checks its caller: EXECUTE only for service_role and the owner.
create function private.enqueue_job(
  job_kind text,
  job_payload jsonb default '{}'::jsonb,
  job_dedupe_key text default null,
  job_run_at timestamptz default now()
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  new_id bigint;
begin
  insert into private.jobs (kind, payload, dedupe_key, run_at)
  values (job_kind, coalesce(job_payload, '{}'::jsonb), job_dedupe_key, coalesce(job_run_at, now()))
  on conflict (dedupe_key) do nothing
  returning id into new_id;
  return new_id;
end
$$;
comment on function private.enqueue_job(text, jsonb, text, timestamptz) is 'Queues a background job; returns its id, or null when the dedupe key was already used.';

-- Welcome mail when a profile is created (sign-up). Security definer: runs inside the
-- sign-up transaction (as supabase_auth_admin) and must write the private outbox.
create function private.email_welcome()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.enqueue_email(new.id, 'welcome',
    jsonb_build_object('display_name', new.display_name),
    'welcome:' || new.id::text, false);
  return null;
end
$$;

create trigger email_welcome after insert on public.profiles
  for each row execute function private.email_welcome();

revoke execute on function private.notify_email_outbox() from public;
revoke execute on function private.notify_jobs() from public;
revoke execute on function private.enqueue_email(uuid, text, jsonb, text, boolean) from public;
revoke execute on function private.enqueue_job(text, jsonb, text, timestamptz) from public;
revoke execute on function private.email_welcome() from public;
grant execute on function private.enqueue_email(uuid, text, jsonb, text, boolean) to service_role;
grant execute on function private.enqueue_job(text, jsonb, text, timestamptz) to service_role;
