package dev.gatehouse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.stripe.net.Webhook;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.billing.BillingSettings;
import dev.gatehouse.billing.StripeObjects;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Mode;
import dev.gatehouse.config.Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code stripe trigger <scenario>}: sends correctly signed, realistic event sequences to a running
 * service, so the whole billing flow can be walked through offline. It reads the dev database to
 * build events that continue the user's real state (their purchase, their subscription).
 */
public final class StripeTriggerCommand {
    static final String HELP = """
            Usage: java -jar target/gatehouse.jar stripe trigger <scenario> [--email E] [--course SLUG] [--plan P] [--to BASE_URL] [--now]

            Scenarios (each sends the events Stripe would, signed like Stripe signs them):
              course-purchase        checkout.session.completed (paid) for --course: payment + enrollment
              course-refund          charge.refunded, full, for the user's purchase of --course (bought first if needed)
              subscription-start     a subscription to --plan (default pro) begins: created, invoice.paid, updated active
              subscription-upgrade   the live subscription moves to --plan (default enterprise) in the same period
              subscription-cancel    cancel at period end (the plan stays until then); with --now, deleted at once
              payment-failed         the renewal's invoice fails: invoice.payment_failed, subscription past_due

              --email   the user (default student@example.com; in dev mode signed up if new)
              --course  a course slug (default building-ai-agents)
              --to      the service (default http://127.0.0.1:GATEHOUSE_PORT); events go to <to>/webhooks/stripe
            Signed with STRIPE_WEBHOOK_SECRET, else (dev mode) the secret kept in GATEHOUSE_DATA_DIR.
            """;
    private static final long MONTH = 30L * 86400;
    private static final ObjectMapper JSON = new ObjectMapper();

    public int run(String scenario, Args args, Map<String, String> env) {
        if (args.help() || scenario == null) {
            System.out.print(HELP);
            return scenario == null && !args.help() ? 2 : 0;
        }
        args.allow(Set.of("email", "course", "plan", "to", "now"));
        Settings settings = Settings.load(env);
        BillingSettings billing = BillingSettings.load(env, settings.mode(), settings.dataDir());
        if (!billing.webhookConfigured()) {
            throw new Args.UsageException("no webhook secret: set STRIPE_WEBHOOK_SECRET (or run in dev mode)");
        }
        String to = args.value("to") != null ? args.value("to").replaceAll("/+$", "") : "http://127.0.0.1:" + settings.port();
        String email = args.value("email") != null ? args.value("email") : "student@example.com";
        try {
            List<String> events = DevEnvironment.withDatabase(settings, true, c -> {
                Scene scene = new Scene(c, user(c, email, settings.mode() == Mode.DEV), settings.mode() == Mode.DEV);
                return switch (scenario) {
                    case "course-purchase" -> scene.purchase(course(c, args.value("course")));
                    case "course-refund" -> scene.refund(course(c, args.value("course")));
                    case "subscription-start" -> scene.start(plan(args, "pro"));
                    case "subscription-upgrade" -> scene.upgrade(plan(args, "enterprise"));
                    case "subscription-cancel" -> scene.cancel(args.flag("now"));
                    case "payment-failed" -> scene.paymentFailed();
                    default -> throw new Args.UsageException("unknown scenario '" + scenario + "'; see stripe trigger --help");
                };
            });
            return send(to, billing.webhookSecrets().getFirst(), events);
        } catch (SQLException e) {
            System.err.println("stripe trigger: database error: " + e.getMessage());
            return 1;
        }
    }

    private static int send(String to, String secret, List<String> events) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        int failures = 0;
        for (String event : events) {
            String type = event.replaceAll("(?s).*\"type\":\"([^\"]+)\".*", "$1");
            try {
                String signature = Webhook.Signature.generateSignatureHeader(event, secret, Webhook.Util.getTimeNow());
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(to + "/webhooks/stripe")).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json; charset=utf-8").header("Stripe-Signature", signature)
                        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
                System.out.println("-> " + type + "  " + r.statusCode() + "  " + r.body());
                failures += r.statusCode() / 100 == 2 ? 0 : 1;
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                System.err.println("-> " + type + "  not delivered to " + to + ": " + e);
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        return failures == 0 ? 0 : 1;
    }

    private static String plan(Args args, String def) {
        return args.value("plan") != null ? args.value("plan") : def;
    }

    private static AuthUser user(Connection c, String email, boolean dev) throws SQLException {
        var found = AuthUsers.byEmail(c, email);
        if (found.isPresent()) {
            return found.get();
        }
        if (!dev) {
            throw new Args.UsageException("no user with email " + email);
        }
        return AuthUsers.signUp(c, email);
    }

