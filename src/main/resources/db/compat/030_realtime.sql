-- Supabase compatibility layer, part 5: the `realtime` schema and the `supabase_realtime`
-- publication, as Supabase Realtime leaves them.
--
-- realtime.messages is partitioned by range on inserted_at like on Supabase, with the daily
-- partitions messages_YYYY_MM_DD that Realtime creates (yesterday to three days ahead), and no
-- DEFAULT partition: an insert for a day without a partition fails here as it does there.
-- gatehouse_compat.ensure_realtime_partitions() stands in for Realtime's own partition job; the
-- migration runner calls it on every run, so a dev database kept for days stays usable.
-- realtime.topic() returns the channel name Realtime sets per join in `realtime.topic`.
-- The publication starts empty; migrations add their tables to it.

create schema if not exists realtime authorization supabase_realtime_admin;
grant usage on schema realtime to postgres, anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin;

create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  constraint messages_pkey primary key (id, inserted_at),
  constraint messages_payload_exclusivity check (payload is null or binary_payload is null)
) partition by range (inserted_at);

create or replace function gatehouse_compat.ensure_realtime_partitions(days_ahead integer default 3)
returns void
language plpgsql
set search_path = ''
as $$
declare
  d date;
  part text;
begin
  for d in select g::date from generate_series(current_date - 1, current_date + days_ahead, interval '1 day') g loop
    part := 'messages_' || to_char(d, 'YYYY_MM_DD');
    if to_regclass('realtime.' || part) is null then
      execute format('create table realtime.%I partition of realtime.messages for values from (%L) to (%L)', part, d, d + 1);
      execute format('alter table realtime.%I owner to supabase_realtime_admin', part);
    end if;
  end loop;
end
$$;
revoke all on function gatehouse_compat.ensure_realtime_partitions(integer) from public;

create index if not exists messages_inserted_at_topic_index
  on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;

create or replace function realtime.topic()
returns text
language sql
stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text;
$$;

alter table realtime.messages owner to supabase_realtime_admin;
alter function realtime.topic() owner to supabase_realtime_admin;

alter table realtime.messages enable row level security;

grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;
grant execute on function realtime.topic() to postgres, anon, authenticated, service_role;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
