package dev.gatehouse.email;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.Mode;
import static dev.gatehouse.config.SettingValues.number;
import static dev.gatehouse.config.SettingValues.blankToNull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The email settings, read once at start and validated as a whole.
 *
 * @param resendApiKey  null: deliver to the dev file mailbox (dev mode only)
 * @param ratePerSecond client-side send rate; 0 lifts it (benchmarks against a local fake)
 * @param mailbox       the dev mailbox folder ({@code <data dir>/mail})
 * @param siteUrl       the front end's URL, for links in emails
 */
public record EmailSettings(
        boolean workerEnabled,
        String resendApiKey,
        String resendBaseUrl,
        String from,
        String replyTo,
        double ratePerSecond,
        int concurrency,
        Duration pollInterval,
        Duration lease,
        Duration backoffBase,
        Path mailbox,
        String siteUrl,
        String appName,
        Twilio twilio) {

    /** Twilio's Messages API for SMS; null when {@code TWILIO_*} is unset (SMS rows are then skipped). */
    public record Twilio(String accountSid, String authToken, String from, String messagingServiceSid, String baseUrl, double ratePerSecond) {}

    public static final String DEFAULT_RESEND_URL = "https://api.resend.com";

    public boolean devMailbox() {
        return resendApiKey == null;
    }

    /** Where this instance's mail goes, for the start-up banner. */
    public String describe() {
        if (!workerEnabled) {
            return "not sent by this instance (EMAIL_WORKER=off)";
        }
        return devMailbox() ? "dev mailbox " + mailbox + " (./gatehouse mail lists the latest)" : "Resend, from " + from;
    }

    public static EmailSettings load(Map<String, String> env, Mode mode, Path dataDir) {
        List<String> problems = new ArrayList<>();
        String key = blankToNull(env.get("RESEND_API_KEY"));
        String from = blankToNull(env.get("EMAIL_FROM"));
        boolean enabled = !"off".equalsIgnoreCase(String.valueOf(blankToNull(env.get("EMAIL_WORKER"))));
        if (mode == Mode.PRODUCTION && enabled) {
            if (key == null) {
                problems.add("RESEND_API_KEY is required in production (or EMAIL_WORKER=off to leave the outbox to another instance)");
            } else if (!key.startsWith("re_")) {
                problems.add("RESEND_API_KEY must be a Resend API key (re_...)");
            }
            if (from == null) {
                problems.add("EMAIL_FROM is required in production, e.g. 'Gatehouse <noreply@your-verified-domain>'");
            }
        }
        String hook = String.valueOf(blankToNull(env.get("SEND_EMAIL_HOOK"))).toLowerCase(java.util.Locale.ROOT);
        if (!hook.equals("null") && !hook.equals("on") && !hook.equals("off")) {
            problems.add("SEND_EMAIL_HOOK must be 'on' or 'off', got '" + env.get("SEND_EMAIL_HOOK") + "'");
        } else if (mode == Mode.PRODUCTION && !hook.equals("off") && blankToNull(env.get("SEND_EMAIL_HOOK_SECRET")) == null) {
            problems.add("SEND_EMAIL_HOOK_SECRET is required in production while Supabase Auth's Send Email hook is on (supabase/config.toml enables it;"
                    + " its secret is v1,whsec_<base64>); set SEND_EMAIL_HOOK=off if Auth sends its own mail");
        }
        String baseUrl = blankToNull(env.get("RESEND_BASE_URL"));
        if (baseUrl != null && !baseUrl.matches("https?://[^\\s]+")) {
            problems.add("RESEND_BASE_URL must be an http(s) URL");
        }
        double rate = number(env, "EMAIL_RATE_PER_SECOND", 2, 0, 10_000, problems);
        int concurrency = (int) number(env, "EMAIL_WORKER_CONCURRENCY", 8, 1, 512, problems);
        long pollMs = (long) number(env, "EMAIL_POLL_MS", 5_000, 10, 600_000, problems);
        long leaseSeconds = (long) number(env, "EMAIL_LEASE_SECONDS", 60, 1, 86_400, problems);
        long backoffMs = (long) number(env, "EMAIL_BACKOFF_BASE_MS", 2_000, 1, 3_600_000, problems);
        String siteUrl = blankToNull(env.get("GATEHOUSE_SITE_URL"));
        if (siteUrl != null && !siteUrl.matches("https?://[^\\s]+")) {
            problems.add("GATEHOUSE_SITE_URL must be an http(s) URL");
        }
        Twilio twilio = twilio(env, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new EmailSettings(enabled, key, baseUrl == null ? DEFAULT_RESEND_URL : baseUrl.replaceAll("/+$", ""),
                from == null ? "Gatehouse <onboarding@resend.dev>" : from, blankToNull(env.get("EMAIL_REPLY_TO")), rate, concurrency,
                Duration.ofMillis(pollMs), Duration.ofSeconds(leaseSeconds), Duration.ofMillis(backoffMs), dataDir.resolve("mail"),
                siteUrl == null ? "http://localhost:3000" : siteUrl.replaceAll("/+$", ""),
                env.getOrDefault("GATEHOUSE_APP_NAME", "Gatehouse"), twilio);
    }

    private static Twilio twilio(Map<String, String> env, List<String> problems) {
        String sid = blankToNull(env.get("TWILIO_ACCOUNT_SID"));
        String token = blankToNull(env.get("TWILIO_AUTH_TOKEN"));
        String from = blankToNull(env.get("TWILIO_FROM"));
        String service = blankToNull(env.get("TWILIO_MESSAGING_SERVICE_SID"));
        if (sid == null && token == null && from == null && service == null) {
            return null;
        }
        if (sid == null || !sid.matches("AC[0-9a-fA-F]{32}")) {
            problems.add("TWILIO_ACCOUNT_SID must be an account SID (AC + 32 hex digits) when any TWILIO_* is set");
        }
        if (token == null) {
            problems.add("TWILIO_AUTH_TOKEN is required when TWILIO_ACCOUNT_SID is set");
        }
        if ((from == null) == (service == null)) {
            problems.add("set exactly one of TWILIO_FROM (an E.164 number) and TWILIO_MESSAGING_SERVICE_SID (MG...)");
        } else if (from != null && !from.matches("\\+[1-9][0-9]{6,14}")) {
            problems.add("TWILIO_FROM must be an E.164 phone number such as +15017122661");
        }
        String baseUrl = blankToNull(env.get("TWILIO_BASE_URL"));
        double rate = number(env, "TWILIO_RATE_PER_SECOND", 1, 0, 10_000, problems);
        return new Twilio(sid, token, from, service, baseUrl == null ? "https://api.twilio.com" : baseUrl.replaceAll("/+$", ""), rate);
    }


}
