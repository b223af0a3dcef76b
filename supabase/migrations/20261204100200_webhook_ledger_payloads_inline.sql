-- The Stripe webhook ledger keeps payloads of up to a page inline and uncompressed.
--
-- Why: a Stripe event's payload is 1.4 to 2.5 kB of text (a checkout session, a subscription), just
-- over the 2 kB at which Postgres starts compressing a row's large values with pglz. Every webhook
-- event paid for that compression on insert, and every read of the object's events (the fold in
-- private.stripe_apply_course_event, the payloads private.stripe_record_subscription_event returns)
-- for a decompression per value read: 3 % of the Postgres backend's CPU per event in a perf profile
-- of the webhook transaction (bench/README.md, "Stripe webhook throughput").
--
-- What changes: only the physical storage of new rows. With toast_tuple_target at its maximum
-- (8160 bytes), Postgres compresses or moves a row's values out of line only when the row exceeds a
-- page; the stored payloads, and every query's answer, are the same. Cost: rows already written
-- stay as they are, and new ones take about 1.5 times the space they took compressed.

alter table private.webhook_events set (toast_tuple_target = 8160);
