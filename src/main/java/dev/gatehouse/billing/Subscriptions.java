package dev.gatehouse.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
    /** Writes what {@link #fold} derived: the row, the customer mapping and the invoice payments (see its migration). */
    private static final String APPLY = "select private.stripe_apply_subscription(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)";

    private Subscriptions() {}

    static void fold(Connection c, List<StripeEvent> events) throws SQLException {
        List<StripeEvent> snapshots = events.stream().filter(e -> e.type().startsWith("customer.subscription.")).toList();
        if (snapshots.isEmpty()) {
            return; // a checkout or invoice that overtook the subscription: folded in when a snapshot arrives
        }
        StripeEvent latest = newest(snapshots);
        JsonNode sub = latest.object();
        JsonNode item = periodItem(sub);
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
        ArrayNode payments = StripeEvent.JSON.createArrayNode();
        invoices.values().forEach(inv -> invoicePayment(inv, payments));
        Instant newest = events.stream().map(StripeEvent::created).max(Comparator.naturalOrder()).orElseThrow();
        try (PreparedStatement ps = c.prepareStatement(APPLY)) {
            ps.setString(1, namedUser(sub, events));
            ps.setString(2, StripeEvent.idOf(sub.path("customer")));
            ps.setString(3, StripeEvent.idOf(item.path("price")));
            ps.setString(4, status);
            ps.setString(5, StripeEvent.text(sub, "id"));
            ps.setTimestamp(6, Ids.epoch(start));
            ps.setTimestamp(7, Ids.epoch(end));
            ps.setBoolean(8, sub.path("cancel_at_period_end").asBoolean(false));
            ps.setTimestamp(9, Ids.epoch(sub.path("canceled_at").asLong(0)));
            ps.setTimestamp(10, Timestamp.from(newest));
            ps.setBoolean(11, latest.livemode());
            ps.setString(12, payments.toString());
            ps.executeQuery().close();
        }
    }

    /** The invoice's payment row, when money moved (paid, or an attempt failed); drafts, finalizations and upcoming ones add none. */
    private static void invoicePayment(List<StripeEvent> inv, ArrayNode payments) {
        Instant paidAt = inv.stream().filter(Subscriptions::isPaidInvoice).map(StripeEvent::created).min(Comparator.naturalOrder()).orElse(null);
        boolean failed = paidAt == null && inv.stream().anyMatch(e -> e.type().equals("invoice.payment_failed"));
        if (paidAt == null && !failed) {
            return;
        }
        JsonNode invoice = (paidAt != null ? inv.stream().filter(Subscriptions::isPaidInvoice) : inv.stream()).findFirst().orElseThrow().object();
        ObjectNode p = payments.addObject();
        p.put("id", StripeEvent.text(invoice, "id"));
        p.put("amount_cents", paidAt != null ? invoice.path("amount_paid").asLong() : invoice.path("amount_due").asLong());
        p.put("currency", invoice.path("currency").asText("usd").toLowerCase(java.util.Locale.ROOT));
        p.put("status", paidAt != null ? "succeeded" : "failed");
        p.put("paid_at", paidAt == null ? null : paidAt.getEpochSecond());
        p.put("failure_reason", paidAt != null ? null : "The invoice payment failed; Stripe retries it (Smart Retries) before the subscription ends.");
        p.put("event_created", inv.stream().map(StripeEvent::created).max(Comparator.naturalOrder()).orElseThrow().getEpochSecond());
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

    /** metadata.user_id, else the checkout session's client_reference_id; null when neither names one (the customer's user is looked up). */
    private static String namedUser(JsonNode sub, List<StripeEvent> events) {
        String named = sub.path("metadata").path("user_id").asText(null);
        return named != null ? named : events.stream().filter(e -> e.type().startsWith("checkout.session."))
                .map(e -> e.object().path("client_reference_id").asText(null)).filter(Objects::nonNull).min(Comparator.naturalOrder()).orElse(null);
    }
}
