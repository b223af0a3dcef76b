-- Coursework: live sessions, homework, submissions and resources.
--
-- All four are visible only to course participants (enrolled active/completed students,
-- the instructor, admins) and written by the course's instructor or an admin, except
-- submissions, which students write for themselves:
-- * A student submits only for homework of a course they are enrolled in, only as
--   themselves, and may edit the submission until it is graded.
-- * score, feedback, feedback_source, graded_at and graded_by are NEVER writable by the
--   student: they are outside the student's INSERT grant, and a guard trigger rejects any
--   change to them made with end-user rights by anyone but the course's instructor or an
--   admin (both students and instructors are `authenticated`, so column grants alone cannot
--   tell them apart). Grading stamps graded_at/graded_by; the service's AI job grades as a
--   trusted role and sets feedback_source = 'ai'.
-- * A student sees only their own submissions; an instructor those of their own courses.
-- * Sessions: only participants can read a session at all (that keeps meeting_url private).
-- Side effects: a graded submission queues the homework-feedback email; a new submission
-- queues the AI-feedback job; a session without a meeting link queues the meeting-link job.

-- sessions --------------------------------------------------------------------------------

create table public.sessions (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  title text not null check (char_length(title) between 1 and 200),
  description text not null default '' check (char_length(description) <= 5000),
  starts_at timestamptz not null,
  duration_minutes integer not null default 60 check (duration_minutes between 5 and 600),
  meeting_url text check (meeting_url ~ '^https://' and char_length(meeting_url) <= 2048),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.sessions is 'Live sessions. Only course participants can read them, which keeps meeting_url private.';

create index sessions_course_id_idx on public.sessions (course_id, starts_at);

create trigger set_updated_at before update on public.sessions
  for each row execute function private.set_updated_at();

-- Security definer: instructors' inserts must reach the private job queue.
create function private.session_meeting_link_job()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.meeting_url is null then
    perform private.enqueue_job('session.meeting_link',
      jsonb_build_object('session_id', new.id, 'course_id', new.course_id),
      'session.meeting_link:' || new.id::text);
  end if;
  return null;
end
$$;

create trigger meeting_link_job after insert on public.sessions
  for each row execute function private.session_meeting_link_job();

-- homework --------------------------------------------------------------------------------

create table public.homework (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  lesson_id uuid,
  title text not null check (char_length(title) between 1 and 200),
  instructions text not null default '' check (char_length(instructions) <= 50000),
  due_at timestamptz,
  max_score numeric(6, 2) not null default 100 check (max_score > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint homework_id_course_id_key unique (id, course_id),
  -- the optional lesson must belong to the same course; deleting it keeps the homework
  constraint homework_lesson_fkey foreign key (lesson_id, course_id)
    references public.lessons (id, course_id) on delete set null (lesson_id)
);

create index homework_course_id_idx on public.homework (course_id, lesson_id);
create index homework_lesson_id_idx on public.homework (lesson_id, course_id);

create trigger set_updated_at before update on public.homework
  for each row execute function private.set_updated_at();

-- submissions -----------------------------------------------------------------------------

create table public.submissions (
  id uuid primary key default gen_random_uuid(),
  homework_id uuid not null,
  course_id uuid not null,
  student_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  content text not null default '' check (char_length(content) <= 100000),
  attachment_path text check (char_length(attachment_path) <= 1024),
  submitted_at timestamptz not null default now(),
  score numeric(6, 2) check (score >= 0),
  feedback text check (char_length(feedback) <= 20000),
  feedback_source text check (feedback_source in ('instructor', 'ai')),
  graded_at timestamptz,
  graded_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint submissions_homework_id_student_id_key unique (homework_id, student_id),
  constraint submissions_homework_fkey foreign key (homework_id, course_id)
    references public.homework (id, course_id) on delete cascade
);
comment on table public.submissions is 'Homework submissions. Students write content; only the course instructor, admins or the service grade.';
comment on column public.submissions.course_id is 'Always the homework''s course (set by trigger, whatever the client sends).';
comment on column public.submissions.attachment_path is 'Object name in the homework bucket: <course_id>/<student_id>/<file>.';

create index submissions_course_id_idx on public.submissions (course_id, homework_id);
create index submissions_student_id_idx on public.submissions (student_id);
create index submissions_graded_by_idx on public.submissions (graded_by);

create trigger set_updated_at before update on public.submissions
  for each row execute function private.set_updated_at();

-- Security invoker on purpose (see private.is_end_user): inside it current_user is the
-- role the statement runs as, and homework is read with the caller's rights.
create function private.guard_submission()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  uid uuid := (select auth.uid());
  grading_changed boolean;
  content_changed boolean;
  limit_score numeric;
begin
  if tg_op = 'INSERT' then
    select h.course_id into new.course_id from public.homework h where h.id = new.homework_id;
    if private.is_end_user() then
      if new.score is not null or new.feedback is not null or new.feedback_source is not null
         or new.graded_at is not null or new.graded_by is not null then
        raise exception 'students cannot grade submissions' using errcode = '42501';
      end if;
      new.submitted_at := now();
    end if;
    return new;
  end if;

  if new.homework_id is distinct from old.homework_id or new.student_id is distinct from old.student_id
     or new.course_id is distinct from old.course_id then
    raise exception 'a submission cannot move to another homework, student or course' using errcode = '42501';
  end if;

  grading_changed := new.score is distinct from old.score or new.feedback is distinct from old.feedback
                     or new.feedback_source is distinct from old.feedback_source
                     or new.graded_at is distinct from old.graded_at or new.graded_by is distinct from old.graded_by;
  content_changed := new.content is distinct from old.content
                     or new.attachment_path is distinct from old.attachment_path
                     or new.submitted_at is distinct from old.submitted_at;

  if new.score is not null and new.score is distinct from old.score then
    select h.max_score into limit_score from public.homework h where h.id = new.homework_id;
    if limit_score is not null and new.score > limit_score then
      raise exception 'score % exceeds the homework''s max_score %', new.score, limit_score using errcode = '23514';
    end if;
  end if;

  if private.is_end_user() then
    if content_changed and (old.student_id is distinct from uid or old.graded_at is not null) then
      raise exception 'only the student can change their submission, and only until it is graded' using errcode = '42501';
    end if;
    if grading_changed then
      if not private.can_manage_course(old.course_id) then
        raise exception 'only the course''s instructor or an admin can grade' using errcode = '42501';
      end if;
      new.graded_at := now();
      new.graded_by := uid;
      new.feedback_source := 'instructor';
    end if;
    if content_changed then
      new.submitted_at := now();
    end if;
  elsif grading_changed and new.graded_at is not distinct from old.graded_at then
    new.graded_at := now();
  end if;
  return new;
end
$$;

create trigger guard_submission before insert or update on public.submissions
  for each row execute function private.guard_submission();

-- Security definer: students' and instructors' writes must reach the private outbox/queue.
create function private.submission_side_effects()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  hw record;
begin
  select h.title, c.title as course_title, c.slug as course_slug into hw
  from public.homework h join public.courses c on c.id = h.course_id
  where h.id = new.homework_id;
  if tg_op = 'INSERT' then
    perform private.enqueue_job('homework.ai_feedback',
      jsonb_build_object('submission_id', new.id, 'homework_id', new.homework_id, 'student_id', new.student_id),
      'homework.ai_feedback:' || new.id::text);
  elsif new.graded_at is not null
        and (old.graded_at is distinct from new.graded_at or old.feedback is distinct from new.feedback
             or old.score is distinct from new.score) then
    perform private.enqueue_email(new.student_id, 'homework_feedback',
      jsonb_build_object('submission_id', new.id, 'homework_id', new.homework_id,
                         'homework_title', hw.title, 'course_title', hw.course_title,
                         'course_slug', hw.course_slug, 'score', new.score,
                         'feedback_source', new.feedback_source),
      'homework_feedback:' || new.id::text || ':' || to_char(new.graded_at at time zone 'UTC', 'YYYYMMDDHH24MISSUS'),
      false);
  end if;
  return null;
end
$$;

create trigger side_effects after insert or update on public.submissions
  for each row execute function private.submission_side_effects();

-- resources -------------------------------------------------------------------------------

create table public.resources (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  title text not null check (char_length(title) between 1 and 200),
  kind text not null check (kind in ('link', 'file')),
  url text check (url ~ '^https?://' and char_length(url) <= 2048),
  storage_path text check (char_length(storage_path) <= 1024),
  position integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint resources_link_or_file check (
    (kind = 'link' and url is not null and storage_path is null)
    or (kind = 'file' and storage_path is not null and url is null)),
  constraint resources_file_in_course_folder check (storage_path like course_id::text || '/%')
);
comment on column public.resources.storage_path is 'Object name in the course-materials bucket, under <course_id>/.';

create index resources_course_id_idx on public.resources (course_id, position);

create trigger set_updated_at before update on public.resources
  for each row execute function private.set_updated_at();

-- grants and policies ---------------------------------------------------------------------

alter table public.sessions enable row level security;
alter table public.homework enable row level security;
alter table public.submissions enable row level security;
alter table public.resources enable row level security;

revoke all on table public.sessions, public.homework, public.submissions, public.resources
  from anon, authenticated, service_role;

grant select, delete on table public.sessions, public.homework, public.resources to authenticated;
grant insert (course_id, title, description, starts_at, duration_minutes, meeting_url) on table public.sessions to authenticated;
grant update (title, description, starts_at, duration_minutes, meeting_url) on table public.sessions to authenticated;
grant insert (course_id, lesson_id, title, instructions, due_at, max_score) on table public.homework to authenticated;
grant update (lesson_id, title, instructions, due_at, max_score) on table public.homework to authenticated;
grant insert (course_id, title, kind, url, storage_path, position) on table public.resources to authenticated;
grant update (title, kind, url, storage_path, position) on table public.resources to authenticated;

grant select on table public.submissions to authenticated;
grant insert (homework_id, student_id, content, attachment_path) on table public.submissions to authenticated;
grant update (content, attachment_path, score, feedback) on table public.submissions to authenticated;

grant select, insert, update, delete on table
  public.sessions, public.homework, public.submissions, public.resources to service_role;

-- sessions
create policy "course participants read sessions"
  on public.sessions for select to authenticated
  using (course_id in (select private.my_course_ids()) or (select private.is_admin()));
create policy "instructors schedule sessions for their courses and admins for any"
  on public.sessions for insert to authenticated
  with check (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));
create policy "instructors edit sessions of their courses and admins any"
  on public.sessions for update to authenticated
  using (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()))
  with check (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));
