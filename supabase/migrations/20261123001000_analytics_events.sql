-- Product analytics events, inserted by signed-in users for themselves.
--
-- Write-only from the API: a user may insert events with user_id = their own id and cannot
-- read any event back, not even their own (there is no use for it in the front end and it
-- keeps the table out of every read path). Analysis happens with the service's / SQL
-- editor's rights. supabase-js must insert without .select() (Prefer: return=minimal).
-- anon cannot insert: unauthenticated traffic is not attributed.

create table public.analytics_events (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  event text not null check (event ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  properties jsonb not null default '{}'::jsonb
    check (jsonb_typeof(properties) = 'object' and pg_column_size(properties) <= 8192),
  page text check (char_length(page) <= 2048),
  created_at timestamptz not null default now()
);
comment on table public.analytics_events is 'Product analytics. Users insert their own events; nobody reads them through the API.';

create index analytics_events_user_id_idx on public.analytics_events (user_id, created_at);
create index analytics_events_event_idx on public.analytics_events (event, created_at);

alter table public.analytics_events enable row level security;

revoke all on table public.analytics_events from anon, authenticated, service_role;
-- Identity values need no sequence privilege; projects created before Supabase's 2026 change
-- would otherwise grant it to the API roles.
revoke all on sequence public.analytics_events_id_seq from anon, authenticated;
grant insert (user_id, event, properties, page) on table public.analytics_events to authenticated;
grant select, insert, update, delete on table public.analytics_events to service_role;

create policy "users record their own analytics events"
  on public.analytics_events for insert to authenticated
  with check (user_id = (select auth.uid()));
