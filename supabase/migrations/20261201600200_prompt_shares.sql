-- Share links for prompts: hashed tokens, expiry, public or link-only, view counts, revocation,
-- one anon-callable reader, fork into one's own library, and the gallery of public shares.
--
-- shared_prompts: created only by public.create_prompt_share() (end users have no INSERT, so
--   nobody picks their own token or hash). The token is 'sp_' + base64url(24 random bytes):
--   192 bits, shown once; only encode(sha256(token), 'hex') is stored and even that column is
--   not readable by end users. Owners read their shares with view_count (the owner sees the
--   counts; viewers do not), revoke them (revoked_at, stamped now(), never undone) and delete them.
--   A share reads the prompt as it is now (edits show through), not a snapshot.
--   visibility: 'link' = only holders of the token read it; 'public' = also listed, without its
--   token, by public.list_public_prompts() (the gallery).
-- public.get_shared_prompt(token): anon and authenticated. A live link returns the prompt and
--   counts the view; an expired, revoked or wrong token (or null, or garbage) returns the same
--   empty result, by the same path (hash, one index lookup) and never an error, so the cases
--   cannot be told apart. It writes, so call it with POST (supabase-js .rpc() does).
-- View counting: a view counts once per viewer per clock hour. The viewer is the signed-in user,
--   else the first x-forwarded-for address PostgREST passes in request.headers (anon viewers
--   behind one address count once; a client that forges the header can inflate its own count),
--   stored only as sha256(share id, viewer). The (share, hour, viewer) primary key decides
--   atomically: concurrent views of one viewer insert one row; each new row adds one to
--   view_count under the share row's lock, so concurrent viewers never lose a count.

