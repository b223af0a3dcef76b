/**
 * Importing what a sister app's (or the learning platform's) front end exported from localStorage:
 * the whole document validated first (every problem reported by JSON path), then written all or
 * nothing as the caller through RLS, idempotent by the app's own ids ({@code local_id}). Owns the
 * export formats and, for the learning platform, applies its enrollment, progress, chat and notes
 * rules before RLS does (so refused rows are reported as skipped); must not touch HTTP, quotas,
 * payments or providers.
 */
package dev.gatehouse.imports;
