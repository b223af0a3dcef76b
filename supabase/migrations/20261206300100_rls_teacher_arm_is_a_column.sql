-- Who may read enrollments, lesson progress and submissions is unchanged: the student their own
-- rows, the course's instructor the rows of their courses, admins every row. The teacher arm of
-- the three SELECT policies becomes a comparison with the instructor_id column of 20261206300000
-- instead of a set of taught courses computed by private.taught_course_ids().
--
-- Why: that helper is a security-definer PL/pgSQL function running a query, called by the planner
-- once per index path it costs (the policies of 20261202600000 call it directly so the planner
-- sees a teacher's real courses) and once or twice more by the executor; with
-- plan_cache_mode = force_custom_plan (20261204300000) every signed-in statement pays it. The
-- small front-end queries were 3-7x service role for it (bench/rls-results.md, 2026-12-02 06:47).
--
-- The three arms, each an index condition, so that a BitmapOr serves the lists the client leaves
-- to RLS (every arm of an OR must be indexable for one):
-- 1. student_id = (select auth.uid())                        the student's own rows;
-- 2. instructor_id between (select private.instructor_floor()) and (select private.instructor_ceiling())
--    and course_id between (select <lowest uuid>) and <highest uuid>
--                                                            the instructor's rows, and an admin's:
--    both bounds are the caller's id, or the lowest and highest uuid for an admin (the bounds of
--    every row: instructor_id is never null). This replaces the separate admin arm of
--    20261202600000 (student_id and course_id between (select private.lowest_uuid_for_admins())
--    and the highest uuid): one arm less to plan, and the same two helper calls per statement.
--    The course_id range is always true and is there for the estimate only: two ranges over
--    values unknown while planning are estimated at a range's default share each (0.5 % of
--    0.5 %), where one would make a student's three enrollments look like 1,500 rows and join
--    every course by hashing;
-- 3. instructor_id = auth.uid()                              the instructor's rows again, written
--    so that the planner sees the caller: auth.uid() is a stable SQL expression it evaluates while
--    estimating, so a teacher's 20,000-row course is estimated from the column's statistics as
--    what it is, and a roster page ("course_id = X order by enrolled_at desc limit 50") walks the
--    ordered index and stops after 50 rows instead of reading and sorting the whole course
--    (measured without this arm: 4.1 ms against 0.17 ms). At run time it is an index condition
--    (evaluated once per scan) or, in a filter, reached only by rows that arms 1 and 2 turn down,
--    which the caller cannot see (it admits nothing arm 2 does not). CatalogChecksTest allows
--    this bare call only after an arm that bounds the same column by initplans.
-- For arm 3 to estimate "no rows" for a caller who teaches nothing, every instructor must be in
-- the column's most-common-values list, hence the larger statistics target on the column: a
-- value outside the list is estimated at the share the list leaves over.
--
-- Plans for each audience are checked by dev.gatehouse.rls.RlsPlanShapeTest; who sees what, by
-- the policy matrix and the RLS tests (unchanged).

alter table public.enrollments alter column instructor_id set statistics 1000;
alter table public.lesson_progress alter column instructor_id set statistics 1000;
alter table public.submissions alter column instructor_id set statistics 1000;
analyze public.enrollments (instructor_id);
analyze public.lesson_progress (instructor_id);
analyze public.submissions (instructor_id);

-- Security definer (policies must not depend on the caller's RLS on profiles): the bounds of the
-- instructor_id range the caller may read, the caller's own id twice, or every uuid for an admin.
create function private.instructor_floor()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  -- is_admin()'s test, inlined, as in lowest_uuid_for_admins()
  if exists (select 1 from public.profiles p where p.id = (select auth.uid()) and p.role = 'admin') then
    return '00000000-0000-0000-0000-000000000000'::uuid;
  end if;
  return (select auth.uid());
end
$$;
comment on function private.instructor_floor() is
  'The lower bound of the instructor_id range the requesting user reads: their id, or the smallest uuid for an admin (20261206300100).';

create function private.instructor_ceiling()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.profiles p where p.id = (select auth.uid()) and p.role = 'admin') then
    return 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid;
  end if;
  return (select auth.uid());
end
$$;
comment on function private.instructor_ceiling() is
  'The upper bound of the instructor_id range the requesting user reads: their id, or the largest uuid for an admin (20261206300100).';

revoke execute on function private.instructor_floor(), private.instructor_ceiling() from public;
grant execute on function private.instructor_floor(), private.instructor_ceiling() to authenticated, service_role;

drop policy if exists "students read their enrollments, instructors those of their courses, admins all" on public.enrollments;
create policy "students read their enrollments, instructors those of their courses, admins all"
  on public.enrollments for select to authenticated
  using (
    student_id = (select auth.uid())
    or (instructor_id between (select private.instructor_floor()) and (select private.instructor_ceiling())
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or instructor_id = auth.uid()
  );

drop policy if exists "students read their progress, instructors that of their courses, admins all" on public.lesson_progress;
create policy "students read their progress, instructors that of their courses, admins all"
  on public.lesson_progress for select to authenticated
  using (
    student_id = (select auth.uid())
    or (instructor_id between (select private.instructor_floor()) and (select private.instructor_ceiling())
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or instructor_id = auth.uid()
  );

drop policy if exists "students read their own submissions, instructors those of their courses, admins all" on public.submissions;
create policy "students read their own submissions, instructors those of their courses, admins all"
  on public.submissions for select to authenticated
  using (
    student_id = (select auth.uid())
    or (instructor_id between (select private.instructor_floor()) and (select private.instructor_ceiling())
        and course_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or instructor_id = auth.uid()
  );
