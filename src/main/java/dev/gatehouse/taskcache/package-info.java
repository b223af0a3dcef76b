/**
 * The task result cache: a task that opts in (its file's {@code cache.ttl_seconds}) keeps each user's
 * results in Postgres, keyed by task, task version, model and the rendered (normalised) variables.
 * Fresh results are reused without a provider call; any stored result, however old, stands in when
 * every provider fails. Owns the key and the rows; must not touch HTTP, quotas or providers.
 */
package dev.gatehouse.taskcache;
