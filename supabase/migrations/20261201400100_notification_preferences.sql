-- Notification preferences per kind and channel, honoured by private.enqueue_email; SMS rows in
-- the outbox.
--
-- Why: users choose which non-essential messages they get (course updates, homework feedback,
-- marketing), by email and, with a phone number Supabase Auth has verified, by SMS. Receipts, payment
-- failures, refunds and auth emails always go: their templates map to no kind.
-- * public.notification_preferences: one row per profile, created with the profile (and backfilled
--   here), so users only ever update their own row; they cannot insert, delete or touch another's.
-- * private.notification_kind(template): which kind a template belongs to (null = essential).
-- * private.enqueue_email keeps its signature; its body now also applies the preferences and queues
--   an SMS twin (channel 'sms', key '<key>:sms') when the user opted into that kind by SMS and
--   auth.users has a confirmed phone. email_opt_out still silences every non-essential email.
-- * email_outbox gains channel and to_phone; 'skipped' marks a row deliberately not delivered
--   (the SMS channel is off in this deployment) so it counts neither as sent nor as dead. The job
--   queue gets the same status for jobs with nothing to do (e.g. Zoom not configured).

create table public.notification_preferences (
  user_id uuid primary key references public.profiles (id) on delete cascade,
  email_course_updates boolean not null default true,
  email_feedback boolean not null default true,
  email_marketing boolean not null default false,
  sms_course_updates boolean not null default false,
  sms_feedback boolean not null default false,
  sms_marketing boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.notification_preferences is 'Which non-essential messages a user gets, per kind and channel. One row per profile; the owner updates it.';

create trigger set_updated_at before update on public.notification_preferences
  for each row execute function private.set_updated_at();

-- Security definer: runs in the sign-up chain (as supabase_auth_admin) and writes a table the
-- signing-up user has no insert grant on.
create function private.create_notification_preferences()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.notification_preferences (user_id) values (new.id) on conflict (user_id) do nothing;
  return null;
end
$$;
revoke execute on function private.create_notification_preferences() from public;

create trigger create_notification_preferences after insert on public.profiles
  for each row execute function private.create_notification_preferences();

insert into public.notification_preferences (user_id) select p.id from public.profiles p on conflict (user_id) do nothing;

alter table public.notification_preferences enable row level security;
revoke all on table public.notification_preferences from anon, authenticated, service_role;
grant select on table public.notification_preferences to authenticated;
grant update (email_course_updates, email_feedback, email_marketing, sms_course_updates, sms_feedback, sms_marketing)
  on table public.notification_preferences to authenticated;
grant select, insert, update, delete on table public.notification_preferences to service_role;

drop policy if exists "users read their own notification preferences" on public.notification_preferences;
create policy "users read their own notification preferences"
  on public.notification_preferences for select to authenticated
  using (user_id = (select auth.uid()));
drop policy if exists "users change their own notification preferences" on public.notification_preferences;
create policy "users change their own notification preferences"
  on public.notification_preferences for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

-- the outbox's SMS rows -------------------------------------------------------------------

alter table private.email_outbox
  add column channel text not null default 'email' check (channel in ('email', 'sms')),
  add column to_phone text check (to_phone ~ '^\+[1-9][0-9]{6,14}$'),
  alter column to_email drop not null,
  add constraint email_outbox_recipient_for_channel check (
    (channel = 'email' and to_email is not null) or (channel = 'sms' and to_phone is not null));

alter table private.email_outbox drop constraint email_outbox_status_check;
alter table private.email_outbox add constraint email_outbox_status_check
  check (status in ('pending', 'sending', 'sent', 'failed', 'dead', 'skipped'));
alter table private.jobs drop constraint jobs_status_check;
alter table private.jobs add constraint jobs_status_check
  check (status in ('pending', 'running', 'succeeded', 'failed', 'dead', 'skipped'));

comment on column private.email_outbox.channel is 'email (to_email, through Resend) or sms (to_phone, E.164, through Twilio).';

-- Immutable lookup: the preference kind of a template; null = essential (always sent by email, never by SMS).
create function private.notification_kind(template_name text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when template_name in ('enrollment_created', 'course_completed', 'certificate_issued') then 'course_updates'
    when template_name in ('homework_feedback') then 'feedback'
    when template_name like 'marketing\_%' then 'marketing'
  end
$$;
revoke execute on function private.notification_kind(text) from public;

-- Same signature and contract as before (see 20261123000400): returns the email row's id, or null
-- when no email was queued. Security definer for the same reason: called from triggers on tables
-- end users write, it reads auth.users and writes the private outbox.
create or replace function private.enqueue_email(
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
  phone text;
  opted_out boolean;
  prefs public.notification_preferences;
  kind text := private.notification_kind(template_name);
  wants_email boolean := true;
  wants_sms boolean := false;
  new_id bigint;
begin
  select u.email, case when u.phone_confirmed_at is not null and u.phone is not null and u.phone <> ''
                       then '+' || ltrim(u.phone, '+') end
    into address, phone
  from auth.users u where u.id = recipient_id;
  if address is not null and (char_length(address) > 320 or address !~ '^[^@[:space:]]+@[^@[:space:]]+$') then
    address := null;
  end if;
  if phone is not null and phone !~ '^\+[1-9][0-9]{6,14}$' then
    phone := null;
  end if;
  if not essential or kind is not null then
    select p.email_opt_out into opted_out from public.profiles p where p.id = recipient_id;
    wants_email := not coalesce(opted_out, false);
  end if;
  if kind is not null then
    select * into prefs from public.notification_preferences np where np.user_id = recipient_id;
    wants_email := wants_email and case kind
      when 'course_updates' then coalesce(prefs.email_course_updates, true)
      when 'feedback' then coalesce(prefs.email_feedback, true)
      else coalesce(prefs.email_marketing, false) end;
    wants_sms := case kind
      when 'course_updates' then coalesce(prefs.sms_course_updates, false)
      when 'feedback' then coalesce(prefs.sms_feedback, false)
      else coalesce(prefs.sms_marketing, false) end;
  end if;
  if wants_email and address is not null then
    insert into private.email_outbox (to_email, user_id, template, data, idempotency_key)
    values (address, recipient_id, template_name, coalesce(template_data, '{}'::jsonb), key)
    on conflict (idempotency_key) do nothing
    returning id into new_id;
  end if;
  if wants_sms and phone is not null then
    insert into private.email_outbox (channel, to_phone, user_id, template, data, idempotency_key)
    values ('sms', phone, recipient_id, template_name, coalesce(template_data, '{}'::jsonb), key || ':sms')
    on conflict (idempotency_key) do nothing;
  end if;
  return new_id;
end
$$;
