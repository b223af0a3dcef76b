-- Stripe webhook ledger: which Stripe object each event is about.
--
-- Stripe delivers events in any order, more than once, and two events for one object can carry
-- the same `created` second. The service therefore never applies "the event that arrived last":
-- under a per-object lock it re-derives the object's rows (payment + enrollment, or subscription
-- + its invoice payments) from the SET of events it holds for that object. A set has no order,
-- so any permutation or duplication of deliveries ends in the same rows.
-- object_key names that object: 'pay:<payment_intent or checkout session>' for a course
-- purchase, 'sub:<subscription id>' for a subscription and its invoices; null for event types
-- the service only records.

alter table private.webhook_events add column object_key text
  check (object_key is null or char_length(object_key) between 5 and 300);
comment on column private.webhook_events.object_key is
  'The Stripe object the event is about (pay:<pi>, sub:<sub>); the service folds all events of one key into its rows.';

create index webhook_events_object_key_idx on private.webhook_events (object_key) where object_key is not null;
