/**
 * Importing what a sister app's front end exported from localStorage: the whole document validated
 * first (every problem reported by JSON path), then written all or nothing as the caller through RLS,
 * idempotent by the app's own ids ({@code local_id}). Owns the export formats; must not touch HTTP,
 * quotas or providers.
 */
package dev.gatehouse.imports;
