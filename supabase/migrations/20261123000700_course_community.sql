-- Course community: chat messages, reviews and in-app notifications.
--
-- * messages (course chat): only course participants (enrolled active/completed students,
--   the instructor, admins) read or post; authors edit their own; authors, the course's
--   instructor and admins delete. Realtime delivers inserts through the supabase_realtime
--   publication (realtime migration), filtered by the same SELECT policy.
-- * reviews: only enrolled students (active/completed) review, one per (course, student),
--   rating 1..5, never the course's own instructor (who may enroll in their free course);
--   anyone (anon included) reads the reviews of published courses. A trigger keeps
--   courses.rating_avg / rating_count exact, locking the course row so concurrent reviews
--   cannot lose an update.
-- * notifications: a user reads and marks read only their own; rows are created by triggers
--   here (homework graded, course completed) and by the service. Nobody deletes them through
--   the API.

-- messages --------------------------------------------------------------------------------

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  author_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  body text not null check (char_length(btrim(body)) between 1 and 4000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.messages is 'Course chat. Participants only. updated_at > created_at means edited.';

create index messages_course_id_idx on public.messages (course_id, created_at desc);
create index messages_author_id_idx on public.messages (author_id);

create trigger set_updated_at before update on public.messages
  for each row execute function private.set_updated_at();

-- reviews ---------------------------------------------------------------------------------

create table public.reviews (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references public.courses (id) on delete cascade,
  student_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  rating smallint not null check (rating between 1 and 5),
  body text not null default '' check (char_length(body) <= 5000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint reviews_course_id_student_id_key unique (course_id, student_id)
);

create index reviews_student_id_idx on public.reviews (student_id);

create trigger set_updated_at before update on public.reviews
  for each row execute function private.set_updated_at();

-- Security definer: reviewers may not update courses. Locks the course row before
-- recomputing so that, under READ COMMITTED, the recount sees every committed review.
create function private.refresh_course_rating()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  target uuid := coalesce(new.course_id, old.course_id);
begin
  perform 1 from public.courses c where c.id = target for update;
  update public.courses c
     set rating_avg = coalesce(r.avg, 0), rating_count = r.count
    from (select round(avg(x.rating)::numeric, 2) as avg, count(*)::integer as count
            from public.reviews x where x.course_id = target) r
   where c.id = target;
  return null;
end
$$;

create trigger refresh_course_rating after insert or update of rating or delete on public.reviews
  for each row execute function private.refresh_course_rating();

-- notifications ---------------------------------------------------------------------------

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null check (kind ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  payload jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.notifications is 'In-app notifications. Kinds written here: submission.graded, course.completed.';

create index notifications_user_id_idx on public.notifications (user_id, created_at desc);
create index notifications_unread_idx on public.notifications (user_id) where read_at is null;

-- Security invoker on purpose (see private.is_end_user): users may only toggle read_at.
create function private.guard_notification_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_end_user()
     and (new.id, new.user_id, new.kind, new.payload, new.created_at)
         is distinct from (old.id, old.user_id, old.kind, old.payload, old.created_at) then
    raise exception 'only read_at of a notification can be changed' using errcode = '42501';
  end if;
  return new;
end
$$;

create trigger guard_notification_update before update on public.notifications
  for each row execute function private.guard_notification_update();

-- Security definer: notifications are created on behalf of other users (the instructor
-- grading creates the student's notification), which no end user may insert directly.
create function private.notify_submission_graded()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.graded_at is not null and old.graded_at is distinct from new.graded_at then
    insert into public.notifications (user_id, kind, payload)
    values (new.student_id, 'submission.graded',
            jsonb_build_object('submission_id', new.id, 'homework_id', new.homework_id,
                               'course_id', new.course_id, 'score', new.score));
  end if;
  return null;
end
$$;

-- WHEN rather than UPDATE OF graded_at: graded_at is set by the guard trigger, not by the
-- statement's SET list, and UPDATE OF only looks at the SET list.
create trigger notify_graded after update on public.submissions
  for each row when (old.graded_at is distinct from new.graded_at)
  execute function private.notify_submission_graded();

-- Security definer: runs inside the completion trigger chain started by the student.
create function private.notify_course_completed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'completed' and (tg_op = 'INSERT' or old.status is distinct from 'completed') then
    insert into public.notifications (user_id, kind, payload)
    values (new.student_id, 'course.completed',
            jsonb_build_object('enrollment_id', new.id, 'course_id', new.course_id));
  end if;
  return null;
end
$$;

create trigger notify_completed after insert or update of status on public.enrollments
  for each row execute function private.notify_course_completed();

-- grants and policies ---------------------------------------------------------------------

alter table public.messages enable row level security;
alter table public.reviews enable row level security;
alter table public.notifications enable row level security;

revoke all on table public.messages, public.reviews, public.notifications from anon, authenticated, service_role;

grant select, delete on table public.messages to authenticated;
grant insert (course_id, author_id, body) on table public.messages to authenticated;
grant update (body) on table public.messages to authenticated;

grant select on table public.reviews to anon, authenticated;
grant insert (course_id, student_id, rating, body) on table public.reviews to authenticated;
grant update (rating, body) on table public.reviews to authenticated;
grant delete on table public.reviews to authenticated;

grant select on table public.notifications to authenticated;
grant update (read_at) on table public.notifications to authenticated;

grant select, insert, update, delete on table public.messages, public.reviews, public.notifications to service_role;

-- messages
create policy "course participants read the course chat"
  on public.messages for select to authenticated
  using (course_id in (select private.my_course_ids()) or (select private.is_admin()));
create policy "course participants post to the course chat as themselves"
  on public.messages for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and (course_id in (select private.my_course_ids()) or (select private.is_admin()))
  );
create policy "authors edit their own messages while still in the course"
  on public.messages for update to authenticated
  using (author_id = (select auth.uid()))
  with check (
    author_id = (select auth.uid())
    and (course_id in (select private.my_course_ids()) or (select private.is_admin()))
  );
create policy "authors, the course instructor and admins delete messages"
  on public.messages for delete to authenticated
  using (
    author_id = (select auth.uid())
    or course_id in (select private.my_taught_course_ids())
    or (select private.is_admin())
  );

-- reviews
create policy "anyone reads reviews of published courses"
  on public.reviews for select to anon
  using (exists (select 1 from public.courses c where c.id = course_id and c.is_published));
create policy "users read reviews of published courses and their own, admins all"
  on public.reviews for select to authenticated
  using (
    exists (select 1 from public.courses c where c.id = course_id and c.is_published)
    or student_id = (select auth.uid())
    or (select private.is_admin())
  );
create policy "enrolled students review a course once"
  on public.reviews for insert to authenticated
  with check (
    student_id = (select auth.uid())
    and course_id in (select private.my_enrolled_course_ids())
    -- anyone may enroll in a free course, its instructor too: enrolling must not let them rate it
    and course_id not in (select private.my_taught_course_ids())
  );
create policy "students edit their own reviews"
  on public.reviews for update to authenticated
  using (student_id = (select auth.uid()))
  with check (student_id = (select auth.uid()));
create policy "students delete their own reviews and admins any"
  on public.reviews for delete to authenticated
  using (student_id = (select auth.uid()) or (select private.is_admin()));

-- notifications
create policy "users read their own notifications"
  on public.notifications for select to authenticated
  using (user_id = (select auth.uid()));
create policy "users mark their own notifications read"
  on public.notifications for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

revoke execute on function private.refresh_course_rating() from public;
revoke execute on function private.guard_notification_update() from public;
revoke execute on function private.notify_submission_graded() from public;
revoke execute on function private.notify_course_completed() from public;
