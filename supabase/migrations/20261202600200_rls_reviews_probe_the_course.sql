-- Reviews stay readable by the same people (of published courses: everyone signed in; their
-- own: the author; all: admins). The change is how "is the course published?" is evaluated.
--
-- Why: under an OR, PostgreSQL turns the correlated "exists (select 1 from courses c where
-- c.id = course_id and c.is_published)" into a hashed subplan: every published course is read
-- and hashed on every query, so showing a course's 14 reviews cost 3x-8x the same query as
-- service role at 2,000 courses, and it grows with the catalogue. "offset 0" keeps the
-- subquery from being simplified into that hash (PostgreSQL only rewrites EXISTS subqueries
-- without LIMIT/OFFSET), so it stays a primary-key probe per review row, which is what the
-- course-scoped review lists the front end shows need. The anon policy is a lone EXISTS, which
-- PostgreSQL already plans as a semi-join, and is unchanged.

drop policy if exists "users read reviews of published courses and their own, admins all" on public.reviews;
create policy "users read reviews of published courses and their own, admins all"
  on public.reviews for select to authenticated
  using (
    exists (select 1 from public.courses c where c.id = course_id and c.is_published offset 0)
    or student_id = (select auth.uid())
    or (select private.is_admin())
  );
