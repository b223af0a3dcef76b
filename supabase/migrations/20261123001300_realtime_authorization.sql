-- Realtime: Postgres Changes for course chat and notifications, and authorization of the
-- private broadcast/presence channels `course:<course_id>`.
--
-- messages and notifications join the supabase_realtime publication; Realtime delivers a
-- change only to subscribers whose SELECT policy on the table allows the row (participants
-- for messages, the owner for notifications).
-- Private channels: when a client joins `course:<id>` with private: true, Realtime checks
-- policies on realtime.messages with realtime.topic() set to the channel name: a SELECT
-- policy that lets the probe row through grants join/receive, an INSERT policy grants
-- send/track presence. The probe rows carry only topic and extension (payload and event are
-- null), so the policies decide on realtime.topic() and extension alone. Both allow exactly
-- the course participants: enrolled (active/completed) students, the instructor, admins.
-- The topic is untrusted: a malformed one parses to null and authorizes nothing (no error).

alter publication supabase_realtime add table public.messages, public.notifications;

create function private.course_id_from_topic(topic text)
returns uuid
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  if topic is null or left(topic, 7) <> 'course:' then
    return null;
  end if;
  return private.try_uuid(substr(topic, 8));
end
$$;
comment on function private.course_id_from_topic(text) is 'The course id in a realtime topic course:<uuid>; null for anything else. Never raises.';

create policy "course participants join and receive their course channel"
  on realtime.messages for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and (select private.is_course_participant(private.course_id_from_topic((select realtime.topic()))))
  );

create policy "course participants send and track presence on their course channel"
  on realtime.messages for insert to authenticated
  with check (
    realtime.messages.extension in ('broadcast', 'presence')
    and (select private.is_course_participant(private.course_id_from_topic((select realtime.topic()))))
  );

revoke execute on function private.course_id_from_topic(text) from public;
grant execute on function private.course_id_from_topic(text) to authenticated, service_role;
