-- Data for the RLS query benchmark (bench/rls-queries.sh) and the plan-shape test
-- (dev.gatehouse.rls.RlsPlanShapeTest): a platform with, at scale 1,
--   100,000 users (the first 400 instructors, one admin), 2,000 courses (5 per instructor),
--   40,000 lessons, 300,000 enrollments (one "large course" with 20,000 students),
--   1,500,000 lesson-progress rows, 10,000 homework, 200,000 submissions, 30,000 reviews,
--   8,000 live sessions.
-- The scale is read from the setting rls_bench.scale (e.g. 0.05 for a test); every count but the
-- 400 instructors and the 2,000 courses scales with it.
--
-- Every id is derived from its number (md5 of 'user-7', 'course-3', ...), so the runner and the
-- test can name the personas they act as without looking them up. Runs as the cluster superuser
-- with session_replication_role = replica: triggers (profiles from auth.users, audit, outbox,
-- rating upkeep, completion) and foreign-key checks are skipped, so the rows are written once
-- each; the script writes consistent rows itself.

set session_replication_role = replica;
set synchronous_commit = off;
set maintenance_work_mem = '256MB';

-- Secondary indexes of the three big tables are dropped for the load and rebuilt from their own
-- definitions afterwards (sorting once is several times faster than 1.5M random btree inserts);
-- constraint indexes stay.
create temporary table bench_index as
select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
from pg_index i
where i.indrelid in ('public.lesson_progress'::regclass, 'public.enrollments'::regclass, 'public.submissions'::regclass)
  and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid);
do $$
declare r record;
begin
  for r in select name from bench_index loop
    execute 'drop index ' || r.name;
  end loop;
end
$$;

-- Member rows carry their course's instructor (20261206300000) when the schema has the column:
-- the inserts below leave it out (their trigger is off), and it is filled in after the load.
create temporary table bench_instructor_column as
select exists (select 1 from information_schema.columns
               where table_schema = 'public' and table_name = 'enrollments' and column_name = 'instructor_id') as present;
do $$
begin
  if (select present from bench_instructor_column) then
    alter table public.enrollments alter column instructor_id drop not null;
    alter table public.lesson_progress alter column instructor_id drop not null;
    alter table public.submissions alter column instructor_id drop not null;
  end if;
end
$$;

create temporary table bench_scale as
select (100000 * coalesce(nullif(current_setting('rls_bench.scale', true), '')::numeric, 1))::int as users;

-- users and profiles: 1..400 instructors, the last user is an admin, everyone else a student
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        confirmation_token, recovery_token, email_change_token_new, email_change,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', md5('user-' || g)::uuid, 'authenticated', 'authenticated',
       'user' || g || '@bench.example', '', now(), '', '', '', '',
       '{"provider":"email","providers":["email"]}', '{}', now(), now()
from generate_series(1, (select users from bench_scale)) g;

insert into public.profiles (id, display_name, role)
select md5('user-' || g)::uuid, 'User ' || g,
       case when g <= 400 then 'instructor' when g = (select users from bench_scale) then 'admin' else 'student' end
from generate_series(1, (select users from bench_scale)) g;

-- courses: course g is taught by instructor ((g - 1) % 400) + 1, so instructor 1 teaches courses
-- 1, 401, 801, 1201 and 1601; every tenth course is a draft; odd courses are free
insert into public.courses (id, instructor_id, slug, title, description, category, level, price_cents,
                            is_published, published_at, rating_avg, rating_count, created_at)
select md5('course-' || g)::uuid, md5('user-' || (((g - 1) % 400) + 1))::uuid, 'course-' || g,
       'Course ' || g, 'What course ' || g || ' teaches, in a few sentences.', 'category-' || (g % 12),
       (array['beginner', 'intermediate', 'advanced'])[1 + g % 3], case when g % 2 = 1 then 0 else 1999 end,
       g % 10 <> 0, case when g % 10 <> 0 then now() - make_interval(hours => g) end,
       round((3 + (g % 20) / 10.0)::numeric, 2), 15, now() - make_interval(hours => g)
from generate_series(1, 2000) g;

-- lessons: 20 per course, the first one a preview
insert into public.lessons (id, course_id, position, title, body, is_preview)
select md5('lesson-' || c || '-' || p)::uuid, md5('course-' || c)::uuid, p, 'Lesson ' || p || ' of course ' || c,
       repeat('Lesson text. ', 20), p = 1
from generate_series(1, 2000) c, generate_series(1, 20) p;

