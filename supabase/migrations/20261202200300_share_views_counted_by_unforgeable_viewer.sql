-- Share-link views are counted per viewer the client cannot forge.
--
-- Why: get_shared_prompt told anonymous viewers apart by the first x-forwarded-for address in
-- request.headers. That entry is whatever the client sent: proxies (Supabase's gateway,
-- Cloudflare) append to a client's X-Forwarded-For rather than replace it, so one anonymous client
-- sending a new address on every call counted as a new viewer each time and could inflate a
-- share's view_count at will. No other request header is safer from SQL: which header a trusted
-- proxy sets (cf-connecting-ip, x-real-ip, the last hop of x-forwarded-for) depends on the
-- deployment, and on a self-hosted stack without that proxy every one of them is the client's.
--
-- The rule now: the viewer is auth.uid() when the caller is signed in (a verified JWT: also
-- Supabase's anonymous sign-ins, which Auth rate-limits per address). Every caller without a
-- session is one viewer, "anon": all anonymous views of a share count once per clock hour
-- together. So view_count = distinct signed-in viewers per hour + hours with anonymous views, and
-- no header can move it. A front end that wants each visitor counted signs them in
-- (supabase.auth.signInAnonymously()) before calling the function. Nothing else changes: the same
-- empty answer by the same path for dead tokens, the view counted atomically under the
-- (share, hour, viewer) key, the viewer stored only as sha256(share id, viewer).

create or replace function public.get_shared_prompt(token text)
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
  -- never a request header: every one of them can be sent by the client
  viewer := coalesce('user:' || (select auth.uid())::text, 'anon');
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
  'RPC (POST; anon and authenticated): the prompt a live share token names, counting the view once per hour per signed-in viewer (all anonymous callers are one viewer); nothing for any other token.';
comment on column public.shared_prompts.view_count is
  'Views counted by get_shared_prompt: once per signed-in viewer per clock hour, plus once per hour for all anonymous viewers together.';
