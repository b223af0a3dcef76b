-- Supabase compatibility layer, part 2: the `extensions` schema.
--
-- Supabase installs extensions into schema `extensions` (never `public`, lint 0014) and
-- PostgREST puts `public, extensions` on every request's search_path. pgcrypto and uuid-ossp
-- are preinstalled on Supabase; pg_trgm, unaccent, citext and btree_gist are installed here
-- too so the migrations' own `create extension if not exists ... with schema extensions`
-- are no-ops, exactly as on a project where they were enabled from the dashboard.
-- Migrations call extension functions schema-qualified (extensions.digest, ...).

create schema if not exists extensions;

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pg_trgm with schema extensions;
create extension if not exists unaccent with schema extensions;
create extension if not exists citext with schema extensions;
create extension if not exists btree_gist with schema extensions;

grant usage on schema extensions to postgres, anon, authenticated, service_role;
