-- Identity: profiles, plans and subscriptions.
--
-- profiles: one row per auth.users row, created by an AFTER INSERT trigger on auth.users that
--   never fails a sign-up. Readable by every signed-in user (public profile), never by anon. `role` (student/instructor/admin) is never writable by its user:
--   end users hold an UPDATE grant on three columns only, a guard trigger rejects any role
--   change made with end-user rights, and admins change roles through admin_set_user_role().
-- plans: reference data (free/pro/enterprise) inserted here because production needs the rows
--   too (a user with no active subscription is on `free`); readable by everyone.
-- subscriptions: synced from Stripe by the service only; users read their own.
-- Role and subscription changes are audited.

-- profiles --------------------------------------------------------------------------------

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text check (char_length(display_name) <= 100),
  avatar_url text check (char_length(avatar_url) <= 2048),
  role text not null default 'student' check (role in ('student', 'instructor', 'admin')),
  email_opt_out boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'One per auth.users row. role is set only by admins (admin_set_user_role) or the service.';
comment on column public.profiles.email_opt_out is 'True: send this user only essential mail (receipts, payment failures, refunds, enrollment confirmations).';

create trigger set_updated_at before update on public.profiles
  for each row execute function private.set_updated_at();

-- Security definer: RLS policies on many tables ask "is the caller an admin?", and the
-- answer must not depend on what the caller may read of profiles (nor recurse into its
-- policy). Checks its caller: answers only about auth.uid().
create function private.is_admin()
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select 1 from public.profiles p
    where p.id = (select auth.uid()) and p.role = 'admin'
  );
end
$$;
comment on function private.is_admin() is 'True when the requesting user''s profile has role admin. Use as (select private.is_admin()) in policies.';

-- Security definer for the same reason as is_admin(); answers only about auth.uid().
create function private.is_instructor()
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select 1 from public.profiles p
    where p.id = (select auth.uid()) and p.role in ('instructor', 'admin')
  );
end
$$;
comment on function private.is_instructor() is 'True when the requesting user may create courses (role instructor or admin).';

-- Security invoker on purpose: current_user must be the role the statement runs as, so
-- that security definer functions (whose current_user is their owner) and the service pass.
create function private.guard_profile_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_end_user() then
    if new.role is distinct from old.role then
      raise exception 'users cannot change a role, not even their own' using errcode = '42501';
    end if;
    if new.id is distinct from old.id or new.created_at is distinct from old.created_at then
      raise exception 'profile id and created_at are read-only' using errcode = '42501';
    end if;
  end if;
  return new;
end
$$;

create trigger guard_profile_update before update on public.profiles
  for each row execute function private.guard_profile_update();

create trigger audit_role_change after update on public.profiles
  for each row when (old.role is distinct from new.role)
  execute function private.audit_row_change();

-- Security definer: runs as supabase_auth_admin's trigger on auth.users and must write
-- public.profiles. Never fails a sign-up: any error is reported as a WARNING and the user
-- is created without a profile (the service can create it later). The role is always the
-- default 'student'; nothing from user-editable metadata can choose it.
create function private.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  meta jsonb := case when jsonb_typeof(new.raw_user_meta_data) = 'object' then new.raw_user_meta_data else '{}'::jsonb end;
begin
  begin
    insert into public.profiles (id, display_name, avatar_url)
    values (
      new.id,
      left(nullif(btrim(coalesce(meta ->> 'display_name', meta ->> 'full_name', meta ->> 'name',
                                 split_part(new.email, '@', 1))), ''), 100),
      left(nullif(btrim(coalesce(meta ->> 'avatar_url', meta ->> 'picture')), ''), 2048)
    )
    on conflict (id) do nothing;
  exception when others then
    raise warning 'gatehouse: no profile created for new user %: % (%)', new.id, sqlerrm, sqlstate;
  end;
  return null;
end
$$;
comment on function private.handle_new_user() is 'AFTER INSERT on auth.users: creates the profile; never raises.';

create trigger on_auth_user_created after insert on auth.users
  for each row execute function private.handle_new_user();

alter table public.profiles enable row level security;

revoke all on table public.profiles from anon, authenticated, service_role;
grant select on table public.profiles to authenticated;
grant update (display_name, avatar_url, email_opt_out) on table public.profiles to authenticated;
grant select, insert, update, delete on table public.profiles to service_role;

