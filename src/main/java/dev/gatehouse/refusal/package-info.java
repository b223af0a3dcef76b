/**
 * The refusal contract: {@link dev.gatehouse.refusal.Refusal}, the one exception type a domain
 * package throws when it turns a caller away (bad input, no credentials, a plan limit, a provider
 * outage). It carries the HTTP status, OpenAI's error {@code type}, {@code code} and {@code param},
 * a message safe to show the caller, and headers such as {@code Retry-After}.
 *
 * <p>This package sits at the bottom of the dependency graph, beside {@code config}: every domain
 * package ({@code auth}, {@code ai}, {@code quota}, {@code billing}, {@code email}, {@code jobs}) may
 * throw a {@code Refusal}, and only the HTTP edge ({@code web}) renders one, in one place
 * ({@code web.ErrorBodies}). Domains never import {@code web} or {@code cli}.
 *
 * <p>Must not touch: anything else. No HTTP framework, no Jackson, no database.
 */
package dev.gatehouse.refusal;
