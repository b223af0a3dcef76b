-- Supabase compatibility layer, part 6: schema `public` as a Supabase project has it after
-- the 2026 change "Tables not exposed to Data and GraphQL API automatically" (changelog 45329).
--
-- The API roles may use the schema, but objects that `postgres` creates in it get no
-- privileges for anon/authenticated/service_role: every migration must GRANT what each role
-- needs, and a forgotten grant fails a test here exactly as it would fail on Supabase.
-- The revokes mirror what the Supabase CLI runs; on plain PostgreSQL they state the (empty)
-- defaults explicitly. EXECUTE on new functions still goes to PUBLIC by PostgreSQL's own
-- rule, as on Supabase, so migrations revoke it per function where it is not meant.

grant usage on schema public to postgres, anon, authenticated, service_role;

alter default privileges for role postgres in schema public
  revoke select, insert, update, delete, truncate, references, trigger on tables
  from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke usage, select, update on sequences
  from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke execute on functions
  from anon, authenticated, service_role;
