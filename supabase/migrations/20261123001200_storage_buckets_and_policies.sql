-- Storage buckets and the policies on storage.objects that govern them.
--
-- Buckets (size and MIME limits are enforced by the Storage API; explicit image types rather
-- than image/* so an SVG, which can carry script, is never accepted):
-- * avatars (public, 2 MiB, png/jpeg/webp/gif): anyone downloads by public URL (public
--   buckets need no SELECT policy for that); a user uploads, replaces, lists and deletes only
--   under <their uid>/. No broad SELECT policy, so the bucket cannot be listed (lint 0025).
-- * course-materials (private, 50 MiB): the course's instructor (or an admin) writes under
--   <course_id>/; course participants read.
-- * homework (private, 20 MiB): a student writes under <course_id>/<their uid>/ only while
--   enrolled in that course; the student and the course's instructor (or an admin) read.
-- * certificates (private, 5 MiB, PDF): the owner reads <their uid>/...; only service_role
--   (which bypasses RLS) writes.
-- Paths are untrusted text: ids are parsed with private.try_uuid, so a malformed folder name
-- simply grants nothing. Folder ids must be lowercase canonical uuids.
-- One permissive policy per action (Supabase lint 0006), branching on bucket_id with CASE,
-- which also guarantees the per-bucket checks run only for their own bucket.
-- Buckets are upserted so the migration is re-runnable and config.toml can declare the same.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values
  ('avatars', 'avatars', true, 2097152,
   array['image/png', 'image/jpeg', 'image/webp', 'image/gif']),
  ('course-materials', 'course-materials', false, 52428800,
   array['application/pdf', 'image/png', 'image/jpeg', 'image/webp', 'image/gif', 'video/mp4',
         'application/zip', 'application/x-zip-compressed', 'text/plain', 'text/markdown']),
  ('homework', 'homework', false, 20971520,
   array['application/pdf', 'image/png', 'image/jpeg', 'image/webp', 'image/gif', 'text/plain',
         'application/zip', 'application/x-zip-compressed',
         'application/vnd.openxmlformats-officedocument.wordprocessingml.document']),
  ('certificates', 'certificates', false, 5242880,
   array['application/pdf'])
on conflict (id) do update
  set name = excluded.name,
      public = excluded.public,
      file_size_limit = excluded.file_size_limit,
      allowed_mime_types = excluded.allowed_mime_types;

create policy "users read the storage objects their bucket rules allow"
  on storage.objects for select to authenticated
  using (
    case bucket_id
      when 'avatars' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'course-materials' then
        private.is_course_participant(private.try_uuid((storage.foldername(name))[1]))
      when 'homework' then
        (storage.foldername(name))[2] = (select auth.uid())::text
        or private.can_manage_course(private.try_uuid((storage.foldername(name))[1]))
      when 'certificates' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      else false
    end
  );

create policy "users upload to the storage folders their bucket rules allow"
  on storage.objects for insert to authenticated
  with check (
    case bucket_id
      when 'avatars' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'course-materials' then
        private.can_manage_course(private.try_uuid((storage.foldername(name))[1]))
      when 'homework' then
        (storage.foldername(name))[2] = (select auth.uid())::text
        and private.is_enrolled(private.try_uuid((storage.foldername(name))[1]))
      else false
    end
  );

create policy "users replace the storage objects their bucket rules allow"
  on storage.objects for update to authenticated
  using (
    case bucket_id
      when 'avatars' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'course-materials' then
        private.can_manage_course(private.try_uuid((storage.foldername(name))[1]))
      when 'homework' then
        (storage.foldername(name))[2] = (select auth.uid())::text
        and private.is_enrolled(private.try_uuid((storage.foldername(name))[1]))
      else false
    end
  )
  with check (
    case bucket_id
      when 'avatars' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'course-materials' then
        private.can_manage_course(private.try_uuid((storage.foldername(name))[1]))
      when 'homework' then
        (storage.foldername(name))[2] = (select auth.uid())::text
        and private.is_enrolled(private.try_uuid((storage.foldername(name))[1]))
      else false
    end
  );

create policy "users delete the storage objects their bucket rules allow"
  on storage.objects for delete to authenticated
  using (
    case bucket_id
      when 'avatars' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'course-materials' then
        private.can_manage_course(private.try_uuid((storage.foldername(name))[1]))
      when 'homework' then
        (storage.foldername(name))[2] = (select auth.uid())::text
      else false
    end
  );
