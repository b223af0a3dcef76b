-- Development seed: run once after the migrations on a fresh database (Gatehouse's embedded
-- Postgres as superuser, or `supabase db reset` on a local Supabase CLI stack).
-- Never run against production. Mostly idempotent (ON CONFLICT DO NOTHING everywhere).
--
-- Fixed ids for tests and manual checks. Every seed user's password is: password123
--
--   users (auth.users = public.profiles)
--     a0000000-0000-4000-8000-000000000001  student@example.com     student, free plan, enrolled in the free course
--     a0000000-0000-4000-8000-000000000002  student2@example.com    student, free plan, enrolled in nothing
--     a0000000-0000-4000-8000-000000000003  instructor@example.com  instructor, teaches all three courses
--     a0000000-0000-4000-8000-000000000004  admin@example.com       admin
--   plans (inserted by migration 20261123000300): free, pro, enterprise
--   courses
--     c0000000-0000-4000-8000-000000000001  prompt-engineering-basics  published, free (0)
--     c0000000-0000-4000-8000-000000000002  building-ai-agents         published, paid (4900 usd cents)
--     c0000000-0000-4000-8000-000000000003  retrieval-augmented-generation-draft  unpublished draft (2900)
--   lessons (position 1 of each course is a preview lesson)
--     d0000000-0000-4000-8000-000000000101 .. 103   free course, positions 1..3
--     d0000000-0000-4000-8000-000000000201 .. 203   paid course, positions 1..3
--     d0000000-0000-4000-8000-000000000301          draft course, position 1
--   homework
--     e0000000-0000-4000-8000-000000000101  free course (lesson 102)
--     e0000000-0000-4000-8000-000000000201  paid course (lesson 202)
--   live sessions
--     f0000000-0000-4000-8000-000000000101  free course
--     f0000000-0000-4000-8000-000000000201  paid course
--   resources
--     b0000000-0000-4000-8000-000000000101  free course, link
--     b0000000-0000-4000-8000-000000000102  free course, file c0000000-0000-4000-8000-000000000001/syllabus.pdf
--     b0000000-0000-4000-8000-000000000201  paid course, link
--   enrollments
--     10000000-0000-4000-8000-000000000001  student in the free course (active; lesson 101 completed)
--   course chat messages (free course)
--     20000000-0000-4000-8000-000000000001  by the instructor
--     20000000-0000-4000-8000-000000000002  by student
--   reviews
--     30000000-0000-4000-8000-000000000001  student on the free course, rating 5
--
-- Users are inserted the way GoTrue writes them (bcrypt password, confirmed email, '' rather
-- than NULL in the token columns GoTrue reads as strings) plus their email identity, so
-- password sign-in works on a local Supabase stack; the sign-up trigger creates profiles.
-- Triggers queue outbox emails (welcome, enrollment) as they would in production; nothing
-- is sent unless a worker runs, and dev workers deliver to the dev mailbox.

-- users -----------------------------------------------------------------------------------

insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  confirmation_token, recovery_token, email_change_token_new, email_change,
  raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at
)
select
  '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
  extensions.crypt('password123', extensions.gen_salt('bf')), now(),
  '', '', '', '',
  '{"provider":"email","providers":["email"]}'::jsonb,
  jsonb_build_object('display_name', u.display_name),
  false, now(), now()
from (values
  ('a0000000-0000-4000-8000-000000000001'::uuid, 'student@example.com', 'Sam Student'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, 'student2@example.com', 'Robin Second'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, 'instructor@example.com', 'Ines Instructor'),
  ('a0000000-0000-4000-8000-000000000004'::uuid, 'admin@example.com', 'Ada Admin')
) as u(id, email, display_name)
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id,
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true, 'phone_verified', false),
       'email', now(), now(), now()
from auth.users u
where u.id in ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002',
               'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000004')
on conflict (provider_id, provider) do nothing;

-- Roles are not writable by users; the seed runs with trusted rights.
update public.profiles set role = 'instructor' where id = 'a0000000-0000-4000-8000-000000000003' and role <> 'instructor';
update public.profiles set role = 'admin' where id = 'a0000000-0000-4000-8000-000000000004' and role <> 'admin';

-- Stripe test-mode price ids for local checkout (production sets its own).
update public.plans set stripe_price_id = 'price_dev_pro' where id = 'pro' and stripe_price_id is null;
update public.plans set stripe_price_id = 'price_dev_enterprise' where id = 'enterprise' and stripe_price_id is null;

-- courses ---------------------------------------------------------------------------------

