package dev.gatehouse.billing;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Mode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Stripe's settings, read once at start and validated as a whole. Stripe is optional: without
 * {@code STRIPE_SECRET_KEY} the checkout and portal endpoints answer 503 {@code billing_not_configured}
 * and the webhook still verifies and applies events whenever a webhook secret is known.
 *
 * @param secretKey      null when Stripe's API is not configured
 * @param webhookSecrets the {@code whsec_} secrets accepted (several while a secret is rotated); empty = webhook off
 * @param apiBase        Stripe's API base URL (overridden in tests to point at WireMock)
 */
public record BillingSettings(
        String secretKey,
        List<String> webhookSecrets,
        String apiBase,
        String successUrl,
        String cancelUrl,
        String portalReturnUrl) {

    public static final String DEFAULT_API_BASE = "https://api.stripe.com";
    /** Stripe's own default tolerance for the signature's timestamp. */
    public static final long TOLERANCE_SECONDS = 300;
    static final String DEV_SUCCESS_URL = "http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}";
    static final String DEV_CANCEL_URL = "http://localhost:3000/billing/canceled";
    static final String DEV_RETURN_URL = "http://localhost:3000/account";

    public BillingSettings {
        webhookSecrets = List.copyOf(webhookSecrets);
    }

    public boolean apiConfigured() {
        return secretKey != null;
    }

    public boolean webhookConfigured() {
        return !webhookSecrets.isEmpty();
    }

    /**
     * @param dataDir where dev mode keeps its generated webhook secret
     * @throws ConfigException naming every problem at once
     */
    public static BillingSettings load(Map<String, String> env, Mode mode, Path dataDir) {
        List<String> problems = new ArrayList<>();
        boolean dev = mode == Mode.DEV;
        String key = blankToNull(env.get("STRIPE_SECRET_KEY"));
        if (key != null && !key.matches("(sk|rk)_(test|live)_[A-Za-z0-9]{8,}")) {
            problems.add("STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_test_..., sk_live_..., rk_...)");
        }
        if (key != null && dev && key.contains("_live_")) {
            problems.add("STRIPE_SECRET_KEY is a live key; dev mode takes test keys only");
        }
        List<String> secrets = blankToNull(env.get("STRIPE_WEBHOOK_SECRET")) == null ? List.of()
                : Arrays.stream(env.get("STRIPE_WEBHOOK_SECRET").split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String s : secrets) {
            if (!s.startsWith("whsec_") || s.length() < 20) {
                problems.add("STRIPE_WEBHOOK_SECRET must be whsec_... signing secrets (comma-separated while rotating)");
                break;
            }
        }
        if (secrets.isEmpty() && dev) {
            secrets = List.of(DevEnvironment.stripeWebhookSecret(dataDir));
        }
        if (!dev && key != null && secrets.isEmpty()) {
            problems.add("STRIPE_WEBHOOK_SECRET is required in production when STRIPE_SECRET_KEY is set (the endpoint's signing secret, whsec_...)");
        }
        String apiBase = url(env, "STRIPE_API_BASE", DEFAULT_API_BASE, false, problems);
        String success = url(env, "STRIPE_CHECKOUT_SUCCESS_URL", dev || key == null ? DEV_SUCCESS_URL : null, !dev && key != null, problems);
        String cancel = url(env, "STRIPE_CHECKOUT_CANCEL_URL", dev || key == null ? DEV_CANCEL_URL : null, !dev && key != null, problems);
        String back = url(env, "STRIPE_PORTAL_RETURN_URL", dev || key == null ? DEV_RETURN_URL : null, !dev && key != null, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new BillingSettings(key, secrets, apiBase, success, cancel, back);
    }

    private static String url(Map<String, String> env, String name, String def, boolean httpsRequired, List<String> problems) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            if (def == null) {
                problems.add(name + " is required in production when STRIPE_SECRET_KEY is set");
            }
            return def;
        }
        try {
            URI u = URI.create(v.replace("{CHECKOUT_SESSION_ID}", "x"));
            if (u.getHost() == null || !(("https".equals(u.getScheme())) || ("http".equals(u.getScheme()) && !httpsRequired))) {
                problems.add(name + " must be an absolute " + (httpsRequired ? "https" : "http(s)") + " URL, got '" + v + "'");
            }
        } catch (IllegalArgumentException e) {
            problems.add(name + " must be an absolute URL, got '" + v + "'");
        }
        return name.equals("STRIPE_API_BASE") ? v.replaceAll("/+$", "") : v;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
