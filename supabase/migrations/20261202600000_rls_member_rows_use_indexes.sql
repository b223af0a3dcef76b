-- Who may read enrollments, lesson progress and submissions is unchanged: the student their own
-- rows, a course's instructor the rows of their courses, admins every row. What changes is the
-- shape of the three SELECT policies, so that the planner can use an index for each of those
-- audiences, including when the client leaves the owner filter to RLS (supabase-js usually does).
--
-- Why: the old shape
--     student_id = (select auth.uid()) or course_id in (select private.my_taught_course_ids())
--       or (select private.is_admin())
-- has two arms no index can serve (a hashed subplan and a bare boolean), and a BitmapOr needs
-- every arm of an OR to be indexable, so "select * from enrollments" read the whole table
-- (1.5M progress rows for a student's 15). Measured in bench/README.md: 50x-1000x service role.
--
-- The new policy is an OR of four arms, each an index condition:
-- 1. student_id = (select auth.uid())                      the student's own rows;
-- 2. course_id = any ((select private.taught_course_ids())::uuid[]) and course_id between
--    (select <lowest uuid>) and <highest uuid>              the instructor's courses, evaluated
--                                                          once per statement (an initplan);
-- 3. student_id and course_id between (select private.lowest_uuid_for_admins()) and <highest>
--    (both bounds null for non-admins, so whichever index serves the arm ends its probe at once)
--                                                          admins: the whole key range; for
--                                                          everyone else the bound is null, so
--                                                          the arm matches nothing and its index
--                                                          probe ends at once;
-- 4. course_id = any (private.taught_course_ids())         the same set as arm 2, written so the
--                                                          planner sees it.
-- Arm 4 is there for the planner, not for the rule. An initplan's value is unknown when the
-- query is planned, so for arm 2 alone the planner guesses "ten average courses" for everybody.
-- For an instructor whose large course holds 7 % of the table, that guess made a roster page
-- ("where course_id = X order by enrolled_at desc limit 50") read and sort all 20,000 rows of
-- the course through a bitmap instead of walking the ordered index and stopping after 50: about
-- 100x slower (the naive "course_id = any (array(...))" rewrite measured 84x). A stable
-- function called directly is evaluated by the planner while it estimates, so arm 4 gives it
-- the instructor's real courses (an empty set for a student) and each audience gets the plan
-- that fits it. At run time arm 4 is an index condition (evaluated once per scan), or, in a
-- filter, reached only for rows that no earlier, cheaper arm admits.
-- Arms 2 and 3 must then not distort the estimate: the planner's defaults for them (0.5 % of
-- the table each) made a student's three enrollments look like 3,000 rows and joined courses
-- by hashing all of them. The ranges over parameters it cannot see (always true for the rows
-- the arm is for) bring each down to its default for a range, 0.5 % of 0.5 %; they cost two
-- comparisons per row. Arm 3 replaces "or (select private.is_admin())": a bare boolean cannot be
-- an index condition, and a BitmapOr needs every arm of the OR to be one.
-- student_id and course_id are never null, so the arms cover exactly the old three.
--
-- Plans for each audience are checked by dev.gatehouse.rls.RlsPlanShapeTest; who sees what, by
-- the policy matrix and the RLS tests (unchanged).

-- Security definer (policies must not depend on the caller's RLS): the courses the requesting
-- user teaches, as an array (an initplan value or an index condition, never a hashed subplan).
create or replace function private.taught_course_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(select c.id from public.courses c where c.instructor_id = (select auth.uid()));
end
$$;
comment on function private.taught_course_ids() is
  'Security definer: ids of the courses the requesting user teaches, as an array. Policies use it twice, as (select ...) and called directly; see 20261202600000.';

-- Security definer for the same reason as is_admin(): it reads profiles whatever the caller's RLS.
create or replace function private.lowest_uuid_for_admins()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  -- is_admin()'s test, inlined: this runs once per statement on every read of three big tables
  if exists (select 1 from public.profiles p where p.id = (select auth.uid()) and p.role = 'admin') then
    return '00000000-0000-0000-0000-000000000000'::uuid;
  end if;
  return null;
end
$$;
comment on function private.lowest_uuid_for_admins() is
  'The smallest uuid when the requesting user is an admin, else null: the lower bound of the policies'' admin arm, an index range that is all rows for admins and none for others.';

revoke execute on function private.taught_course_ids() from public;
revoke execute on function private.lowest_uuid_for_admins() from public;
grant execute on function private.taught_course_ids(), private.lowest_uuid_for_admins() to authenticated, service_role;

drop policy if exists "students read their enrollments, instructors those of their courses, admins all" on public.enrollments;
create policy "students read their enrollments, instructors those of their courses, admins all"
  on public.enrollments for select to authenticated
  using (
    student_id = (select auth.uid())
    or (course_id = any ((select private.taught_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or (student_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
        and course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id = any (private.taught_course_ids())
  );

drop policy if exists "students read their progress, instructors that of their courses, admins all" on public.lesson_progress;
create policy "students read their progress, instructors that of their courses, admins all"
  on public.lesson_progress for select to authenticated
  using (
    student_id = (select auth.uid())
    or (course_id = any ((select private.taught_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or (student_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
        and course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id = any (private.taught_course_ids())
  );

drop policy if exists "students read their own submissions, instructors those of their courses, admins all" on public.submissions;
create policy "students read their own submissions, instructors those of their courses, admins all"
  on public.submissions for select to authenticated
  using (
    student_id = (select auth.uid())
    or (course_id = any ((select private.taught_course_ids())::uuid[])
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or (student_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
        and course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or course_id = any (private.taught_course_ids())
  );
