-- Defence in depth: realtime.messages policies compare the row's topic with the joined channel,
-- and uploads by end users must carry the caller as owner_id.
--
-- Why: neither table is reachable through the Data API today (Realtime and Storage write them),
-- but the policies should say what they mean rather than lean on how those services call them.
-- * realtime.messages: the policies only looked at realtime.topic(), the channel the user joined.
--   A row inserted with another topic while joined to one's own course channel passed. Realtime's
--   own probe rows carry the joined topic, so requiring topic = realtime.topic() changes nothing
--   for Realtime and refuses any row aimed at another channel.
-- * storage.objects: the Storage API fills owner_id with the uploader's id (the JWT sub). An insert
--   naming someone else, or no one, as owner of an object in a user's folder is refused, so
--   ownership (which decides who may later delete or replace the object) cannot be forged.
--   service_role bypasses RLS and is unaffected (its uploads have no owner).
-- Policies are replaced under the same names (drop if exists + create), the supautils-granted
-- operation on Supabase; no other object of these schemas is touched.

drop policy if exists "course participants join and receive their course channel" on realtime.messages;
create policy "course participants join and receive their course channel"
  on realtime.messages for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and realtime.messages.topic = (select realtime.topic())
    and (select private.is_course_participant(private.course_id_from_topic((select realtime.topic()))))
  );

drop policy if exists "course participants send and track presence on their course channel" on realtime.messages;
create policy "course participants send and track presence on their course channel"
  on realtime.messages for insert to authenticated
  with check (
    realtime.messages.extension in ('broadcast', 'presence')
    and realtime.messages.topic = (select realtime.topic())
    and (select private.is_course_participant(private.course_id_from_topic((select realtime.topic()))))
  );

drop policy if exists "users upload to the storage folders their bucket rules allow" on storage.objects;
create policy "users upload to the storage folders their bucket rules allow"
  on storage.objects for insert to authenticated
  with check (
    owner_id = (select auth.uid())::text
    and case bucket_id
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
