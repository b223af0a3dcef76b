-- Sessions, homework, resources and lessons stay readable by the same people: course
-- participants (active or completed students, the instructor) and admins; lessons also by any
-- signed-in user when they are previews of a published course. Only the policies' shape
-- changes, for the reason given in 20261202600000: "course_id in (select private.my_course_ids())
-- or (select private.is_admin())" is a hashed subplan or'ed with a boolean, which no index can
-- serve, so "upcoming sessions of my courses" without a course filter read every session
-- (7x-30x service role at 8,000 sessions), and even with a filter each query paid for hashing.
--
-- The new SELECT policies are the same three kinds of arm as in 20261202600000, all on
-- course_id: the participant's courses as an initplan array (evaluated once; with the range
-- that keeps its estimate small), the admin range, and the same array called directly so the
-- planner sees the real courses. Lessons keep their preview
-- arm, which no index serves, so for lessons only the first arm changes (a cheap array
-- parameter instead of a hashed set-returning function) and the admin arm stays as it was.

-- Security definer (policies must not depend on the caller's RLS): as my_course_ids(), but one
-- array, so policies can use it as an index condition.
create or replace function private.participant_course_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select c.id from public.courses c where c.instructor_id = (select auth.uid())
    union all
    select e.course_id from public.enrollments e
    where e.student_id = (select auth.uid()) and e.status in ('active', 'completed'));
end
$$;
comment on function private.participant_course_ids() is
  'Security definer: ids of the courses the requesting user teaches or is enrolled in (active or completed), as an array. Admins are covered by the policies'' admin arm.';

revoke execute on function private.participant_course_ids() from public;
grant execute on function private.participant_course_ids() to authenticated, service_role;

drop policy if exists "course participants read sessions" on public.sessions;
create policy "course participants read sessions"
  on public.sessions for select to authenticated
  using (
    (course_id = any ((select private.participant_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
    or course_id = any (private.participant_course_ids())
  );

drop policy if exists "course participants read homework" on public.homework;
create policy "course participants read homework"
  on public.homework for select to authenticated
  using (
    (course_id = any ((select private.participant_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
    or course_id = any (private.participant_course_ids())
  );

drop policy if exists "course participants read resources" on public.resources;
create policy "course participants read resources"
  on public.resources for select to authenticated
  using (
    (course_id = any ((select private.participant_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
    or course_id = any (private.participant_course_ids())
  );

drop policy if exists "participants read lessons and anyone signed in reads published previews" on public.lessons;
create policy "participants read lessons and anyone signed in reads published previews"
  on public.lessons for select to authenticated
  using (
    course_id = any ((select private.participant_course_ids())::uuid[])
    or (select private.is_admin())
    or (is_preview and exists (select 1 from public.courses c where c.id = course_id and c.is_published))
  );
