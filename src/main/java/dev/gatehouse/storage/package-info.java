/**
 * Object storage for files the service writes on a user's behalf (the AI-mentor extension's
 * resumes, course certificates): Supabase Storage's HTTP API with the service key in production, a folder in the data
 * dir in dev mode. Owns bucket/path rules (the caller's {@code <uid>/} folder, no traversal) and
 * turning storage failures into refusals. Must not touch HTTP routing, quotas or the database.
 */
package dev.gatehouse.storage;
