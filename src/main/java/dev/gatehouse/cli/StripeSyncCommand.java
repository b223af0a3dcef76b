package dev.gatehouse.cli;

import dev.gatehouse.billing.BillingSettings;
import dev.gatehouse.billing.StripeApi;
import dev.gatehouse.billing.StripeEvent;
import dev.gatehouse.billing.StripeWebhook;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Settings;
import dev.gatehouse.refusal.Refusal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code stripe sync [--since 3d]}: catch-up after an outage. Stripe retries a webhook for 3 days but
 * keeps events for 30; this lists them through the Events API and applies those missing from the
 * ledger through the webhook's own path ({@link StripeWebhook#apply}).
 */
public final class StripeSyncCommand {
    static final String HELP = """
            Usage: java -jar target/gatehouse.jar stripe sync [--since <duration>]

            Lists the Stripe events created in the window (Stripe's Events API, every page), applies each
            one missing from the webhook ledger exactly as the webhook would, and prints what it applied.
            Needs STRIPE_SECRET_KEY; works on DATABASE_URL or, in dev mode, the dev database.

              --since   how far back: 90s, 15m, 1h, 3d or ISO-8601 (PT72H); default 3d, at most 30d
                        (Stripe keeps 30 days of events)
            """;
    static final Duration MAX = Duration.ofDays(30);

    public int run(Args args, Map<String, String> env) {
        if (args.help()) {
            System.out.print(HELP);
            return 0;
        }
        args.allow(Set.of("since"));
        Duration since = args.value("since") == null ? Duration.ofDays(3) : TokenCommand.parseDuration(args.value("since"), "--since", MAX, "30d");
        Settings settings = Settings.load(env);
        BillingSettings billing = BillingSettings.load(env, settings.mode(), settings.dataDir());
        if (!billing.apiConfigured()) {
            throw new ConfigException(List.of("STRIPE_SECRET_KEY is required for stripe sync (it reads Stripe's Events API)"));
        }
        Instant from = Instant.now().minus(since);
        List<String> events = new ArrayList<>();
        new StripeApi(billing).eachEventSince(from, events::add);
        try {
            int refused = DevEnvironment.withDatabase(settings, true, c -> apply(c, events, from));
            return refused == 0 ? 0 : 1;
        } catch (SQLException e) {
            System.err.println("stripe sync: database error: " + e.getMessage());
            return 1;
        }
    }

    private static int apply(Connection c, List<String> events, Instant from) throws SQLException {
        Set<String> known = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("select id from private.webhook_events where created >= ?")) {
            ps.setTimestamp(1, Timestamp.from(from.minusSeconds(1)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(rs.getString(1));
                }
            }
        }
        int applied = 0;
        int present = 0;
        int refused = 0;
        for (String json : events) {
            StripeEvent event = StripeEvent.parse(json);
            if (known.contains(event.id())) {
                present++;
                continue;
            }
            try {
                StripeWebhook.Outcome outcome = StripeWebhook.apply(c, event);
                if (outcome == StripeWebhook.Outcome.DUPLICATE) {
                    present++;
                } else {
                    applied++;
                    System.out.println("applied  " + event.id() + "  " + event.type() + "  " + event.created());
                }
            } catch (Refusal r) {
                refused++;
                System.out.println("refused  " + event.id() + "  " + event.type() + "  " + r.code() + ": " + r.getMessage());
            }
        }
        System.out.println(events.size() + " events since " + from + ": " + applied + " applied, " + present + " already in the ledger, "
                + refused + " refused");
        return refused;
    }
}
