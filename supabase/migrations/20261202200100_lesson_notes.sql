-- Lesson notes: the learning platform's private notes, which lived in localStorage until now.
--
-- Why a table: the front end kept a learner's notes per course and lesson in localStorage;
-- POST /v1/import/learning moves them here, and the front end then reads and writes them with
-- supabase-js. Rules:
-- * Owner-only, admins included (a learner's notes are their own; the service reads with
--   service_role): read, edit and delete one's own notes only.
-- * A note is taken in a course the writer takes (enrolled, active or completed) or teaches,
--   optionally on one of its lessons; the (lesson_id, course_id) foreign key keeps the lesson
--   inside that course. A student refunded later keeps reading, editing and deleting their
--   notes (they are what they wrote), but takes no new ones there.
-- * Deleting a lesson keeps its notes on the course (lesson_id set null); deleting the course
--   deletes them.
-- * local_id is the id the front end used in localStorage (the import key), unique per user.
-- End users write user_id (as themselves), course_id, lesson_id, local_id and body; they may
-- later change only body (column grants).

create table public.lesson_notes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  course_id uuid not null references public.courses (id) on delete cascade,
  lesson_id uuid,
  local_id text check (char_length(local_id) between 1 and 200),
  body text not null check (char_length(btrim(body)) between 1 and 20000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint lesson_notes_lesson_fkey foreign key (lesson_id, course_id)
    references public.lessons (id, course_id) on delete set null (lesson_id),
  constraint lesson_notes_user_id_local_id_key unique (user_id, local_id)
);
comment on table public.lesson_notes is 'A learner''s private notes on a course or one of its lessons. Owner-only.';
comment on column public.lesson_notes.local_id is 'The id the learning platform used in localStorage; POST /v1/import/learning is idempotent by it.';

-- user_id leads: every policy filters on it (the unique key covers (user_id, local_id) lookups)
create index lesson_notes_user_id_idx on public.lesson_notes (user_id, course_id, updated_at desc);
create index lesson_notes_course_id_idx on public.lesson_notes (course_id);
create index lesson_notes_lesson_id_idx on public.lesson_notes (lesson_id, course_id);

create trigger set_updated_at before update on public.lesson_notes
  for each row execute function private.set_updated_at();

alter table public.lesson_notes enable row level security;

revoke all on table public.lesson_notes from anon, authenticated, service_role;
grant select, delete on table public.lesson_notes to authenticated;
grant insert (user_id, course_id, lesson_id, local_id, body) on table public.lesson_notes to authenticated;
grant update (body) on table public.lesson_notes to authenticated;
grant select, insert, update, delete on table public.lesson_notes to service_role;

create policy "users read their own lesson notes"
  on public.lesson_notes for select to authenticated
  using (user_id = (select auth.uid()));
create policy "users take notes as themselves in courses they take or teach"
  on public.lesson_notes for insert to authenticated
  with check (user_id = (select auth.uid()) and course_id in (select private.my_course_ids()));
create policy "users edit their own lesson notes"
  on public.lesson_notes for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy "users delete their own lesson notes"
  on public.lesson_notes for delete to authenticated
  using (user_id = (select auth.uid()));
