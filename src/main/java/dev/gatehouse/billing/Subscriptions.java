package dev.gatehouse.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A subscription's row and its invoice payments as a function of the SET of events held for it.
 *
 * <p>Which snapshot is newest is decided by the object's own state, not by arrival: first the
 * phase (incomplete &lt; live &lt; ended: a canceled subscription never comes back), then the
 * billing period's end read from the subscription items, then {@code created}. Stripe's
 * {@code created} has whole seconds, so snapshots of one period and one second are put in order
 * by their transitions: an event whose {@code previous_attributes} equal the state reached so far
 * comes next. A paid invoice whose period reaches past the snapshot extends it (and ends a
 * {@code past_due}/{@code incomplete} state for that period).
 */
final class Subscriptions {
    private static final List<String> CHAIN_FIELDS = List.of("status", "cancel_at_period_end", "cancel_at", "canceled_at", "ended_at", "latest_invoice");
    private static final String UPSERT = """
            insert into public.subscriptions as s (user_id, plan_id, status, stripe_subscription_id, stripe_customer_id,
                current_period_start, current_period_end, cancel_at_period_end, canceled_at, stripe_event_created_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (stripe_subscription_id) do update set
                user_id = excluded.user_id, plan_id = excluded.plan_id, status = excluded.status, stripe_customer_id = excluded.stripe_customer_id,
                current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
                cancel_at_period_end = excluded.cancel_at_period_end, canceled_at = excluded.canceled_at,
                stripe_event_created_at = excluded.stripe_event_created_at
            where (s.user_id, s.plan_id, s.status, s.stripe_customer_id, s.current_period_start, s.current_period_end,
                   s.cancel_at_period_end, s.canceled_at, s.stripe_event_created_at)
                is distinct from (excluded.user_id, excluded.plan_id, excluded.status, excluded.stripe_customer_id, excluded.current_period_start,
                   excluded.current_period_end, excluded.cancel_at_period_end, excluded.canceled_at, excluded.stripe_event_created_at)""";
    private static final String UPSERT_INVOICE_PAYMENT = """
            insert into public.payments as p (user_id, subscription_id, kind, amount_cents, currency, status, stripe_invoice_id,
                paid_at, failure_reason, stripe_event_created_at)
            values (?, ?, 'subscription', ?, ?, ?, ?, ?, ?, ?)
            on conflict (stripe_invoice_id) do update set
                amount_cents = excluded.amount_cents, status = excluded.status, paid_at = excluded.paid_at,
                failure_reason = excluded.failure_reason, stripe_event_created_at = excluded.stripe_event_created_at
            where (p.amount_cents, p.status, p.paid_at, p.failure_reason, p.stripe_event_created_at)
                is distinct from (excluded.amount_cents, excluded.status, excluded.paid_at, excluded.failure_reason, excluded.stripe_event_created_at)""";

    private Subscriptions() {}

