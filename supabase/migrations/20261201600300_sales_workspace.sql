-- Sales-call workspace of the sales-call analyser: clients, training materials, call analyses,
-- campaigns and their sign-ups, each owned by one user.
--
-- Every table is owner-only through RLS, admins included (a rep's pipeline is their own; the
-- service reads with service_role): one policy "for all" per table, user_id = (select auth.uid()).
-- References between the tables are composite foreign keys on (id, user_id), so a row can only
-- point at rows of the same owner: an analysis cannot be filed under someone else's client even
-- by a user who knows that client's id.
-- local_id is the id the analyser used in localStorage (the import key), unique per user.
-- Files live in the training-materials and call-recordings buckets under <uid>/ (storage
-- migration next to this one); storage_path / recording_path must start with the owner's folder.
-- call_analyses.analysis holds the sales-call-analysis task's JSON output as it was returned.
-- End users write every column but id, user_id's default and the timestamps (column grants).

create table public.clients (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  local_id text check (char_length(local_id) between 1 and 200),
  name text not null check (char_length(btrim(name)) between 1 and 200),
  company text check (char_length(company) <= 200),
  email text check (char_length(email) <= 320),
  phone text check (char_length(phone) <= 50),
  notes text check (char_length(notes) <= 20000),
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, user_id),
  unique (user_id, local_id)
);
comment on table public.clients is 'Sales-call analyser: a rep''s clients and prospects. Owner-only.';

create table public.campaigns (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  local_id text check (char_length(local_id) between 1 and 200),
  name text not null check (char_length(btrim(name)) between 1 and 200),
  status text not null default 'draft' check (status in ('draft', 'active', 'paused', 'completed')),
  goal text check (char_length(goal) <= 4000),
  starts_on date,
  ends_on date,
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_on is null or starts_on is null or ends_on >= starts_on),
  unique (id, user_id),
  unique (user_id, local_id)
);
comment on table public.campaigns is 'Sales-call analyser: outreach campaigns. Owner-only.';

create table public.signups (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  campaign_id uuid not null,
  local_id text check (char_length(local_id) between 1 and 200),
  name text check (char_length(name) <= 200),
  email text check (char_length(email) <= 320),
  company text check (char_length(company) <= 200),
  notes text check (char_length(notes) <= 4000),
  signed_up_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  foreign key (campaign_id, user_id) references public.campaigns (id, user_id) on delete cascade,
  unique (user_id, local_id)
);
comment on table public.signups is 'Sales-call analyser: people who signed up through one of the owner''s campaigns. Owner-only.';

create table public.training_materials (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  local_id text check (char_length(local_id) between 1 and 200),
  title text not null check (char_length(btrim(title)) between 1 and 200),
  kind text not null check (kind in ('pdf', 'video', 'document', 'text', 'link')),
  storage_path text check (char_length(storage_path) <= 1024 and storage_path like user_id::text || '/%'),
  url text check (char_length(url) <= 2048 and url ~ '^https?://'),
  content text check (char_length(content) <= 200000),
  notes text check (char_length(notes) <= 20000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, local_id)
);
comment on table public.training_materials is 'Sales-call analyser: training material (a file in the training-materials bucket, a link or text). Owner-only.';
comment on column public.training_materials.storage_path is 'Object name in bucket training-materials; always under the owner''s <uid>/ folder.';

create table public.call_analyses (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  local_id text check (char_length(local_id) between 1 and 200),
  client_ref uuid,
  campaign_ref uuid,
  title text check (char_length(title) <= 200),
  transcript text check (char_length(transcript) <= 60000),
  recording_path text check (char_length(recording_path) <= 1024 and recording_path like user_id::text || '/%'),
  analysis jsonb not null check (jsonb_typeof(analysis) = 'object' and pg_column_size(analysis) <= 262144),
  score smallint check (score between 0 and 100),
  model text check (char_length(model) <= 200),
  request_id text check (char_length(request_id) <= 128),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (client_ref, user_id) references public.clients (id, user_id) on delete set null (client_ref),
  foreign key (campaign_ref, user_id) references public.campaigns (id, user_id) on delete set null (campaign_ref),
  unique (user_id, local_id)
);
comment on table public.call_analyses is 'Sales-call analyser: saved results of the sales-call-analysis task. Owner-only.';
comment on column public.call_analyses.analysis is 'The task''s JSON output (summary, sentiment, objections, next_steps, talk_ratio, score).';
comment on column public.call_analyses.request_id is 'x-request-id of the gateway call that produced it (matches ai_usage.request_id).';

create index clients_user_id_idx on public.clients (user_id, updated_at desc);
create index campaigns_user_id_idx on public.campaigns (user_id, updated_at desc);
create index signups_user_id_idx on public.signups (user_id, signed_up_at desc);
create index signups_campaign_idx on public.signups (campaign_id, user_id);
create index training_materials_user_id_idx on public.training_materials (user_id, updated_at desc);
create index call_analyses_user_id_idx on public.call_analyses (user_id, created_at desc);
create index call_analyses_client_idx on public.call_analyses (client_ref, user_id);
create index call_analyses_campaign_idx on public.call_analyses (campaign_ref, user_id);

create trigger set_updated_at before update on public.clients
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.campaigns
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.training_materials
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.call_analyses
  for each row execute function private.set_updated_at();

alter table public.clients enable row level security;
alter table public.campaigns enable row level security;
alter table public.signups enable row level security;
alter table public.training_materials enable row level security;
alter table public.call_analyses enable row level security;

revoke all on table public.clients, public.campaigns, public.signups, public.training_materials, public.call_analyses
  from anon, authenticated, service_role;
grant select, delete on table public.clients, public.campaigns, public.signups, public.training_materials, public.call_analyses
  to authenticated;
grant insert (user_id, local_id, name, company, email, phone, notes, metadata),
      update (local_id, name, company, email, phone, notes, metadata)
  on table public.clients to authenticated;
grant insert (user_id, local_id, name, status, goal, starts_on, ends_on, metadata),
      update (local_id, name, status, goal, starts_on, ends_on, metadata)
  on table public.campaigns to authenticated;
grant insert (user_id, campaign_id, local_id, name, email, company, notes, signed_up_at),
      update (campaign_id, local_id, name, email, company, notes, signed_up_at)
  on table public.signups to authenticated;
grant insert (user_id, local_id, title, kind, storage_path, url, content, notes),
      update (local_id, title, kind, storage_path, url, content, notes)
  on table public.training_materials to authenticated;
grant insert (user_id, local_id, client_ref, campaign_ref, title, transcript, recording_path, analysis, score, model, request_id),
      update (local_id, client_ref, campaign_ref, title, transcript, recording_path, analysis, score, model, request_id)
  on table public.call_analyses to authenticated;
grant select, insert, update, delete on table public.clients, public.campaigns, public.signups, public.training_materials,
  public.call_analyses to service_role;

create policy "users manage their own clients"
  on public.clients for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "users manage their own campaigns"
  on public.campaigns for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "users manage the sign-ups of their own campaigns"
  on public.signups for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "users manage their own training materials"
  on public.training_materials for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "users manage their own call analyses"
  on public.call_analyses for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
