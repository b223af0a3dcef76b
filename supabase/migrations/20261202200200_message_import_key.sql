-- Course chat messages get the learning platform's own id, so that importing its localStorage
-- twice posts nothing twice.
--
-- local_id is the id the front end gave a message in localStorage; POST /v1/import/learning
-- inserts a message only when (author_id, local_id) is new. Unique per author, so one user's ids
-- never collide with, or reveal, another's. Nullable: messages posted live carry none. Authors may
-- set it on insert (a front end that posts through supabase-js may keep its own ids too); it is
-- not updatable. Every other rule of the chat (participants only, as themselves) is unchanged.

alter table public.messages
  add column local_id text check (char_length(local_id) between 1 and 200),
  add constraint messages_author_id_local_id_key unique (author_id, local_id);
comment on column public.messages.local_id is 'The id the learning platform used in localStorage; POST /v1/import/learning is idempotent by it.';

grant insert (local_id) on table public.messages to authenticated;
