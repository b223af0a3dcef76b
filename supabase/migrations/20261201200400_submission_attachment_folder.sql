-- submissions.attachment_path must name an object in the student's own homework folder,
-- <course_id>/<student_id>/..., the layout the homework bucket's storage policies enforce (and the
-- way resources.storage_path is held to <course_id>/). Before, a student could point their
-- submission at a classmate's file, which the course instructor would then open as theirs.
-- No "." or ".." path segments: object names are keys, but clients and tools resolve them.
-- course_id is set from the homework by the guard trigger before the check runs.

alter table public.submissions
  add constraint submissions_attachment_in_own_folder check (
    attachment_path is null
    or (attachment_path like course_id::text || '/' || student_id::text || '/_%'
        and attachment_path !~ '(^|/)\.\.?(/|$)'));
comment on column public.submissions.attachment_path is
  'Object name in the homework bucket: <course_id>/<student_id>/<file>, checked by submissions_attachment_in_own_folder.';
