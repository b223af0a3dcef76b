-- Sessions, homework, resources and lessons stay readable by the same people (course participants
-- and admins; lessons also by anyone signed in when they are previews of a published course).
-- What changes is what the planner has to do for each signed-in statement on them.
--
-- Why: with plan_cache_mode = force_custom_plan (20261204300000) every parameterised signed-in
-- statement is planned again, and on these tables planning was most of the cost of the small
-- front-end queries (lessons, homework and sessions of a course: 0.15-0.2 ms of planning as the
-- user, against 0.05-0.07 ms for the whole query as the service role; measured by hand on the
-- bench data, 2026-12-06):
-- - sessions, homework, resources: the last arm of 20261202600100,
--   "course_id = any (private.participant_course_ids())", was there so the planner sees the
--   caller's real courses, and it calls the security-definer helper (a query) once per index
--   path the planner costs. These tables hold a handful of rows per course, so a good estimate
--   of "the caller's courses" changes no plan; the arm only cost time. Dropped: the first arm
--   (the same array as an initplan, with its estimate-shrinking range) admits the same rows;
-- - lessons: "is the course published?" for preview rows was an EXISTS on courses, which the
--   planner plans as a subquery under courses' own RLS policy (two more initplans) on every
--   statement, even when the caller is enrolled and no preview arm is reached.
--   private.is_published_course(course_id) (security definer, like is_free_published_course)
--   answers it only for the rows that reach it: preview lessons of courses the caller does not
--   take part in. Same answer: every signed-in user may read published courses.
--
-- Halves planning of these queries as the user (lessons 0.19 -> 0.06 ms, homework 0.15 -> 0.07,
-- sessions 0.11 -> 0.08, by hand on a loaded machine; bench/rls-results.md has the run).

create function private.is_published_course(target_course_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (select 1 from public.courses c where c.id = target_course_id and c.is_published);
end
$$;
comment on function private.is_published_course(uuid) is
  'Security definer (policies must not depend on the caller''s RLS): the course is published. For the lessons policy''s preview arm (20261206300200).';
revoke execute on function private.is_published_course(uuid) from public;
grant execute on function private.is_published_course(uuid) to authenticated, service_role;

drop policy if exists "course participants read sessions" on public.sessions;
create policy "course participants read sessions"
  on public.sessions for select to authenticated
  using (
    (course_id = any ((select private.participant_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
  );

drop policy if exists "course participants read homework" on public.homework;
create policy "course participants read homework"
  on public.homework for select to authenticated
  using (
    (course_id = any ((select private.participant_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
  );

drop policy if exists "course participants read resources" on public.resources;
create policy "course participants read resources"
  on public.resources for select to authenticated
  using (
    (course_id = any ((select private.participant_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
  );

drop policy if exists "participants read lessons and anyone signed in reads published previews" on public.lessons;
create policy "participants read lessons and anyone signed in reads published previews"
  on public.lessons for select to authenticated
  using (
    course_id = any ((select private.participant_course_ids())::uuid[])
    or (select private.is_admin())
    or (is_preview and private.is_published_course(course_id))
  );