create policy "instructors delete sessions of their courses and admins any"
  on public.sessions for delete to authenticated
  using (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));

-- homework
create policy "course participants read homework"
  on public.homework for select to authenticated
  using (course_id in (select private.my_course_ids()) or (select private.is_admin()));
create policy "instructors set homework for their courses and admins for any"
  on public.homework for insert to authenticated
  with check (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));
create policy "instructors edit homework of their courses and admins any"
  on public.homework for update to authenticated
  using (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()))
  with check (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));
create policy "instructors delete homework of their courses and admins any"
  on public.homework for delete to authenticated
  using (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));

-- resources
create policy "course participants read resources"
  on public.resources for select to authenticated
  using (course_id in (select private.my_course_ids()) or (select private.is_admin()));
create policy "instructors add resources to their courses and admins to any"
  on public.resources for insert to authenticated
  with check (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));
create policy "instructors edit resources of their courses and admins any"
  on public.resources for update to authenticated
  using (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()))
  with check (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));
create policy "instructors delete resources of their courses and admins any"
  on public.resources for delete to authenticated
  using (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));

-- submissions
create policy "students read their own submissions, instructors those of their courses, admins all"
  on public.submissions for select to authenticated
  using (
    student_id = (select auth.uid())
    or course_id in (select private.my_taught_course_ids())
    or (select private.is_admin())
  );
create policy "enrolled students submit their own homework"
  on public.submissions for insert to authenticated
  with check (
    student_id = (select auth.uid())
    and course_id in (select private.my_enrolled_course_ids())
  );
create policy "students edit their ungraded submissions and instructors grade those of their courses"
  on public.submissions for update to authenticated
  using (
    (student_id = (select auth.uid()) and graded_at is null and course_id in (select private.my_enrolled_course_ids()))
    or course_id in (select private.my_taught_course_ids())
    or (select private.is_admin())
  )
  with check (
    (student_id = (select auth.uid()) and graded_at is null and course_id in (select private.my_enrolled_course_ids()))
    or course_id in (select private.my_taught_course_ids())
    or (select private.is_admin())
  );

revoke execute on function private.session_meeting_link_job() from public;
revoke execute on function private.guard_submission() from public;
revoke execute on function private.submission_side_effects() from public;