create table public.shared_prompts (
  id uuid primary key default gen_random_uuid(),
  prompt_id uuid not null references public.prompts (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  visibility text not null default 'link' check (visibility in ('link', 'public')),
  expires_at timestamptz,
  revoked_at timestamptz,
  view_count bigint not null default 0 check (view_count >= 0),
  last_viewed_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.shared_prompts is 'Share links of prompts. Only the SHA-256 of the token is stored; read through public.get_shared_prompt(token).';
comment on column public.shared_prompts.view_count is 'Views counted by get_shared_prompt, once per viewer per clock hour.';

create index shared_prompts_user_id_idx on public.shared_prompts (user_id, created_at desc);
create index shared_prompts_prompt_id_idx on public.shared_prompts (prompt_id);
create index shared_prompts_public_idx on public.shared_prompts (created_at desc, id)
  where visibility = 'public' and revoked_at is null;

alter table public.prompts
  add constraint prompts_forked_from_share_fkey
  foreign key (forked_from_share) references public.shared_prompts (id) on delete set null;
create index prompts_forked_from_share_idx on public.prompts (forked_from_share);

create table private.prompt_share_views (
  share_id uuid not null references public.shared_prompts (id) on delete cascade,
  hour timestamptz not null,
  viewer_hash text not null,
  primary key (share_id, hour, viewer_hash)
);
comment on table private.prompt_share_views is 'Who viewed a share in which clock hour (hashed), to count a viewer once per hour.';

-- Security invoker on purpose (see private.is_end_user): end users may only revoke, once.
create function private.guard_prompt_share_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_end_user() then
    if old.revoked_at is not null then
      raise exception 'this share link is already revoked' using errcode = '42501';
    end if;
    if new.revoked_at is not null then
      new.revoked_at := now();
    end if;
  end if;
  return new;
end
$$;

create trigger guard_prompt_share_update before update on public.shared_prompts
  for each row execute function private.guard_prompt_share_update();

alter table public.shared_prompts enable row level security;

revoke all on table public.shared_prompts from anon, authenticated, service_role;
grant select (id, prompt_id, user_id, visibility, expires_at, revoked_at, view_count, last_viewed_at, created_at)
  on table public.shared_prompts to authenticated;
grant update (revoked_at) on table public.shared_prompts to authenticated;
grant delete on table public.shared_prompts to authenticated;
grant select, insert, update, delete on table public.shared_prompts to service_role;

create policy "users read their own share links and their view counts"
  on public.shared_prompts for select to authenticated
  using (user_id = (select auth.uid()));
create policy "users revoke their own live share links"
  on public.shared_prompts for update to authenticated
  using (user_id = (select auth.uid()) and revoked_at is null)
  with check (user_id = (select auth.uid()) and revoked_at is not null);
create policy "users delete their own share links"
  on public.shared_prompts for delete to authenticated
  using (user_id = (select auth.uid()));

-- Security definer: end users have no INSERT on shared_prompts (they could otherwise choose
-- the hash). Checks its caller: authenticated only (EXECUTE), the prompt must be the caller's,
-- validated visibility and expiry, at most 50 live links per prompt (serialized per prompt).
create function public.create_prompt_share(
  prompt_id uuid,
  visibility text default 'link',
  expires_in interval default null
)
returns table (id uuid, token text, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  uid uuid := (select auth.uid());
  target uuid := create_prompt_share.prompt_id;
  wanted text := create_prompt_share.visibility;
  live_links integer;
  secret text;
  new_id uuid;
  new_expires_at timestamptz;
begin
  if uid is null then
    raise exception 'sign in to share a prompt' using errcode = '42501';
  end if;
  if not exists (select 1 from public.prompts p where p.id = target and p.user_id = uid) then
    raise exception 'no prompt of yours has this id' using errcode = '42501';
  end if;
  if wanted is null or wanted not in ('link', 'public') then
    raise exception 'visibility must be link or public' using errcode = '22023';
  end if;
  if expires_in is not null and (expires_in < interval '5 minutes' or expires_in > interval '366 days') then
    raise exception 'expires_in must be between 5 minutes and 366 days' using errcode = '22023';
  end if;

  perform pg_advisory_xact_lock(hashtextextended('gatehouse.shared_prompts:' || target::text, 0));
  select count(*) into live_links from public.shared_prompts s
  where s.prompt_id = target and s.revoked_at is null and (s.expires_at is null or s.expires_at > now());
  if live_links >= 50 then
    raise exception 'at most 50 live share links per prompt; revoke one first' using errcode = '53400';
  end if;

  secret := 'sp_' || translate(encode(extensions.gen_random_bytes(24), 'base64'), '+/=', '-_');
  new_expires_at := case when expires_in is null then null else now() + expires_in end;
  insert into public.shared_prompts (prompt_id, user_id, token_hash, visibility, expires_at)
  values (target, uid, encode(extensions.digest(secret, 'sha256'), 'hex'), wanted, new_expires_at)
  returning public.shared_prompts.id into new_id;

  return query select new_id, secret, new_expires_at;
end
$$;
comment on function public.create_prompt_share(uuid, text, interval) is
  'RPC: creates a share link for one of the caller''s prompts and returns its token once (only its SHA-256 is stored).';

-- The live share a token names, or nothing. Same path for every kind of miss: hash, one index
-- lookup, then the liveness test in memory.
create function private.live_share(token text)
returns public.shared_prompts
language plpgsql
stable
set search_path = ''
as $$
declare
  s public.shared_prompts;
begin
  select * into s from public.shared_prompts
  where token_hash = encode(extensions.digest(coalesce(token, ''), 'sha256'), 'hex');
  if s.id is null or s.revoked_at is not null or (s.expires_at is not null and s.expires_at <= now()) then
    return null;
  end if;
  return s;
end
$$;

-- Security definer: anon and other users have no rights on someone's prompt or share; the
-- token is the capability. Checks its caller by the token only, and counts the view.
create function public.get_shared_prompt(token text)
returns table (title text, body text, enriched_body text, tags text[], model text, shared_at timestamptz, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  s public.shared_prompts := private.live_share(token);
  viewer text;
begin
  if s.id is null then
    return;
  end if;
  viewer := coalesce('user:' || (select auth.uid())::text,
                     'addr:' || nullif(btrim(split_part(
                        nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-forwarded-for', ',', 1)), ''),
                     'anon');
  insert into private.prompt_share_views (share_id, hour, viewer_hash)
  values (s.id, date_trunc('hour', now()), encode(extensions.digest(s.id::text || '|' || viewer, 'sha256'), 'hex'))
  on conflict do nothing;
  if found then
    update public.shared_prompts set view_count = view_count + 1, last_viewed_at = now() where id = s.id;
  end if;
  return query
    select p.title, p.body, p.enriched_body, p.tags, p.model, s.created_at, s.expires_at
    from public.prompts p where p.id = s.prompt_id;
end
$$;
comment on function public.get_shared_prompt(text) is
  'RPC (POST; anon and authenticated): the prompt a live share token names, counting the view; nothing for any other token.';

-- Security definer: copies another user's prompt, which the caller cannot read directly.
-- Checks its caller: a signed-in user; the token is the capability, checked like get_shared_prompt
-- (a dead token gives null, not an error). The copy is the caller's own row; no view is counted.
create function public.fork_shared_prompt(token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := (select auth.uid());
  s public.shared_prompts := private.live_share(token);
  new_id uuid;
begin
  if uid is null then
    raise exception 'sign in to fork a prompt' using errcode = '42501';
  end if;
  if s.id is null then
    return null;
  end if;
  insert into public.prompts (user_id, title, body, enriched_body, tags, model, metadata, forked_from_share)
  select uid, p.title, p.body, p.enriched_body, p.tags, p.model, p.metadata, s.id
  from public.prompts p where p.id = s.prompt_id
  returning id into new_id;
  return new_id;
end
$$;
comment on function public.fork_shared_prompt(text) is
  'RPC: copies the prompt of a live share link into the caller''s library; returns the new id, or null for a dead token.';

-- Security definer: lists other users' prompts, but only those shared as public and live;
-- never a token or an owner. Checks its caller: anyone (the gallery is public by the owner's choice).
create function public.list_public_prompts(
  search text default null,
  before_created_at timestamptz default null,
  before_id uuid default null,
  page_size integer default 20
)
returns table (share_id uuid, title text, body text, enriched_body text, tags text[], model text, shared_at timestamptz, view_count bigint)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  tsq tsquery := case when nullif(btrim(search), '') is null then null
                      else websearch_to_tsquery('simple'::regconfig, search) end;
begin
  if page_size is null or page_size not between 1 and 100 then
    raise exception 'page_size must be between 1 and 100' using errcode = '22023';
  end if;
  return query
    select s.id, p.title, p.body, p.enriched_body, p.tags, p.model, s.created_at, s.view_count
    from public.shared_prompts s join public.prompts p on p.id = s.prompt_id
    where s.visibility = 'public' and s.revoked_at is null and (s.expires_at is null or s.expires_at > now())
      and (tsq is null or p.search_document @@ tsq)
      and (before_created_at is null or (s.created_at, s.id) < (before_created_at, coalesce(before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)))
    order by s.created_at desc, s.id desc
    limit page_size;
end
$$;
comment on function public.list_public_prompts(text, timestamptz, uuid, integer) is
  'RPC (anon and authenticated): live public shares, newest first, keyset-paged by (shared_at, share_id).';

revoke execute on function private.guard_prompt_share_update() from public;
revoke execute on function private.live_share(text) from public;
revoke execute on function public.create_prompt_share(uuid, text, interval) from public, anon, authenticated, service_role;
revoke execute on function public.get_shared_prompt(text) from public, anon, authenticated, service_role;
revoke execute on function public.fork_shared_prompt(text) from public, anon, authenticated, service_role;
revoke execute on function public.list_public_prompts(text, timestamptz, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function public.create_prompt_share(uuid, text, interval) to authenticated;
grant execute on function public.get_shared_prompt(text) to anon, authenticated;
grant execute on function public.fork_shared_prompt(text) to authenticated;
grant execute on function public.list_public_prompts(text, timestamptz, uuid, integer) to anon, authenticated;