insert into public.courses (id, instructor_id, slug, title, description, category, level, price_cents, currency, is_published)
values
  ('c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000003',
   'prompt-engineering-basics', 'Prompt Engineering Basics',
   'Write clear prompts for large language models: roles, examples, constraints and evaluation. A free introduction.',
   'ai', 'beginner', 0, 'usd', true),
  ('c0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000003',
   'building-ai-agents', 'Building AI Agents',
   'Design, build and evaluate tool-using AI agents: planning, memory, retrieval and safety.',
   'ai', 'intermediate', 4900, 'usd', true),
  ('c0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000003',
   'retrieval-augmented-generation-draft', 'Retrieval-Augmented Generation (draft)',
   'Embeddings, chunking, hybrid search and grounding. Work in progress.',
   'ai', 'advanced', 2900, 'usd', false)
on conflict (id) do nothing;

insert into public.lessons (id, course_id, position, title, body, is_preview)
values
  ('d0000000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-000000000001', 1, 'What a prompt is', 'Models, tokens and context windows.', true),
  ('d0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-000000000001', 2, 'Roles and examples', 'System prompts and few-shot examples.', false),
  ('d0000000-0000-4000-8000-000000000103', 'c0000000-0000-4000-8000-000000000001', 3, 'Evaluating prompts', 'Test sets and regression checks.', false),
  ('d0000000-0000-4000-8000-000000000201', 'c0000000-0000-4000-8000-000000000002', 1, 'What an agent is', 'The observe-think-act loop.', true),
  ('d0000000-0000-4000-8000-000000000202', 'c0000000-0000-4000-8000-000000000002', 2, 'Tools and function calling', 'Schemas, validation and retries.', false),
  ('d0000000-0000-4000-8000-000000000203', 'c0000000-0000-4000-8000-000000000002', 3, 'Evaluating agents', 'Traces, graders and guardrails.', false),
  ('d0000000-0000-4000-8000-000000000301', 'c0000000-0000-4000-8000-000000000003', 1, 'Embeddings', 'Vectors and similarity.', true)
on conflict (id) do nothing;

insert into public.homework (id, course_id, lesson_id, title, instructions, due_at, max_score)
values
  ('e0000000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-000000000001',
   'd0000000-0000-4000-8000-000000000102', 'Write a few-shot prompt',
   'Write a prompt with two examples that turns meeting notes into action items.', now() + interval '14 days', 100),
  ('e0000000-0000-4000-8000-000000000201', 'c0000000-0000-4000-8000-000000000002',
   'd0000000-0000-4000-8000-000000000202', 'Define a tool schema',
   'Write a JSON schema for a calendar-booking tool and explain its validation.', now() + interval '21 days', 100)
on conflict (id) do nothing;

insert into public.sessions (id, course_id, title, starts_at, duration_minutes, meeting_url)
values
  ('f0000000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-000000000001',
   'Live Q&A: prompting', date_trunc('hour', now()) + interval '7 days', 60, 'https://meet.example.com/prompting-qa'),
  ('f0000000-0000-4000-8000-000000000201', 'c0000000-0000-4000-8000-000000000002',
   'Live workshop: your first agent', date_trunc('hour', now()) + interval '10 days', 90, 'https://meet.example.com/agents-workshop')
on conflict (id) do nothing;

insert into public.resources (id, course_id, title, kind, url, storage_path, position)
values
  ('b0000000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-000000000001',
   'Prompting guide', 'link', 'https://example.com/prompting-guide', null, 1),
  ('b0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-000000000001',
   'Syllabus', 'file', null, 'c0000000-0000-4000-8000-000000000001/syllabus.pdf', 2),
  ('b0000000-0000-4000-8000-000000000201', 'c0000000-0000-4000-8000-000000000002',
   'Agent design patterns', 'link', 'https://example.com/agent-patterns', null, 1)
on conflict (id) do nothing;

-- participation ---------------------------------------------------------------------------

insert into public.enrollments (id, student_id, course_id, status)
values ('10000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001',
        'c0000000-0000-4000-8000-000000000001', 'active')
on conflict (student_id, course_id) do nothing;

insert into public.lesson_progress (student_id, lesson_id, course_id)
values ('a0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000101',
        'c0000000-0000-4000-8000-000000000001')
on conflict (student_id, lesson_id) do nothing;

insert into public.messages (id, course_id, author_id, body, created_at)
values
  ('20000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001',
   'a0000000-0000-4000-8000-000000000003', 'Welcome to the course! Ask questions here.', now() - interval '1 hour'),
  ('20000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001',
   'a0000000-0000-4000-8000-000000000001', 'Thanks! Looking forward to the Q&A.', now())
on conflict (id) do nothing;

insert into public.reviews (id, course_id, student_id, rating, body)
values ('30000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001',
        'a0000000-0000-4000-8000-000000000001', 5, 'Clear and practical.')
on conflict (course_id, student_id) do nothing;
