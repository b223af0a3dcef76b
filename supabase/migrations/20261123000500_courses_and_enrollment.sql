-- Courses, lessons, enrollments and lesson progress, with the membership helpers every
-- course-scoped policy (here, in later migrations, in storage and realtime) relies on.
--
-- Rules enforced here:
-- * Unpublished courses are visible only to their instructor and admins; anon sees
--   published courses and, of their lessons, only those marked is_preview.
-- * Course participants are: students with an active or completed enrollment, the course's
--   instructor, and admins. Refunded students lose access. A student who enrolled keeps
--   access to the lessons even if the course is later unpublished (they may have paid),
--   although the course row itself is then hidden from them.
-- * Enrollment: a student may self-enroll only in a free, published course, as themselves,
--   with status active. Paid enrollments, status changes and refunds come from the service.
-- * When a student has completed every lesson of a course, the enrollment becomes
--   completed (completed_at set), which queues the completion email and a certificate job.
-- * Enrollment changes are audited; new enrollments send a confirmation email.
--
-- Membership helpers are security definer so that policies can ask "is the caller in this
-- course?" without the answer depending on (or recursing into) the caller's own RLS, and
-- they only ever answer about auth.uid(). Set-returning ones are used as
-- `course_id in (select private.my_course_ids())`, which Postgres evaluates once per query.
-- "Is the course published?" is a correlated primary-key probe (`exists (... c.id =
-- course_id ...)`) rather than `course_id in (published ids)`, which would hash every
-- published course on every query.

-- courses ---------------------------------------------------------------------------------

create table public.courses (
  id uuid primary key default gen_random_uuid(),
  instructor_id uuid not null default auth.uid() references public.profiles (id) on delete restrict,
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(slug) <= 120),
  title text not null check (char_length(title) between 1 and 200),
  description text not null default '' check (char_length(description) <= 20000),
  category text check (char_length(category) between 1 and 60),
  level text not null default 'beginner' check (level in ('beginner', 'intermediate', 'advanced')),
  price_cents integer not null default 0 check (price_cents >= 0),
  currency text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  is_published boolean not null default false,
  published_at timestamptz,
  rating_avg numeric(3, 2) not null default 0 check (rating_avg between 0 and 5),
  rating_count integer not null default 0 check (rating_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint courses_published_have_published_at check (not is_published or published_at is not null)
);
comment on table public.courses is 'Courses. Free when price_cents = 0. rating_* are maintained from reviews; published_at is stamped on first publish.';

create index courses_instructor_id_idx on public.courses (instructor_id);
create index courses_published_at_idx on public.courses (published_at desc, id) where is_published;
create index courses_category_idx on public.courses (category) where is_published;
create index courses_price_cents_idx on public.courses (price_cents) where is_published;
create index courses_rating_avg_idx on public.courses (rating_avg) where is_published;

create function private.stamp_published_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.is_published and new.published_at is null then
    new.published_at := now();
  end if;
  return new;
end
$$;

create trigger set_updated_at before update on public.courses
  for each row execute function private.set_updated_at();
create trigger stamp_published_at before insert or update of is_published on public.courses
  for each row execute function private.stamp_published_at();

-- lessons ---------------------------------------------------------------------------------

create table public.lessons (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  position integer not null check (position >= 1),
  title text not null check (char_length(title) between 1 and 200),
  body text not null default '' check (char_length(body) <= 200000),
  video_url text check (char_length(video_url) <= 2048),
  is_preview boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- deferrable so that one UPDATE can swap two positions
  constraint lessons_course_id_position_key unique (course_id, position) deferrable initially immediate,
  -- lets homework reference (lesson, course) and so guarantee the lesson is in that course
  constraint lessons_id_course_id_key unique (id, course_id)
);
comment on column public.lessons.is_preview is 'Preview lessons of published courses are readable by every signed-in user, enrolled or not (anon reads no lessons).';

create index lessons_preview_idx on public.lessons (course_id) where is_preview;

create trigger set_updated_at before update on public.lessons
  for each row execute function private.set_updated_at();

-- enrollments -----------------------------------------------------------------------------

