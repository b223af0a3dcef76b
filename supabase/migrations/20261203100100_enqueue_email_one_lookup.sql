-- private.enqueue_email reads the recipient once: address, phone, opt-out and preferences in one query.
--
-- Why: the row triggers were 44 % of the Postgres backend's CPU per webhook event (bench/README.md);
-- each course purchase queues two emails, and enqueue_email ran up to three lookups per email
-- (auth.users, then public.profiles, then public.notification_preferences), each a separate executor
-- start inside plpgsql. One query with two left joins on primary keys does the same reads at once.
--
-- Same signature, contract and rules as 20261201400100 (which holds their why): essential templates
-- ignore the opt-out and preferences; email_opt_out silences every non-essential email; the
-- preferences decide per kind and channel, defaults when the row is missing; an SMS twin only with a
-- confirmed, well-formed phone; never raises for bad recipient data. The only difference is that the
-- opt-out and preference columns are read even when the template does not need them (and ignored).

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
  email_course_updates boolean;
  email_feedback boolean;
  email_marketing boolean;
  sms_course_updates boolean;
  sms_feedback boolean;
  sms_marketing boolean;
  kind text := private.notification_kind(template_name);
  wants_email boolean := true;
  wants_sms boolean := false;
  new_id bigint;
begin
  select u.email,
         case when u.phone_confirmed_at is not null and u.phone is not null and u.phone <> '' then '+' || ltrim(u.phone, '+') end,
         p.email_opt_out, np.email_course_updates, np.email_feedback, np.email_marketing,
         np.sms_course_updates, np.sms_feedback, np.sms_marketing
    into address, phone, opted_out, email_course_updates, email_feedback, email_marketing,
         sms_course_updates, sms_feedback, sms_marketing
  from auth.users u
    left join public.profiles p on p.id = u.id
    left join public.notification_preferences np on np.user_id = u.id
  where u.id = recipient_id;
  if address is not null and (char_length(address) > 320 or address !~ '^[^@[:space:]]+@[^@[:space:]]+$') then
    address := null;
  end if;
  if phone is not null and phone !~ '^\+[1-9][0-9]{6,14}$' then
    phone := null;
  end if;
  if not essential or kind is not null then
    wants_email := not coalesce(opted_out, false);
  end if;
  if kind is not null then
    wants_email := wants_email and case kind
      when 'course_updates' then coalesce(email_course_updates, true)
      when 'feedback' then coalesce(email_feedback, true)
      else coalesce(email_marketing, false) end;
    wants_sms := case kind
      when 'course_updates' then coalesce(sms_course_updates, false)
      when 'feedback' then coalesce(sms_feedback, false)
      else coalesce(sms_marketing, false) end;
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