-- enrollments: three per user; user s takes courses ((s*7 + k*613) % 1999) + 2 for k = 0, 1, 2,
-- except that users 401..20400 take the large course 1 as their first; nobody enrolls in a course
-- they teach; 90 % active, 7 % completed, 3 % refunded
create temporary table bench_enrollment as
select s, k,
       case when k = 0 and s between 401 and 20400 then 1 else ((s * 7 + k * 613) % 1999) + 2 end as course
from generate_series(1, (select users from bench_scale)) s, generate_series(0, 2) k;
delete from bench_enrollment where ((course - 1) % 400) + 1 = s and s <= 400;

insert into public.enrollments (id, student_id, course_id, status, enrolled_at, completed_at, created_at)
select md5('enrollment-' || s || '-' || k)::uuid, md5('user-' || s)::uuid, md5('course-' || course)::uuid,
       case when (s + k) % 100 < 90 then 'active' when (s + k) % 100 < 97 then 'completed' else 'refunded' end,
       now() - make_interval(mins => s + k * 7919),
       case when (s + k) % 100 between 90 and 96 then now() - make_interval(mins => s) end,
       now() - make_interval(mins => s + k * 7919)
from bench_enrollment;

-- lesson progress: the first five lessons of every enrollment's course
insert into public.lesson_progress (student_id, lesson_id, course_id, completed_at)
select md5('user-' || s)::uuid, md5('lesson-' || course || '-' || p)::uuid, md5('course-' || course)::uuid,
       now() - make_interval(mins => s + p)
from bench_enrollment, generate_series(1, 5) p;

-- homework: five per course, on lessons 1..5
insert into public.homework (id, course_id, lesson_id, title, instructions, max_score)
select md5('homework-' || c || '-' || h)::uuid, md5('course-' || c)::uuid, md5('lesson-' || c || '-' || h)::uuid,
       'Homework ' || h || ' of course ' || c, 'Write a short answer.', 100
from generate_series(1, 2000) c, generate_series(1, 5) h;

-- submissions: for the first two enrollments of every user, an answer to the course's first
-- homework; a third of them graded
insert into public.submissions (id, homework_id, course_id, student_id, content, submitted_at, score, feedback,
                                feedback_source, graded_at, created_at)
select md5('submission-' || s || '-' || k)::uuid, md5('homework-' || course || '-1')::uuid, md5('course-' || course)::uuid,
       md5('user-' || s)::uuid, 'My answer, ' || s || '.', now() - make_interval(mins => s + k * 7919),
       case when s % 3 = 0 then 80 end, case when s % 3 = 0 then 'Good work.' end,
       case when s % 3 = 0 then 'instructor' end, case when s % 3 = 0 then now() end,
       now() - make_interval(mins => s + k * 7919)
from bench_enrollment where k < 2;

-- reviews: one in ten enrollments
insert into public.reviews (course_id, student_id, rating, body)
select md5('course-' || course)::uuid, md5('user-' || s)::uuid, 1 + (s % 5), 'Review by ' || s
from bench_enrollment where (s + k) % 10 = 0;

-- live sessions: four per course
insert into public.sessions (course_id, title, starts_at, meeting_url)
select md5('course-' || c)::uuid, 'Session ' || n, now() + make_interval(days => n * 7), 'https://meet.example/' || c || '-' || n
from generate_series(1, 2000) c, generate_series(1, 4) n;

-- the course's instructor on the member rows, before the indexes are rebuilt
do $$
begin
  if (select present from bench_instructor_column) then
    update public.enrollments e set instructor_id = c.instructor_id from public.courses c where c.id = e.course_id;
    update public.lesson_progress p set instructor_id = c.instructor_id from public.courses c where c.id = p.course_id;
    update public.submissions s set instructor_id = c.instructor_id from public.courses c where c.id = s.course_id;
    alter table public.enrollments alter column instructor_id set not null;
    alter table public.lesson_progress alter column instructor_id set not null;
    alter table public.submissions alter column instructor_id set not null;
  end if;
end
$$;
drop table bench_instructor_column;

do $$
declare r record;
begin
  for r in select definition from bench_index loop
    execute r.definition;
  end loop;
end
$$;
drop table bench_index;
drop table bench_enrollment;
drop table bench_scale;
reset session_replication_role;

analyze auth.users;
analyze public.profiles;
analyze public.courses;
analyze public.lessons;
analyze public.enrollments;
analyze public.lesson_progress;
analyze public.homework;
analyze public.submissions;
analyze public.reviews;
analyze public.sessions;