create table public.enrollments (
  id uuid primary key default gen_random_uuid(),
  student_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete restrict,
  status text not null default 'active' check (status in ('active', 'completed', 'refunded')),
  enrolled_at timestamptz not null default now(),
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint enrollments_student_id_course_id_key unique (student_id, course_id),
  constraint enrollments_completed_have_completed_at check (status <> 'completed' or completed_at is not null)
);
comment on table public.enrollments is 'Students in courses. Students insert only free-course enrollments; the service writes the rest.';

-- course_id leads (FK, instructors' policy filter); enrolled_at serves roster pages in order
create index enrollments_course_id_idx on public.enrollments (course_id, enrolled_at desc);

create trigger set_updated_at before update on public.enrollments
  for each row execute function private.set_updated_at();
create trigger audit_change after insert or update or delete on public.enrollments
  for each row execute function private.audit_row_change();

-- lesson progress -------------------------------------------------------------------------

create table public.lesson_progress (
  student_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  lesson_id uuid not null,
  course_id uuid not null,
  completed_at timestamptz not null default now(),
  primary key (student_id, lesson_id),
  -- the pair guarantees course_id is the lesson's course
  constraint lesson_progress_lesson_fkey foreign key (lesson_id, course_id)
    references public.lessons (id, course_id) on delete cascade
);
comment on table public.lesson_progress is 'A row means the student completed the lesson. course_id is copied from the lesson by trigger.';
comment on column public.lesson_progress.course_id is 'Always the lesson''s course (set by trigger, whatever the client sends).';

create index lesson_progress_lesson_id_idx on public.lesson_progress (lesson_id, course_id);
create index lesson_progress_course_id_idx on public.lesson_progress (course_id, student_id);

-- Security invoker: an end user can only name a lesson they can see.
create function private.lesson_progress_set_course()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  select l.course_id into new.course_id from public.lessons l where l.id = new.lesson_id;
  return new;
end
$$;

create trigger set_course before insert or update of lesson_id, course_id on public.lesson_progress
  for each row execute function private.lesson_progress_set_course();

-- membership helpers ----------------------------------------------------------------------

create function private.my_taught_course_ids()
returns setof uuid
language plpgsql
stable
security definer
rows 10
set search_path = ''
as $$
begin
  return query select c.id from public.courses c where c.instructor_id = (select auth.uid());
end
$$;
comment on function private.my_taught_course_ids() is
  'Security definer (policies must not depend on the caller''s RLS): ids of courses the requesting user teaches.';

create function private.my_enrolled_course_ids()
returns setof uuid
language plpgsql
stable
security definer
rows 10
set search_path = ''
as $$
begin
  return query
    select e.course_id from public.enrollments e
    where e.student_id = (select auth.uid()) and e.status in ('active', 'completed');
end
$$;
comment on function private.my_enrolled_course_ids() is
  'Security definer (policies must not depend on the caller''s RLS): ids of courses the requesting user is enrolled in (active or completed).';

create function private.my_course_ids()
returns setof uuid
language plpgsql
stable
security definer
rows 20
set search_path = ''
as $$
begin
  -- union all: duplicates are harmless to `in (...)`, and skipping the de-duplication
  -- hash saves most of this function's cost
  return query
    select c.id from public.courses c where c.instructor_id = (select auth.uid())
    union all
    select e.course_id from public.enrollments e
    where e.student_id = (select auth.uid()) and e.status in ('active', 'completed');
end
$$;
comment on function private.my_course_ids() is
  'Security definer (policies must not depend on the caller''s RLS): ids of courses the requesting user teaches or is enrolled in. Admins are not listed here; policies add (select private.is_admin()).';

create function private.is_enrolled(target_course_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select 1 from public.enrollments e
    where e.student_id = (select auth.uid())
      and e.course_id = target_course_id
      and e.status in ('active', 'completed')
  );
end
$$;
comment on function private.is_enrolled(uuid) is
  'Security definer (reads enrollments regardless of RLS): the requesting user has an active or completed enrollment in the course. False for null.';

create function private.can_manage_course(target_course_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if target_course_id is null then
    return false;
  end if;
  return exists (select 1 from public.courses c
                 where c.id = target_course_id and c.instructor_id = (select auth.uid()))
      or private.is_admin();
end
$$;
comment on function private.can_manage_course(uuid) is
  'Security definer (reads courses regardless of RLS): the requesting user is the course''s instructor or an admin. False for null.';

create function private.is_course_participant(target_course_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if target_course_id is null then
    return false;
  end if;
  return private.is_enrolled(target_course_id) or private.can_manage_course(target_course_id);
end
$$;
comment on function private.is_course_participant(uuid) is
  'Security definer: the requesting user is enrolled (active/completed), teaches the course, or is an admin. False for null.';

create function private.is_free_published_course(target_course_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select 1 from public.courses c
    where c.id = target_course_id and c.is_published and c.price_cents = 0
  );
end
$$;
comment on function private.is_free_published_course(uuid) is
  'Security definer (the enrollment policy must see the course whatever the caller may read): the course is published and free.';

-- completion ------------------------------------------------------------------------------

-- Security definer: the student may not update enrollments. The enrollment row is locked
-- first so that two lessons completed concurrently cannot both miss the final count.
create function private.complete_enrollment_when_all_lessons_done()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  enrollment uuid;
  total_lessons integer;
  done_lessons integer;
begin
  select e.id into enrollment
  from public.enrollments e
  where e.student_id = new.student_id and e.course_id = new.course_id and e.status = 'active'
  for update;
  if enrollment is null then
    return null;
  end if;
  select count(*) into total_lessons from public.lessons l where l.course_id = new.course_id;
  select count(*) into done_lessons
  from public.lesson_progress p
  join public.lessons l on l.id = p.lesson_id and l.course_id = new.course_id
  where p.student_id = new.student_id;
  if total_lessons > 0 and done_lessons >= total_lessons then
    update public.enrollments set status = 'completed', completed_at = now() where id = enrollment;
  end if;
  return null;
end
$$;

create trigger complete_enrollment after insert on public.lesson_progress
  for each row execute function private.complete_enrollment_when_all_lessons_done();

-- Security definer: enrollments written by end users (free self-enrollment) and by the
-- completion trigger must queue mail and jobs in the private outbox/queue.
create function private.enrollment_side_effects()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  course record;
  data jsonb;
begin
  select c.id, c.title, c.slug into course from public.courses c where c.id = new.course_id;
  data := jsonb_build_object('enrollment_id', new.id, 'course_id', course.id,
                             'course_title', course.title, 'course_slug', course.slug);
  if tg_op = 'INSERT' then
    perform private.enqueue_email(new.student_id, 'enrollment_created', data,
                                  'enrollment_created:' || new.id::text, true);
  end if;
  if new.status = 'completed' and (tg_op = 'INSERT' or old.status is distinct from 'completed') then
    perform private.enqueue_email(new.student_id, 'course_completed', data,
                                  'course_completed:' || new.id::text, false);
    perform private.enqueue_job('certificate.issue',
      jsonb_build_object('enrollment_id', new.id, 'student_id', new.student_id, 'course_id', new.course_id),
      'certificate.issue:' || new.id::text);
  end if;
  return null;
end
$$;

create trigger side_effects after insert or update of status on public.enrollments
  for each row execute function private.enrollment_side_effects();

-- grants and policies ---------------------------------------------------------------------

alter table public.courses enable row level security;
alter table public.lessons enable row level security;
alter table public.enrollments enable row level security;
alter table public.lesson_progress enable row level security;

revoke all on table public.courses, public.lessons, public.enrollments, public.lesson_progress
  from anon, authenticated, service_role;

grant select on table public.courses to anon, authenticated;
grant insert (instructor_id, slug, title, description, category, level, price_cents, currency, is_published)
  on table public.courses to authenticated;
grant update (slug, title, description, category, level, price_cents, currency, is_published)
  on table public.courses to authenticated;
grant delete on table public.courses to authenticated;

-- anon reads no lessons (DESIGN invariant 5: only published courses, reviews and plans).
grant select on table public.lessons to authenticated;
grant insert (course_id, position, title, body, video_url, is_preview) on table public.lessons to authenticated;
grant update (position, title, body, video_url, is_preview) on table public.lessons to authenticated;
grant delete on table public.lessons to authenticated;

grant select on table public.enrollments to authenticated;
grant insert (student_id, course_id) on table public.enrollments to authenticated;

grant select on table public.lesson_progress to authenticated;
grant insert (student_id, lesson_id) on table public.lesson_progress to authenticated;
grant delete on table public.lesson_progress to authenticated;

grant select, insert, update, delete on table
  public.courses, public.lessons, public.enrollments, public.lesson_progress to service_role;

-- courses
create policy "anyone reads published courses"
  on public.courses for select to anon
  using (is_published);

create policy "users read published courses, instructors their own, admins all"
  on public.courses for select to authenticated
  using (is_published or instructor_id = (select auth.uid()) or (select private.is_admin()));

create policy "instructors create courses they teach and admins create any"
  on public.courses for insert to authenticated
  with check (
    (instructor_id = (select auth.uid()) and (select private.is_instructor()))
    or (select private.is_admin())
  );

create policy "instructors update their own courses and admins update any"
  on public.courses for update to authenticated
  using (instructor_id = (select auth.uid()) or (select private.is_admin()))
  with check (instructor_id = (select auth.uid()) or (select private.is_admin()));

create policy "instructors delete their own unpublished courses and admins delete any"
  on public.courses for delete to authenticated
  using ((instructor_id = (select auth.uid()) and not is_published) or (select private.is_admin()));

-- lessons
create policy "participants read lessons and anyone signed in reads published previews"
  on public.lessons for select to authenticated
  using (
    course_id in (select private.my_course_ids())
    or (select private.is_admin())
    or (is_preview and exists (select 1 from public.courses c where c.id = course_id and c.is_published))
  );

create policy "instructors add lessons to their courses and admins to any"
  on public.lessons for insert to authenticated
  with check (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));

create policy "instructors edit lessons of their courses and admins any"
  on public.lessons for update to authenticated
  using (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()))
  with check (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));

