-- Reviews: a rating refresh that cannot deadlock, and the "still enrolled" rule.
--
-- Deadlock: inserting a review runs the foreign-key check on courses, which takes KEY SHARE on the
-- course row; refresh_course_rating then took FOR UPDATE on the same row. FOR UPDATE conflicts
-- with KEY SHARE, so two reviewers (or a reviewer and anyone else whose FK check holds the course:
-- a chat message, an enrollment) each held KEY SHARE and waited for the other: deadlock detected.
-- The refresh now takes FOR NO KEY UPDATE, which is exactly what its own UPDATE of the rating
-- columns needs (no key column changes), does not conflict with KEY SHARE, and still serialises
-- refreshes of one course, so the recount sees every committed review.
-- Siblings checked: complete_enrollment_when_all_lessons_done locks enrollments FOR UPDATE, but no
-- foreign key references enrollments, so nothing holds KEY SHARE there; private.ai_admit and
-- private.ai_settle_many lock private.ai_quota_periods, which private.ai_reservations references:
-- they move to FOR NO KEY UPDATE in 20261201200200.
--
-- Still enrolled: a review counts in courses.rating_avg / rating_count, and its author may edit
-- it, only while the author is enrolled in the course (active or completed), the same rule the
-- chat already applies. A refunded student's review stays readable (it is what they wrote) and
-- deletable by them, but no longer moves the rating and can no longer be edited; it counts again
-- if the student is enrolled again. Enrollment status changes and deletions refresh the rating.

create or replace function private.refresh_course_rating()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  target uuid := coalesce(new.course_id, old.course_id);
begin
  perform 1 from public.courses c where c.id = target for no key update;
  update public.courses c
     set rating_avg = coalesce(r.avg, 0), rating_count = r.count
    from (select round(avg(x.rating)::numeric, 2) as avg, count(*)::integer as count
            from public.reviews x
            join public.enrollments e
              on e.student_id = x.student_id and e.course_id = x.course_id and e.status in ('active', 'completed')
           where x.course_id = target) r
   where c.id = target;
  return null;
end
$$;
comment on function private.refresh_course_rating() is
  'Security definer (reviewers and the service may not update courses): recounts a course''s rating from the reviews of students still enrolled, under FOR NO KEY UPDATE.';

-- An enrollment that is refunded, restored or removed changes which reviews count.
create trigger refresh_course_rating_on_status after update of status on public.enrollments
  for each row when ((old.status = 'refunded') is distinct from (new.status = 'refunded'))
  execute function private.refresh_course_rating();
create trigger refresh_course_rating_on_delete after delete on public.enrollments
  for each row execute function private.refresh_course_rating();

drop policy if exists "students edit their own reviews" on public.reviews;
create policy "students edit their own reviews while still enrolled"
  on public.reviews for update to authenticated
  using (student_id = (select auth.uid()) and course_id in (select private.my_enrolled_course_ids()))
  with check (student_id = (select auth.uid()) and course_id in (select private.my_enrolled_course_ids()));
