/**
 * The database as a resource: connection pools, the embedded PostgreSQL for dev and tests, and the
 * migration runner (compatibility layer, {@code supabase/migrations}, seed, and the Supabase CLI's
 * ledger). Owns no business rules: those live in SQL functions called by their capability's package.
 */
package dev.gatehouse.db;