create policy "instructors delete lessons of their courses and admins any"
  on public.lessons for delete to authenticated
  using (course_id in (select private.my_taught_course_ids()) or (select private.is_admin()));

-- enrollments
create policy "students read their enrollments, instructors those of their courses, admins all"
  on public.enrollments for select to authenticated
  using (
    student_id = (select auth.uid())
    or course_id in (select private.my_taught_course_ids())
    or (select private.is_admin())
  );

create policy "students enroll themselves in free published courses"
  on public.enrollments for insert to authenticated
  with check (
    student_id = (select auth.uid())
    and status = 'active'
    and completed_at is null
    and private.is_free_published_course(course_id)
  );

-- lesson progress
create policy "students read their progress, instructors that of their courses, admins all"
  on public.lesson_progress for select to authenticated
  using (
    student_id = (select auth.uid())
    or course_id in (select private.my_taught_course_ids())
    or (select private.is_admin())
  );

create policy "enrolled students mark their own lessons completed"
  on public.lesson_progress for insert to authenticated
  with check (
    student_id = (select auth.uid())
    and course_id in (select private.my_enrolled_course_ids())
  );

create policy "students clear their own lesson progress"
  on public.lesson_progress for delete to authenticated
  using (student_id = (select auth.uid()));

-- function privileges ---------------------------------------------------------------------

revoke execute on function private.stamp_published_at() from public;
revoke execute on function private.lesson_progress_set_course() from public;
revoke execute on function private.my_taught_course_ids() from public;
revoke execute on function private.my_enrolled_course_ids() from public;
revoke execute on function private.my_course_ids() from public;
revoke execute on function private.is_enrolled(uuid) from public;
revoke execute on function private.can_manage_course(uuid) from public;
revoke execute on function private.is_course_participant(uuid) from public;
revoke execute on function private.is_free_published_course(uuid) from public;
revoke execute on function private.complete_enrollment_when_all_lessons_done() from public;
revoke execute on function private.enrollment_side_effects() from public;

grant execute on function
  private.my_taught_course_ids(), private.my_enrolled_course_ids(), private.my_course_ids(),
  private.is_enrolled(uuid), private.can_manage_course(uuid), private.is_course_participant(uuid),
  private.is_free_published_course(uuid)
  to authenticated, service_role;
