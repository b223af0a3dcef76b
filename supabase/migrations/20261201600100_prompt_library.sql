-- Prompt library of the prompt-enrichment tool: prompts, their body history, full-text search.
--
-- prompts: owner-scoped CRUD through RLS (every action is "own rows only"; admins included:
--   a prompt library is private work, the service reads through service_role). local_id is the
--   id the tool used in localStorage, unique per user, so an import can be repeated safely.
--   `version` counts body edits; end users cannot write it (no column grant), a trigger does.
-- prompt_versions: one row per body the prompt has ever had (version 1 on insert, one more on
--   every update that changes the body). Written only by a security definer trigger, so the
--   history cannot be forged or rewritten; owners read it.
-- Search: prompts.search_document is a stored generated tsvector (title A, tags B as given, body
--   and enriched body C, 'simple' config so any language works) with a GIN index;
--   public.search_prompts() ranks the caller's own prompts (security invoker: RLS decides).

create table public.prompts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  local_id text check (char_length(local_id) between 1 and 200),
  title text not null check (char_length(btrim(title)) between 1 and 200),
  body text not null check (char_length(body) between 1 and 100000),
  enriched_body text check (char_length(enriched_body) <= 200000),
  tags text[] not null default '{}' check (
    cardinality(tags) <= 32 and array_position(tags, null) is null),
  model text check (char_length(model) <= 200),
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536),
  forked_from_share uuid,
  version integer not null default 1 check (version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  search_document tsvector generated always as (
    setweight(to_tsvector('simple'::regconfig, title), 'A')
    || setweight(array_to_tsvector(tags), 'B')
    || setweight(to_tsvector('simple'::regconfig, body), 'C')
    || setweight(to_tsvector('simple'::regconfig, coalesce(enriched_body, '')), 'C')
  ) stored,
  unique (user_id, local_id)
);
comment on table public.prompts is 'Prompt-enrichment tool: a user''s prompts. Owner-only through RLS; every body edit adds a prompt_versions row.';
comment on column public.prompts.local_id is 'The id the front end used in localStorage (import idempotency key), unique per user.';
comment on column public.prompts.forked_from_share is 'The share this prompt was forked from (fork_shared_prompt), kept when the share is gone.';
comment on column public.prompts.version is 'Number of bodies this prompt has had; maintained by trigger.';

create index prompts_user_id_idx on public.prompts (user_id, updated_at desc);
create index prompts_search_document_idx on public.prompts using gin (search_document);

create table public.prompt_versions (
  id bigint generated always as identity primary key,
  prompt_id uuid not null references public.prompts (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  version integer not null check (version >= 1),
  title text not null,
  body text not null,
  enriched_body text,
  created_at timestamptz not null default now(),
  unique (prompt_id, version)
);
comment on table public.prompt_versions is 'Every body a prompt has had, newest = prompts.version. Written by trigger only.';

create index prompt_versions_user_id_idx on public.prompt_versions (user_id);

-- Security invoker: only bumps the counter of the row being written (end users cannot set it).
create function private.count_prompt_version()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.version := 1;
  elsif new.body is distinct from old.body then
    new.version := old.version + 1;
  else
    new.version := old.version;
  end if;
  return new;
end
$$;

-- Security definer: end users have no INSERT on prompt_versions (the history must not be
-- forgeable); it only copies the row that RLS already let the caller write.
create function private.record_prompt_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.prompt_versions (prompt_id, user_id, version, title, body, enriched_body)
  values (new.id, new.user_id, new.version, new.title, new.body, new.enriched_body);
  return null;
end
$$;

create trigger count_prompt_version before insert or update on public.prompts
  for each row execute function private.count_prompt_version();
create trigger set_updated_at before update on public.prompts
  for each row execute function private.set_updated_at();
create trigger record_first_version after insert on public.prompts
  for each row execute function private.record_prompt_version();
create trigger record_body_edit after update of body on public.prompts
  for each row when (old.body is distinct from new.body)
  execute function private.record_prompt_version();

alter table public.prompts enable row level security;
alter table public.prompt_versions enable row level security;

revoke all on table public.prompts, public.prompt_versions from anon, authenticated, service_role;
revoke all on sequence public.prompt_versions_id_seq from anon, authenticated;
grant select (id, user_id, local_id, title, body, enriched_body, tags, model, metadata, forked_from_share, version,
              created_at, updated_at, search_document)
  on table public.prompts to authenticated;
grant insert (user_id, local_id, title, body, enriched_body, tags, model, metadata) on table public.prompts to authenticated;
grant update (local_id, title, body, enriched_body, tags, model, metadata) on table public.prompts to authenticated;
grant delete on table public.prompts to authenticated;
grant select on table public.prompt_versions to authenticated;
grant select, insert, update, delete on table public.prompts, public.prompt_versions to service_role;

create policy "users read their own prompts"
  on public.prompts for select to authenticated
  using (user_id = (select auth.uid()));
create policy "users write prompts as themselves"
  on public.prompts for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy "users edit their own prompts"
  on public.prompts for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy "users delete their own prompts"
  on public.prompts for delete to authenticated
  using (user_id = (select auth.uid()));

create policy "users read the history of their own prompts"
  on public.prompt_versions for select to authenticated
  using (user_id = (select auth.uid()));

-- Security invoker on purpose: RLS limits it to the caller's own prompts.
create function public.search_prompts(query text, page_size integer default 20)
returns table (id uuid, title text, tags text[], updated_at timestamptz, rank real, snippet text)
language plpgsql
stable
set search_path = ''
as $$
declare
  tsq tsquery := websearch_to_tsquery('simple'::regconfig, coalesce(query, ''));
begin
  if page_size is null or page_size not between 1 and 100 then
    raise exception 'page_size must be between 1 and 100' using errcode = '22023';
  end if;
  return query
    select p.id, p.title, p.tags, p.updated_at, ts_rank(p.search_document, tsq) as rank,
           ts_headline('simple'::regconfig, p.body, tsq, 'MaxFragments=1, MaxWords=24, MinWords=8') as snippet
    from public.prompts p
    where p.user_id = (select auth.uid()) and p.search_document @@ tsq
    order by 5 desc, p.updated_at desc, p.id
    limit page_size;
end
$$;
comment on function public.search_prompts(text, integer) is
  'RPC: full-text search (websearch syntax) over the caller''s own prompts, best match first.';

revoke execute on function private.count_prompt_version() from public;
revoke execute on function private.record_prompt_version() from public;
revoke execute on function public.search_prompts(text, integer) from public, anon, authenticated, service_role;
grant execute on function public.search_prompts(text, integer) to authenticated;