    static void fold(Connection c, List<StripeEvent> events) throws SQLException {
        List<StripeEvent> snapshots = events.stream().filter(e -> e.type().startsWith("customer.subscription.")).toList();
        if (snapshots.isEmpty()) {
            return; // a checkout or invoice that overtook the subscription: folded in when a snapshot arrives
        }
        StripeEvent latest = newest(snapshots);
        JsonNode sub = latest.object();
        String customer = StripeEvent.idOf(sub.path("customer"));
        UUID userId = user(c, sub, events, customer);
        if (userId == null) {
            return; // not a subscription of this platform's users (no metadata, unknown customer): recorded only
        }
        JsonNode item = periodItem(sub);
        String priceId = StripeEvent.idOf(item.path("price"));
        String planId = plan(c, priceId);
        String status = latest.type().equals("customer.subscription.deleted") ? "canceled" : sub.path("status").asText();
        long start = item.path("current_period_start").asLong();
        long end = item.path("current_period_end").asLong();

        Map<String, List<StripeEvent>> invoices = new LinkedHashMap<>();
        events.stream().filter(e -> e.type().startsWith("invoice.")).sorted(Comparator.comparing(StripeEvent::id))
                .forEach(e -> invoices.computeIfAbsent(StripeEvent.text(e.object(), "id"), k -> new ArrayList<>()).add(e));
        for (List<StripeEvent> inv : invoices.values()) {
            if (inv.stream().anyMatch(Subscriptions::isPaidInvoice)) {
                for (JsonNode line : inv.getFirst().object().path("lines").path("data")) {
                    long lineEnd = line.path("period").path("end").asLong();
                    if (lineEnd >= end && !status.equals("canceled") && !status.equals("incomplete_expired")) {
                        if (lineEnd > end) {
                            start = line.path("period").path("start").asLong();
                            end = lineEnd;
                        }
                        if (status.equals("past_due") || status.equals("unpaid") || status.equals("incomplete")) {
                            status = "active";
                        }
                    }
                }
            }
        }
        Instant newest = events.stream().map(StripeEvent::created).max(Comparator.naturalOrder()).orElseThrow();
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setObject(1, userId);
            ps.setString(2, planId);
            ps.setString(3, status);
            ps.setString(4, StripeEvent.text(sub, "id"));
            ps.setString(5, customer);
            ps.setTimestamp(6, Ids.epoch(start));
            ps.setTimestamp(7, Ids.epoch(end));
            ps.setBoolean(8, sub.path("cancel_at_period_end").asBoolean(false));
            ps.setTimestamp(9, Ids.epoch(sub.path("canceled_at").asLong(0)));
            ps.setTimestamp(10, Timestamp.from(newest));
            ps.executeUpdate();
        }
        if (customer != null) {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into private.stripe_customers (user_id, stripe_customer_id, livemode) values (?, ?, ?) on conflict do nothing""")) {
                ps.setObject(1, userId);
                ps.setString(2, customer);
                ps.setBoolean(3, latest.livemode());
                ps.executeUpdate();
            }
        }
        UUID subscriptionRow = subscriptionRow(c, StripeEvent.text(sub, "id"));
        for (List<StripeEvent> inv : invoices.values()) {
            invoicePayment(c, userId, subscriptionRow, inv);
        }
    }

    private static void invoicePayment(Connection c, UUID userId, UUID subscriptionRow, List<StripeEvent> inv) throws SQLException {
        Instant paidAt = inv.stream().filter(Subscriptions::isPaidInvoice).map(StripeEvent::created).min(Comparator.naturalOrder()).orElse(null);
        boolean failed = paidAt == null && inv.stream().anyMatch(e -> e.type().equals("invoice.payment_failed"));
        if (paidAt == null && !failed) {
            return; // drafts, finalizations, upcoming: no money moved
        }
        JsonNode invoice = (paidAt != null ? inv.stream().filter(Subscriptions::isPaidInvoice) : inv.stream()).findFirst().orElseThrow().object();
        try (PreparedStatement ps = c.prepareStatement(UPSERT_INVOICE_PAYMENT)) {
            ps.setObject(1, userId);
            ps.setObject(2, subscriptionRow);
            ps.setLong(3, paidAt != null ? invoice.path("amount_paid").asLong() : invoice.path("amount_due").asLong());
            ps.setString(4, invoice.path("currency").asText("usd").toLowerCase(java.util.Locale.ROOT));
            ps.setString(5, paidAt != null ? "succeeded" : "failed");
            ps.setString(6, StripeEvent.text(invoice, "id"));
            ps.setTimestamp(7, Ids.timestamp(paidAt));
            ps.setString(8, paidAt != null ? null : "The invoice payment failed; Stripe retries it (Smart Retries) before the subscription ends.");
            ps.setTimestamp(9, Timestamp.from(inv.stream().map(StripeEvent::created).max(Comparator.naturalOrder()).orElseThrow()));
            ps.executeUpdate();
        }
    }

    private static boolean isPaidInvoice(StripeEvent e) {
        return e.type().equals("invoice.paid") || e.type().equals("invoice.payment_succeeded");
    }

    /** The snapshot that ends the order described on the class. */
    static StripeEvent newest(List<StripeEvent> snapshots) {
        Comparator<StripeEvent> byState = Comparator.comparingInt(Subscriptions::phase)
                .thenComparingLong(e -> periodItem(e.object()).path("current_period_end").asLong())
                .thenComparing(StripeEvent::created);
        List<StripeEvent> sorted = snapshots.stream().sorted(byState).toList();
        StripeEvent current = null;
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j < sorted.size() && byState.compare(sorted.get(i), sorted.get(j)) == 0) {
                j++;
            }
            List<StripeEvent> group = new ArrayList<>(sorted.subList(i, j));
            while (!group.isEmpty()) {
                StripeEvent from = current;
                List<StripeEvent> next = group.stream().filter(f -> from != null && follows(f, from)).toList();
                if (next.isEmpty()) {
                    next = group.stream().filter(f -> group.stream().noneMatch(o -> o != f && follows(f, o))).toList();
                }
                if (next.isEmpty()) {
                    next = group;
                }
                // the candidate that leaves the longest chain of the rest to follow it, so no transition is stranded
                current = next.stream().max(Comparator.comparingInt((StripeEvent f) -> chainFrom(f, group))
                        .thenComparingInt(Subscriptions::statusRank).thenComparing(StripeEvent::id)).orElseThrow();
                group.remove(current);
            }
            i = j;
        }
        return current;
    }

    /** How many events of {@code pool} can follow {@code from}, one after another (groups are a handful of events). */
    private static int chainFrom(StripeEvent from, List<StripeEvent> pool) {
        int best = 0;
        for (StripeEvent f : pool) {
            if (f != from && follows(f, from)) {
                List<StripeEvent> rest = new ArrayList<>(pool);
                rest.remove(from);
                best = Math.max(best, 1 + chainFrom(f, rest));
            }
        }
        return best;
    }

    /** {@code f} was made from the state {@code e} shows: every changed field's old value is {@code e}'s value. */
    private static boolean follows(StripeEvent f, StripeEvent e) {
        JsonNode prev = f.previousAttributes();
        if (prev == null || !prev.isObject()) {
            return false;
        }
        boolean compared = false;
        for (String field : CHAIN_FIELDS) {
            if (prev.has(field)) {
                compared = true;
                JsonNode mine = e.object().has(field) ? e.object().get(field) : NullNode.getInstance();
                if (!Objects.equals(prev.get(field), mine)) {
                    return false;
                }
            }
        }
        return compared;
    }

    private static int phase(StripeEvent e) {
        String s = e.object().path("status").asText();
        if (e.type().equals("customer.subscription.deleted") || s.equals("canceled") || s.equals("incomplete_expired")) {
            return 2;
        }
        return s.equals("incomplete") ? 0 : 1;
    }

    private static int statusRank(StripeEvent e) {
        return switch (e.object().path("status").asText()) {
            case "active", "trialing" -> 2;
            case "past_due", "unpaid", "paused" -> 1;
            default -> 0;
        };
    }

    /** Since API 2025-03-31.basil the billing period lives on the subscription items: the item that ends last. */
    static JsonNode periodItem(JsonNode sub) {
        JsonNode best = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        for (JsonNode item : sub.path("items").path("data")) {
            if (best.isMissingNode() || item.path("current_period_end").asLong() > best.path("current_period_end").asLong()) {
                best = item;
            }
        }
        return best;
    }

    private static UUID user(Connection c, JsonNode sub, List<StripeEvent> events, String customer) throws SQLException {
        String named = sub.path("metadata").path("user_id").asText(null);
        if (named == null) {
            named = events.stream().filter(e -> e.type().startsWith("checkout.session.")).map(e -> e.object().path("client_reference_id").asText(null))
                    .filter(Objects::nonNull).min(Comparator.naturalOrder()).orElse(null);
        }
        if (named != null) {
            UUID id = Ids.uuid(named);
            if (id == null || !exists(c, "select 1 from public.profiles where id = ?", id)) {
                throw StripeWebhook.unprocessable("unknown_user", "The subscription's metadata.user_id names no user of this platform.");
            }
            return id;
        }
        if (customer == null) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("select user_id from private.stripe_customers where stripe_customer_id = ?")) {
            ps.setString(1, customer);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, UUID.class) : null;
            }
        }
    }

    private static boolean exists(Connection c, String sql, Object param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String plan(Connection c, String priceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id from public.plans where stripe_price_id = ?")) {
            ps.setString(1, priceId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getString(1);
                }
            }
        }
        throw StripeWebhook.unprocessable("unknown_price", "The subscription's price " + priceId
                + " is the stripe_price_id of no plan; set public.plans.stripe_price_id, and Stripe's retry will apply it.");
    }

    private static UUID subscriptionRow(Connection c, String stripeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id from public.subscriptions where stripe_subscription_id = ?")) {
            ps.setString(1, stripeId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1, UUID.class);
            }
        }
    }
}
