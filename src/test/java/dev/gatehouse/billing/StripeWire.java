package dev.gatehouse.billing;

import com.stripe.net.Webhook;
import dev.gatehouse.support.RunningService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Delivers events as Stripe does (signed with stripe-java's own helper), and photographs the tables money touches. */
final class StripeWire {
    static final List<String> MONEY_TABLES = List.of("public.payments", "public.enrollments", "public.subscriptions", "private.webhook_events",
            "private.stripe_customers", "private.email_outbox", "private.audit_log", "private.jobs");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StripeWire() {}

    /** A {@code Stripe-Signature} header for {@code payload} signed now with {@code secret}. */
    static String sign(String payload, String secret) {
        return sign(payload, secret, Webhook.Util.getTimeNow());
    }

    static String sign(String payload, String secret, long timestamp) {
        try {
            return Webhook.Signature.generateSignatureHeader(payload, secret, timestamp);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> post(String baseUrl, byte[] body, String signature) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + "/webhooks/stripe")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json; charset=utf-8").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            b.header("Stripe-Signature", signature);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Delivers {@code event} signed with the test services' secret. */
    static HttpResponse<String> deliver(RunningService service, String event) throws Exception {
        return post(service.baseUrl(), event.getBytes(StandardCharsets.UTF_8), sign(event, RunningService.STRIPE_WEBHOOK_SECRET));
    }

    /** Row count and a digest of every row of each money table: equal photos mean nothing changed. */
    static Map<String, String> photo(DataSource db) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            for (String table : MONEY_TABLES) {
                try (ResultSet rs = s.executeQuery("select count(*) || ' rows, ' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '-') from "
                        + table + " t")) {
                    rs.next();
                    out.put(table, rs.getString(1));
                }
            }
        }
        return out;
    }
}
