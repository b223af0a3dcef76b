package dev.gatehouse.billing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.stripe.Stripe;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Stripe events and objects shaped as Stripe sends them for the pinned API version
 * ({@link Stripe.API_VERSION}; since 2025-03-31.basil the period is on subscription items and an
 * invoice names its subscription under {@code parent.subscription_details}). {@code stripe trigger}
 * sends them to a running service, and tests build their event sequences from them.
 */
public final class StripeObjects {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private StripeObjects() {}

    /** A Stripe-looking id: {@code prefix_} and 24 random characters. */
    public static String id(String prefix) {
        StringBuilder b = new StringBuilder(prefix).append('_');
        for (int i = 0; i < 24; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    /** An event envelope around {@code object}; {@code previous} is {@code data.previous_attributes} (null for none). */
    public static String event(String id, String type, long created, ObjectNode object, ObjectNode previous) {
        ObjectNode e = StripeEvent.JSON.createObjectNode();
        e.put("id", id);
        e.put("object", "event");
        e.put("api_version", Stripe.API_VERSION);
        e.put("created", created);
        ObjectNode data = e.putObject("data");
        data.set("object", object);
        if (previous != null) {
            data.set("previous_attributes", previous);
        }
        e.put("livemode", false);
        e.put("pending_webhooks", 1);
        ObjectNode request = e.putObject("request");
        request.put("id", id("req"));
        request.put("idempotency_key", UUID.randomUUID().toString());
        e.put("type", type);
        return e.toString();
    }

    /** A Checkout Session of a one-time course purchase ({@code mode=payment}). */
    public static ObjectNode paymentSession(String sessionId, String paymentIntent, String customer, UUID userId, UUID courseId,
            long amount, String currency, String paymentStatus, long created) {
        ObjectNode s = session(sessionId, "payment", customer, userId.toString(), created, amount, currency, paymentStatus);
        s.put("payment_intent", paymentIntent);
        s.putNull("subscription");
        s.putNull("invoice");
        s.with("metadata").put("kind", "course_purchase").put("user_id", userId.toString()).put("course_id", courseId.toString());
        return s;
    }

    /** A Checkout Session that started a subscription ({@code mode=subscription}). */
    public static ObjectNode subscriptionSession(String sessionId, String subscription, String invoice, String customer, UUID userId,
            String planId, long amount, String currency, long created) {
        ObjectNode s = session(sessionId, "subscription", customer, userId.toString(), created, amount, currency, "paid");
        s.putNull("payment_intent");
        s.put("subscription", subscription);
        s.put("invoice", invoice);
        s.with("metadata").put("kind", "subscription").put("user_id", userId.toString()).put("plan", planId);
        return s;
    }

    private static ObjectNode session(String id, String mode, String customer, String userId, long created, long amount, String currency,
            String paymentStatus) {
        ObjectNode s = StripeEvent.JSON.createObjectNode();
        s.put("id", id);
        s.put("object", "checkout.session");
        s.putNull("after_expiration");
        s.putNull("allow_promotion_codes");
        s.put("amount_subtotal", amount);
        s.put("amount_total", amount);
        s.putObject("automatic_tax").put("enabled", false).putNull("liability").putNull("provider").putNull("status");
        s.put("billing_address_collection", "auto");
        s.put("cancel_url", "http://localhost:3000/billing/canceled");
        s.put("client_reference_id", userId);
        s.putNull("client_secret");
        s.putObject("collected_information").putNull("business_name").putNull("individual_name").putNull("shipping_details");
        s.putNull("consent");
        s.put("created", created);
        s.put("currency", currency);
        s.putArray("custom_fields");
        s.put("customer", customer);
        s.put("customer_creation", (String) null);
        ObjectNode details = s.putObject("customer_details");
        details.putObject("address").put("country", "US").putNull("city").putNull("line1").putNull("line2").putNull("postal_code").putNull("state");
        details.put("email", "customer@example.com");
        details.putNull("name");
        details.putNull("phone");
        details.put("tax_exempt", "none");
        details.putArray("tax_ids");
        s.putNull("customer_email");
        s.putArray("discounts");
        s.put("expires_at", created + 86400);
        s.putNull("invoice_creation");
        s.put("livemode", false);
        s.put("locale", (String) null);
        s.putObject("metadata");
        s.put("mode", mode);
        s.put("origin_context", (String) null);
        s.putArray("payment_method_types").add("card");
        s.put("payment_status", paymentStatus);
        s.putObject("permissions").putNull("update_shipping_details");
        s.putObject("phone_number_collection").put("enabled", false);
        s.putNull("recovered_from");
        s.putNull("saved_payment_method_options");
        s.putNull("setup_intent");
        s.putNull("shipping_address_collection");
        s.putArray("shipping_options");
        s.put("status", "complete");
        s.putNull("submit_type");
        s.put("success_url", "http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}");
        ObjectNode totals = s.putObject("total_details");
        totals.put("amount_discount", 0).put("amount_shipping", 0).put("amount_tax", 0);
        s.put("ui_mode", "hosted");
        s.putNull("url");
        s.put("wallet_options", (String) null);
        return s;
    }

    /** A subscription with one item on {@code priceId}; the period is on the item (basil and later). */
    public static ObjectNode subscription(String subId, String itemId, String customer, UUID userId, String planId, String priceId, long amount,
            String status, long periodStart, long periodEnd, boolean cancelAtPeriodEnd, Long canceledAt, String latestInvoice, long created) {
        ObjectNode s = StripeEvent.JSON.createObjectNode();
        s.put("id", subId);
        s.put("object", "subscription");
        s.putNull("application");
        s.putNull("application_fee_percent");
        s.putObject("automatic_tax").put("disabled_reason", (String) null).put("enabled", false).putNull("liability");
        s.put("billing_cycle_anchor", periodStart);
        s.putNull("billing_cycle_anchor_config");
        s.putObject("billing_mode").put("flexible", (String) null).put("type", "flexible");
        s.putNull("billing_thresholds");
        if (cancelAtPeriodEnd) {
            s.put("cancel_at", periodEnd);
        } else {
            s.putNull("cancel_at");
        }
        s.put("cancel_at_period_end", cancelAtPeriodEnd);
        if (canceledAt == null) {
            s.putNull("canceled_at");
        } else {
            s.put("canceled_at", canceledAt);
        }
        s.putObject("cancellation_details").putNull("comment").putNull("feedback").put("reason", canceledAt == null ? null : "cancellation_requested");
        s.put("collection_method", "charge_automatically");
        s.put("created", created);
        s.put("currency", "usd");
        s.put("customer", customer);
        s.putNull("days_until_due");
        s.put("default_payment_method", "pm_1QxDevCardVisa4242");
        s.putArray("default_tax_rates");
        s.putNull("description");
        s.putArray("discounts");
        if (status.equals("canceled")) {
            s.put("ended_at", canceledAt == null ? periodEnd : canceledAt);
        } else {
            s.putNull("ended_at");
        }
        s.putObject("invoice_settings").putNull("account_tax_ids").putObject("issuer").put("type", "self");
        ObjectNode items = s.putObject("items");
        items.put("object", "list");
        ObjectNode item = items.putArray("data").addObject();
        item.put("id", itemId);
        item.put("object", "subscription_item");
        item.put("created", created);
        item.put("current_period_end", periodEnd);
        item.put("current_period_start", periodStart);
        item.putArray("discounts");
        item.putObject("metadata");
        item.set("price", price(priceId, planId, amount));
        item.put("quantity", 1);
        item.put("subscription", subId);
        item.putArray("tax_rates");
        items.put("has_more", false);
        items.put("total_count", 1);
        items.put("url", "/v1/subscription_items?subscription=" + subId);
        s.put("latest_invoice", latestInvoice);
        s.put("livemode", false);
        s.putObject("metadata").put("user_id", userId.toString()).put("plan", planId);
        s.putNull("next_pending_invoice_item_invoice");
        s.putNull("pause_collection");
        s.putObject("payment_settings").putNull("payment_method_options").putNull("payment_method_types").put("save_default_payment_method", "off");
        s.putNull("pending_update");
        s.putNull("schedule");
        s.put("start_date", created);
        s.put("status", status);
        s.putNull("test_clock");
        s.putNull("trial_end");
        s.putNull("trial_start");
        return s;
    }

    private static ObjectNode price(String priceId, String planId, long amount) {
        ObjectNode p = StripeEvent.JSON.createObjectNode();
        p.put("id", priceId);
        p.put("object", "price");
        p.put("active", true);
        p.put("billing_scheme", "per_unit");
        p.put("currency", "usd");
        p.putNull("lookup_key");
        p.putObject("metadata").put("plan", planId);
        p.put("product", "prod_" + planId);
        ObjectNode r = p.putObject("recurring");
        r.put("interval", "month").put("interval_count", 1).put("usage_type", "licensed");
        p.put("type", "recurring");
        p.put("unit_amount", amount);
        return p;
    }

    /** An invoice of {@code subId} for one period; {@code status} is {@code paid} or {@code open} (a failed attempt). */
    public static ObjectNode invoice(String invoiceId, String subId, String customer, String priceId, long amount, String status, String billingReason,
            long periodStart, long periodEnd, long created) {
        boolean paid = status.equals("paid");
        ObjectNode i = StripeEvent.JSON.createObjectNode();
        i.put("id", invoiceId);
        i.put("object", "invoice");
        i.put("account_country", "US");
        i.put("amount_due", amount);
        i.put("amount_overpaid", 0);
        i.put("amount_paid", paid ? amount : 0);
        i.put("amount_remaining", paid ? 0 : amount);
        i.put("amount_shipping", 0);
        i.put("attempt_count", 1);
        i.put("attempted", true);
        i.put("auto_advance", !paid);
        i.put("billing_reason", billingReason);
        i.put("collection_method", "charge_automatically");
        i.put("created", created);
        i.put("currency", "usd");
        i.put("customer", customer);
        i.putArray("discounts");
        i.put("hosted_invoice_url", "https://invoice.stripe.com/i/acct_dev/test_" + invoiceId);
        ObjectNode lines = i.putObject("lines");
        lines.put("object", "list");
        ObjectNode line = lines.putArray("data").addObject();
        line.put("id", id("il"));
        line.put("object", "line_item");
        line.put("amount", amount);
        line.put("currency", "usd");
        line.put("description", "1 × plan (at $" + amount / 100 + ".00 / month)");
        line.put("invoice", invoiceId);
        ObjectNode lineParent = line.putObject("parent");
        lineParent.putNull("invoice_item_details");
        lineParent.putObject("subscription_item_details").put("invoice_item", (String) null).put("proration", false)
                .put("subscription", subId).put("subscription_item", "si_" + subId.substring(4));
        lineParent.put("type", "subscription_item_details");
        line.putObject("period").put("end", periodEnd).put("start", periodStart);
        ObjectNode pricing = line.putObject("pricing");
        pricing.putObject("price_details").put("price", priceId).put("product", "prod_plan");
        pricing.put("type", "price_details");
        pricing.put("unit_amount_decimal", String.valueOf(amount));
        line.put("quantity", 1);
        lines.put("has_more", false);
        lines.put("total_count", 1);
        lines.put("url", "/v1/invoices/" + invoiceId + "/lines");
        i.put("livemode", false);
        i.putObject("metadata");
        i.put("number", "DEV-" + invoiceId.substring(3, 9).toUpperCase(java.util.Locale.ROOT));
        ObjectNode parent = i.putObject("parent");
        parent.putNull("quote_details");
        parent.putObject("subscription_details").putObject("metadata");
        ((ObjectNode) parent.get("subscription_details")).put("subscription", subId);
        parent.put("type", "subscription_details");
        i.put("period_end", periodStart);
        i.put("period_start", periodStart);
        i.put("status", status);
        i.putObject("status_transitions").put("finalized_at", created).put("paid_at", paid ? created : null);
        i.put("subtotal", amount);
        i.put("total", amount);
        return i;
    }

    /** The charge of a course purchase after {@code refunded} cents of it were refunded. */
    public static ObjectNode refundedCharge(String chargeId, String paymentIntent, String customer, long amount, long refunded, long created) {
        ObjectNode c = StripeEvent.JSON.createObjectNode();
        c.put("id", chargeId);
        c.put("object", "charge");
        c.put("amount", amount);
        c.put("amount_captured", amount);
        c.put("amount_refunded", refunded);
        c.put("balance_transaction", id("txn"));
        c.putObject("billing_details").putNull("email").putNull("name").putNull("phone");
        c.put("captured", true);
        c.put("created", created);
        c.put("currency", "usd");
        c.put("customer", customer);
        c.put("disputed", false);
        c.put("livemode", false);
        c.putObject("metadata");
        c.putObject("outcome").put("network_status", "approved_by_network").put("risk_level", "normal").put("seller_message", "Payment complete.")
                .put("type", "authorized");
        c.put("paid", true);
        c.put("payment_intent", paymentIntent);
        c.put("payment_method", "pm_1QxDevCardVisa4242");
        c.put("receipt_url", "https://pay.stripe.com/receipts/payment/dev_" + chargeId);
        c.put("refunded", refunded >= amount);
        ObjectNode refunds = c.putObject("refunds");
        refunds.put("object", "list");
        ArrayNode data = refunds.putArray("data");
        data.addObject().put("id", id("re")).put("object", "refund").put("amount", refunded).put("charge", chargeId).put("currency", "usd")
                .put("payment_intent", paymentIntent).put("reason", "requested_by_customer").put("status", "succeeded");
        refunds.put("has_more", false);
        refunds.put("total_count", 1);
        c.put("status", "succeeded");
        return c;
    }
}
