-- Storage for the sister apps: buckets training-materials, call-recordings and resumes, and
-- the storage.objects policies extended with their owner-only rule.
--
-- * training-materials (private, 100 MiB): the sales-call analyser's PDFs, videos and documents.
-- * call-recordings (private, 100 MiB): call audio (no video, no playlists).
-- * resumes (private, 5 MiB, PDF/DOCX/text): the AI-mentor extension's resume uploads, written
--   by POST /v1/mentor/resume (service key, under the caller's folder) or by the owner.
-- All three are owner-only: every action only under <their uid>/ (first folder), admins
-- included. Explicit MIME types, never wildcards (an SVG or HTML file can carry script).
-- The policies stay one permissive policy per action (lint 0006), so they are dropped and
-- created again with every earlier branch unchanged and the new buckets added to the CASE;
-- uploads keep the owner_id = caller check that 20261201100000 added.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values
  ('training-materials', 'training-materials', false, 104857600,
   array['application/pdf', 'video/mp4', 'video/webm', 'video/quicktime', 'text/plain', 'text/markdown',
         'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
         'application/vnd.openxmlformats-officedocument.presentationml.presentation',
         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']),
  ('call-recordings', 'call-recordings', false, 104857600,
   array['audio/mpeg', 'audio/mp4', 'audio/x-m4a', 'audio/wav', 'audio/x-wav', 'audio/webm', 'audio/ogg', 'audio/flac']),
  ('resumes', 'resumes', false, 5242880,
   array['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'text/plain'])
on conflict (id) do update
  set name = excluded.name,
      public = excluded.public,
      file_size_limit = excluded.file_size_limit,
      allowed_mime_types = excluded.allowed_mime_types;

drop policy if exists "users read the storage objects their bucket rules allow" on storage.objects;
drop policy if exists "users upload to the storage folders their bucket rules allow" on storage.objects;
drop policy if exists "users replace the storage objects their bucket rules allow" on storage.objects;
drop policy if exists "users delete the storage objects their bucket rules allow" on storage.objects;

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
      when 'training-materials' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'call-recordings' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'resumes' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      else false
    end
  );

create policy "users upload to the storage folders their bucket rules allow"
  on storage.objects for insert to authenticated
  with check (
    -- carried over from 20261201100000: the uploader must be the object's owner
    owner_id = (select auth.uid())::text
    and case bucket_id
      when 'avatars' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'course-materials' then
        private.can_manage_course(private.try_uuid((storage.foldername(name))[1]))
      when 'homework' then
        (storage.foldername(name))[2] = (select auth.uid())::text
        and private.is_enrolled(private.try_uuid((storage.foldername(name))[1]))
      when 'training-materials' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'call-recordings' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'resumes' then
        (storage.foldername(name))[1] = (select auth.uid())::text
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
      when 'training-materials' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'call-recordings' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'resumes' then
        (storage.foldername(name))[1] = (select auth.uid())::text
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
      when 'training-materials' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'call-recordings' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'resumes' then
        (storage.foldername(name))[1] = (select auth.uid())::text
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
      when 'training-materials' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'call-recordings' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      when 'resumes' then
        (storage.foldername(name))[1] = (select auth.uid())::text
      else false
    end
  );