-- Public profile data (name, avatar, role) is what course pages, chat, rosters and reviews
-- show next to people, so any signed-in user may read it (Supabase's own starter does the
-- same). Restricting it to "people I share a course with" needs a per-row membership check
-- on every embed of a profile, which made chat and roster queries several times slower
-- than the same query without RLS. anon reads no profiles.
create policy "signed-in users read profiles"
  on public.profiles for select to authenticated
  using (true);

create policy "users update their own profile"
  on public.profiles for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- plans -----------------------------------------------------------------------------------

create table public.plans (
  id text primary key check (id ~ '^[a-z][a-z0-9_-]{0,31}$'),
  name text not null check (char_length(name) between 1 and 60),
  description text not null default '',
  monthly_request_limit integer check (monthly_request_limit >= 0),
  monthly_token_limit bigint check (monthly_token_limit >= 0),
  requests_per_minute integer not null check (requests_per_minute > 0),
  max_output_tokens integer not null check (max_output_tokens > 0),
  max_concurrent_streams integer not null check (max_concurrent_streams > 0),
  allowed_models text[] not null default '{}',
  allowed_tasks text[] not null default '{}',
  allow_raw_chat boolean not null default false,
  price_cents integer not null default 0 check (price_cents >= 0),
  currency text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  stripe_price_id text unique,
  sort_order integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.plans is 'Subscription plans and their AI limits. Null monthly limits mean unlimited.';
comment on column public.plans.allowed_tasks is 'Server-side prompt templates the plan may call via POST /v1/tasks/{task}.';
comment on column public.plans.allow_raw_chat is 'Whether the plan may call /v1/chat/completions with arbitrary prompts.';

create trigger set_updated_at before update on public.plans
  for each row execute function private.set_updated_at();

insert into public.plans (id, name, description, monthly_request_limit, monthly_token_limit,
                          requests_per_minute, max_output_tokens, max_concurrent_streams,
                          allowed_models, allowed_tasks, allow_raw_chat, price_cents, sort_order)
values
  ('free', 'Free', 'Try the AI mentor.', 10, 20000, 20, 512, 1,
   array['dev-echo', 'gpt-4o-mini', 'claude-haiku'],
   array['mentor-answer', 'homework-feedback', 'prompt-enrichment', 'sales-call-analysis', 'roleplay', 'resume-review'],
   true, 0, 10),
  ('pro', 'Pro', 'For regular learners.', 500, 2000000, 30, 4096, 3,
   array['dev-echo', 'gpt-4o-mini', 'gpt-4o', 'claude-haiku', 'claude-sonnet'],
   array['mentor-answer', 'homework-feedback', 'prompt-enrichment', 'sales-call-analysis', 'roleplay', 'resume-review'],
   true, 1900, 20),
  ('enterprise', 'Enterprise', 'Unlimited use for teams.', null, null, 120, 8192, 10,
   array['dev-echo', 'gpt-4o-mini', 'gpt-4o', 'claude-haiku', 'claude-sonnet'],
   array['mentor-answer', 'homework-feedback', 'prompt-enrichment', 'sales-call-analysis', 'roleplay', 'resume-review'],
   true, 9900, 30)
on conflict (id) do nothing;

alter table public.plans enable row level security;

revoke all on table public.plans from anon, authenticated, service_role;
grant select on table public.plans to anon, authenticated;
grant select, insert, update, delete on table public.plans to service_role;

create policy "anyone reads the plans"
  on public.plans for select to anon, authenticated
  using (true);

-- subscriptions ---------------------------------------------------------------------------

create table public.subscriptions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  plan_id text not null references public.plans (id),
  status text not null check (status in ('incomplete', 'incomplete_expired', 'trialing', 'active',
                                         'past_due', 'canceled', 'unpaid', 'paused')),
  stripe_subscription_id text unique,
  stripe_customer_id text,
  current_period_start timestamptz,
  current_period_end timestamptz,
  cancel_at_period_end boolean not null default false,
  canceled_at timestamptz,
  stripe_event_created_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.subscriptions is 'Stripe subscriptions, written only by the service from verified webhooks.';
comment on column public.subscriptions.stripe_event_created_at is
  '`created` of the newest Stripe event applied to this row; the service ignores older events so out-of-order delivery never moves a subscription back.';

create index subscriptions_user_id_idx on public.subscriptions (user_id);
create index subscriptions_plan_id_idx on public.subscriptions (plan_id);
create index subscriptions_stripe_customer_id_idx on public.subscriptions (stripe_customer_id);

create trigger set_updated_at before update on public.subscriptions
  for each row execute function private.set_updated_at();
create trigger audit_change after insert or update or delete on public.subscriptions
  for each row execute function private.audit_row_change();

alter table public.subscriptions enable row level security;

revoke all on table public.subscriptions from anon, authenticated, service_role;
grant select on table public.subscriptions to authenticated;
grant select, insert, update, delete on table public.subscriptions to service_role;

create policy "users read their own subscriptions and admins read all"
  on public.subscriptions for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

-- the plan in force -----------------------------------------------------------------------

-- Security definer: reads any user's subscriptions regardless of RLS. Checks its caller:
-- EXECUTE is granted to service_role only (the service, as owner, calls it for admission);
-- end users call public.my_plan(), which passes their own id.
-- A subscription counts while Stripe still considers it live (active, trialing, past_due:
-- Stripe keeps retrying a past_due invoice and ends the subscription if it never succeeds);
-- with several, the most expensive plan wins. Otherwise the user is on 'free'.
create function private.current_plan(user_id uuid)
returns public.plans
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  result public.plans;
begin
  select p.* into result
  from public.plans p
  where p.id = coalesce(
    (select s.plan_id
       from public.subscriptions s
       join public.plans sp on sp.id = s.plan_id
      where s.user_id = current_plan.user_id
        and s.status in ('active', 'trialing', 'past_due')
      order by sp.price_cents desc, s.created_at desc
      limit 1),
    'free');
  return result;
end
$$;
comment on function private.current_plan(uuid) is 'The plan in force for a user: their live subscription''s plan, else free.';

-- Security definer: wraps private.current_plan for the signed-in user. Checks its caller:
-- only authenticated may execute it, and it always uses auth.uid().
create function public.my_plan()
returns public.plans
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  uid uuid := (select auth.uid());
  result public.plans;
begin
  if uid is null then
    raise exception 'sign in to see your plan' using errcode = '42501';
  end if;
  select * into result from private.current_plan(uid);
  return result;
end
$$;
comment on function public.my_plan() is 'RPC: the plan in force for the signed-in user.';

-- Security definer: profiles.role is not writable with end-user rights at all. Checks its
-- caller: only admins, never on their own profile (nobody changes their own role).
create function public.admin_set_user_role(target_user_id uuid, new_role text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := (select auth.uid());
  previous text;
begin
  if uid is null or not private.is_admin() then
    raise exception 'only admins can change roles' using errcode = '42501';
  end if;
  if target_user_id = uid then
    raise exception 'nobody can change their own role' using errcode = '42501';
  end if;
  if new_role is null or new_role not in ('student', 'instructor', 'admin') then
    raise exception 'role must be student, instructor or admin' using errcode = '22023';
  end if;
  select p.role into previous from public.profiles p where p.id = target_user_id for update;
  if not found then
    raise exception 'no such user' using errcode = 'P0002';
  end if;
  update public.profiles set role = new_role where id = target_user_id;
  perform private.log_security_event('role_changed',
    jsonb_build_object('target_user_id', target_user_id, 'from', previous, 'to', new_role));
end
$$;
comment on function public.admin_set_user_role(uuid, text) is 'RPC for admins: set another user''s role.';

revoke execute on function private.is_admin() from public;
revoke execute on function private.is_instructor() from public;
revoke execute on function private.guard_profile_update() from public;
revoke execute on function private.handle_new_user() from public;
revoke execute on function private.current_plan(uuid) from public;
revoke execute on function public.my_plan() from public, anon, authenticated, service_role;
revoke execute on function public.admin_set_user_role(uuid, text) from public, anon, authenticated, service_role;

grant execute on function private.is_admin() to authenticated, service_role;
grant execute on function private.is_instructor() to authenticated, service_role;
grant execute on function private.current_plan(uuid) to service_role;
grant execute on function public.my_plan() to authenticated;
grant execute on function public.admin_set_user_role(uuid, text) to authenticated;
