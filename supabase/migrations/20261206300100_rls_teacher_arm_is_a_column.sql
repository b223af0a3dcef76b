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
-- The four arms, each an index condition, so that a BitmapOr serves the lists the client leaves
-- to RLS (every arm of an OR must be indexable for one):
-- 1. student_id = (select auth.uid())                        the student's own rows;
-- 2. instructor_id = (select auth.uid()) and instructor_id between (select <lowest>) and <highest>
--                                                            the instructor's rows; the range is
--    always true and there for the estimate only: an initplan's value is unknown while planning,
--    so "instructor_id = $1" alone is estimated as an average instructor's share (0.25 % of the
--    table), which made a student's three enrollments look like 1,500 rows and joined all courses
--    by hashing; the range on a parameter brings that to a range's default share of it;
-- 3. student_id and course_id between (select private.lowest_uuid_for_admins()) and <highest>
--                                                            admins (unchanged, see 20261202600000);
-- 4. instructor_id = auth.uid()                              the same rows as arm 2, written so
--    the planner sees the caller: auth.uid() is a stable SQL expression it evaluates while
--    estimating, so a teacher's 20,000-row course is estimated from the column's statistics as
--    what it is, and a roster page ("course_id = X order by enrolled_at desc limit 50") walks the
--    ordered index and stops after 50 rows instead of reading and sorting the whole course
--    (4.1 ms against 0.17 ms when measured without this arm). At run time it is an index
--    condition (evaluated once per scan) or, in a filter, reached only by rows that arms 1-3 turn
--    down, which the user cannot see. CatalogChecksTest allows this bare call only beside its
--    wrapped twin (arm 2).
-- For arm 4 to estimate "nobody's rows" for a caller who teaches nothing, every instructor must
-- be in the column's most-common-values list, hence the larger statistics target on the column:
-- a value outside the list is estimated at the share the list leaves over.
--
-- Plans for each audience are checked by dev.gatehouse.rls.RlsPlanShapeTest; who sees what, by
-- the policy matrix and the RLS tests (unchanged).

alter table public.enrollments alter column instructor_id set statistics 1000;
alter table public.lesson_progress alter column instructor_id set statistics 1000;
alter table public.submissions alter column instructor_id set statistics 1000;
analyze public.enrollments (instructor_id);
analyze public.lesson_progress (instructor_id);
analyze public.submissions (instructor_id);

drop policy if exists "students read their enrollments, instructors those of their courses, admins all" on public.enrollments;
create policy "students read their enrollments, instructors those of their courses, admins all"
  on public.enrollments for select to authenticated
  using (
    student_id = (select auth.uid())
    or (instructor_id = (select auth.uid())
        and instructor_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or (student_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
        and course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or instructor_id = auth.uid()
  );

drop policy if exists "students read their progress, instructors that of their courses, admins all" on public.lesson_progress;
create policy "students read their progress, instructors that of their courses, admins all"
  on public.lesson_progress for select to authenticated
  using (
    student_id = (select auth.uid())
    or (instructor_id = (select auth.uid())
        and instructor_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or (student_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
        and course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or instructor_id = auth.uid()
  );

drop policy if exists "students read their own submissions, instructors those of their courses, admins all" on public.submissions;
create policy "students read their own submissions, instructors those of their courses, admins all"
  on public.submissions for select to authenticated
  using (
    student_id = (select auth.uid())
    or (instructor_id = (select auth.uid())
        and instructor_id between (select '00000000-0000-0000-0000-000000000000'::uuid) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or (student_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
        and course_id between (select private.lowest_uuid_for_admins()) and 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
    or instructor_id = auth.uid()
  );
