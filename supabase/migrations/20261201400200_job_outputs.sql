-- Where the service's background jobs write their results, and the jobs that follow a live
-- session's changes.
--
-- * homework.ai_feedback: the instructor marks a homework for AI review; the homework.ai_feedback
--   job (queued for every new submission) grades only submissions of marked homework, through the
--   AI gateway, and writes score/feedback with feedback_source = 'ai' (the student still cannot).
-- * enrollments.certificate_*: the certificate.issue job (queued on completion) stores a PDF in the
--   certificates bucket under <student_id>/<code>.pdf and records its code and path here, so the
--   student (who reads their own enrollment) can find it; GET /certificates/{code} verifies a code
--   publicly through the service. Written only by the service (enrollments have no update grant).
-- * private.session_meetings: the Zoom meeting created for a session (id kept private, only the
--   join URL is in sessions.meeting_url); session updates and deletions queue session.meeting_update
--   and session.meeting_cancel so the meeting follows.

alter table public.homework add column ai_feedback boolean not null default false;
comment on column public.homework.ai_feedback is 'Set by the instructor: new submissions get AI feedback (charged to the instructor''s plan or the service budget).';
grant insert (ai_feedback), update (ai_feedback) on table public.homework to authenticated;

alter table public.enrollments
  add column certificate_code text unique check (certificate_code ~ '^GH-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$'),
  add column certificate_path text check (char_length(certificate_path) <= 1024),
  add column certificate_issued_at timestamptz;
comment on column public.enrollments.certificate_code is 'Verification code of the completion certificate; GET /certificates/{code} on the service verifies it.';
comment on column public.enrollments.certificate_path is 'Object name in the certificates bucket: <student_id>/<code>.pdf.';

create table private.session_meetings (
  session_id uuid primary key references public.sessions (id) on delete cascade,
  provider text not null default 'zoom' check (provider in ('zoom')),
  meeting_id text not null,
  created_at timestamptz not null default now()
);
comment on table private.session_meetings is 'The provider meeting behind sessions.meeting_url, so updates and cancellations reach it.';
revoke all on table private.session_meetings from public, anon, authenticated, service_role;

-- Security definer: instructors' updates and deletes must reach the private job queue and read
-- the private meeting table.
create function private.session_meeting_follow_up()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  meeting text;
begin
  select m.meeting_id into meeting from private.session_meetings m where m.session_id = old.id;
  if meeting is null then
    return old; -- BEFORE DELETE proceeds only when the row is returned; AFTER UPDATE ignores it
  end if;
  if tg_op = 'DELETE' then
    perform private.enqueue_job('session.meeting_cancel', jsonb_build_object('session_id', old.id, 'meeting_id', meeting),
      'session.meeting_cancel:' || old.id::text);
  elsif (new.title, new.starts_at, new.duration_minutes) is distinct from (old.title, old.starts_at, old.duration_minutes) then
    perform private.enqueue_job('session.meeting_update', jsonb_build_object('session_id', new.id, 'meeting_id', meeting),
      'session.meeting_update:' || new.id::text || ':' || to_char(clock_timestamp() at time zone 'UTC', 'YYYYMMDDHH24MISSUS'));
  end if;
  return old;
end
$$;
revoke execute on function private.session_meeting_follow_up() from public;

-- BEFORE DELETE: the meeting row is still there (it cascades with the session).
create trigger meeting_follow_up_delete before delete on public.sessions
  for each row execute function private.session_meeting_follow_up();
create trigger meeting_follow_up_update after update on public.sessions
  for each row execute function private.session_meeting_follow_up();