    record Course(UUID id, long price, String currency) {}

    private static ObjectNode prev(String field, Object value) {
        ObjectNode p = JSON.createObjectNode();
        if (value instanceof Boolean b) {
            p.put(field, b);
        } else {
            p.put(field, (String) value);
        }
        return p;
    }

    private static Course course(Connection c, String slug) throws SQLException {
        String s = slug != null ? slug : "building-ai-agents";
        try (PreparedStatement ps = c.prepareStatement("select id, price_cents, currency from public.courses where slug = ?")) {
            ps.setString(1, s);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Args.UsageException("no course with slug '" + s + "'");
                }
                return new Course(rs.getObject(1, UUID.class), rs.getLong(2), rs.getString(3));
            }
        }
    }

    /** Builds each scenario's events from the user's current state in the database. */
    private static final class Scene {
        private final Connection c;
        private final AuthUser user;
        private final boolean dev;
        private final long now = System.currentTimeMillis() / 1000;
        private final List<String> out = new ArrayList<>();

        Scene(Connection c, AuthUser user, boolean dev) {
            this.c = c;
            this.user = user;
            this.dev = dev;
        }

        List<String> purchase(Course course) {
            String pi = StripeObjects.id("pi");
            ObjectNode session = StripeObjects.paymentSession(StripeObjects.id("cs_test"), pi, customer(), user.id(), course.id(), course.price(),
                    course.currency(), "paid", now);
            add("checkout.session.completed", session, null);
            return out;
        }

        List<String> refund(Course course) throws SQLException {
            Map<String, Object> paid = row("""
                    select stripe_payment_intent_id, amount_cents from public.payments
                    where user_id = ? and course_id = ? and status in ('succeeded', 'partially_refunded') and stripe_payment_intent_id is not null
                    order by created_at desc limit 1""", user.id(), course.id());
            String pi;
            long amount;
            if (paid == null) {
                purchase(course);
                pi = out.getLast().replaceAll("(?s).*\"payment_intent\":\"([^\"]+)\".*", "$1");
                amount = course.price();
            } else {
                pi = (String) paid.get("stripe_payment_intent_id");
                amount = ((Number) paid.get("amount_cents")).longValue();
            }
            add("charge.refunded", StripeObjects.refundedCharge(StripeObjects.id("ch"), pi, customer(), amount, amount, now), null);
            return out;
        }

        List<String> start(String plan) throws SQLException {
            Sub s = new Sub(StripeObjects.id("sub"), customer(), plan, price(plan), now, now + MONTH, false, StripeObjects.id("in"));
            add("customer.subscription.created", snapshot(s, "incomplete"), null);
            add("invoice.paid", StripeObjects.invoice(s.invoice, s.id, s.customer, s.price, amount(plan), "paid", "subscription_create", s.start, s.end, now),
                    null);
            add("customer.subscription.updated", snapshot(s, "active"), prev("status", "incomplete"));
            add("checkout.session.completed", StripeObjects.subscriptionSession(StripeObjects.id("cs_test"), s.id, s.invoice, s.customer, user.id(), plan,
                    amount(plan), "usd", now), null);
            return out;
        }

        List<String> upgrade(String plan) throws SQLException {
            Sub s = live("pro");
            Sub moved = new Sub(s.id, s.customer, plan, price(plan), s.start, s.end, s.cap, StripeObjects.id("in"));
            ObjectNode previous = prev("latest_invoice", s.invoice);
            previous.putObject("items").put("object", "list");
            add("customer.subscription.updated", snapshot(moved, s.status), previous);
            add("invoice.paid", StripeObjects.invoice(moved.invoice, s.id, s.customer, moved.price, Math.max(0, amount(plan) - amount(s.plan)), "paid",
                    "subscription_update", s.start, s.end, now), null);
            return out;
        }

        List<String> cancel(boolean immediately) throws SQLException {
            Sub s = live("pro");
            if (immediately) {
                add("customer.subscription.deleted", snapshot(new Sub(s.id, s.customer, s.plan, s.price, s.start, s.end, s.cap, s.invoice), "canceled"),
                        null);
            } else {
                ObjectNode previous = prev("cancel_at_period_end", false);
                previous.putNull("cancel_at");
                previous.putNull("canceled_at");
                add("customer.subscription.updated", snapshot(new Sub(s.id, s.customer, s.plan, s.price, s.start, s.end, true, s.invoice), s.status), previous);
            }
            return out;
        }

        List<String> paymentFailed() throws SQLException {
            Sub s = live("pro");
            Sub renewed = new Sub(s.id, s.customer, s.plan, s.price, s.end, s.end + MONTH, s.cap, StripeObjects.id("in"));
            add("customer.subscription.updated", snapshot(renewed, "active"), prev("latest_invoice", s.invoice));
            add("invoice.payment_failed", StripeObjects.invoice(renewed.invoice, s.id, s.customer, s.price, amount(s.plan), "open", "subscription_cycle",
                    renewed.start, renewed.end, now), null);
            add("customer.subscription.updated", snapshot(renewed, "past_due"), prev("status", "active"));
            return out;
        }

        /** The user's live subscription as the database has it; started on {@code plan} first when there is none. */
        private Sub live(String plan) throws SQLException {
            Map<String, Object> row = row("""
                    select s.stripe_subscription_id, s.stripe_customer_id, s.plan_id, p.stripe_price_id, s.status, s.cancel_at_period_end,
                           extract(epoch from s.current_period_start)::bigint as start_at, extract(epoch from s.current_period_end)::bigint as end_at,
                           (select i.stripe_invoice_id from public.payments i where i.subscription_id = s.id order by i.created_at desc limit 1) as invoice
                    from public.subscriptions s join public.plans p on p.id = s.plan_id
                    where s.user_id = ? and s.status in ('active', 'trialing', 'past_due') and s.stripe_subscription_id is not null
                    order by s.created_at desc limit 1""", user.id());
            if (row == null) {
                start(plan);
                ObjectNode last = (ObjectNode) readObject(out.get(2));
                return new Sub(last.path("id").asText(), last.path("customer").asText(), plan, price(plan), now, now + MONTH, false,
                        last.path("latest_invoice").asText());
            }
            return new Sub((String) row.get("stripe_subscription_id"), (String) row.get("stripe_customer_id"), (String) row.get("plan_id"),
                    (String) row.get("stripe_price_id"), ((Number) row.get("start_at")).longValue(), ((Number) row.get("end_at")).longValue(),
                    (Boolean) row.get("cancel_at_period_end"), row.get("invoice") == null ? StripeObjects.id("in") : (String) row.get("invoice"),
                    (String) row.get("status"));
        }

        private String customer() {
            try {
                Map<String, Object> row = row("select stripe_customer_id from private.stripe_customers where user_id = ?", user.id());
                return row != null ? (String) row.get("stripe_customer_id") : "cus_dev" + user.id().toString().replace("-", "").substring(0, 14);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The plan's Stripe price; in dev mode a plan without one gets {@code price_dev_<plan>} so the walk-through works offline. */
        private String price(String plan) throws SQLException {
            Map<String, Object> row = row("select stripe_price_id from public.plans where id = ?", plan);
            if (row == null) {
                throw new Args.UsageException("no plan '" + plan + "'");
            }
            if (row.get("stripe_price_id") != null) {
                return (String) row.get("stripe_price_id");
            }
            if (!dev) {
                throw new Args.UsageException("plan '" + plan + "' has no stripe_price_id");
            }
            String price = "price_dev_" + plan;
            try (PreparedStatement ps = c.prepareStatement("update public.plans set stripe_price_id = ? where id = ?")) {
                ps.setString(1, price);
                ps.setString(2, plan);
                ps.executeUpdate();
            }
            System.out.println("(dev) plan '" + plan + "' had no Stripe price; it now has " + price);
            return price;
        }

        private long amount(String plan) throws SQLException {
            return ((Number) row("select price_cents from public.plans where id = ?", plan).get("price_cents")).longValue();
        }

        private void add(String type, ObjectNode object, ObjectNode previous) {
            out.add(StripeObjects.event(StripeObjects.id("evt"), type, now, object, previous));
        }

        private Map<String, Object> row(String sql, Object... params) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    Map<String, Object> m = new java.util.HashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        m.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    return m;
                }
            }
        }

        private record Sub(String id, String customer, String plan, String price, long start, long end, boolean cap, String invoice, String status) {
            Sub(String id, String customer, String plan, String price, long start, long end, boolean cap, String invoice) {
                this(id, customer, plan, price, start, end, cap, invoice, "active");
            }
        }

        private ObjectNode snapshot(Sub s, String status) throws SQLException {
            return StripeObjects.subscription(s.id, "si_" + s.id.substring(4), s.customer, user.id(), s.plan, s.price, amount(s.plan), status,
                    s.start, s.end, s.cap, s.cap || status.equals("canceled") ? now : null, s.invoice, now);
        }

        private static com.fasterxml.jackson.databind.JsonNode readObject(String event) {
            try {
                return JSON.readTree(event).path("data").path("object");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
