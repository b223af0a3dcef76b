/**
 * The HTTP edge: every route wired in {@link dev.gatehouse.web.HttpApi}, request ids, security
 * headers, and the one place errors become OpenAI-shaped bodies. Handlers authenticate, validate and
 * delegate; they hold no business rules of their own and never talk SQL.
 */
package dev.gatehouse.web;
