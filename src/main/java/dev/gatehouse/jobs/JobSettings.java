package dev.gatehouse.jobs;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.Mode;
import static dev.gatehouse.config.SettingValues.number;
import static dev.gatehouse.config.SettingValues.blankToNull;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The job worker's settings, read once at start and validated as a whole.
 *
 * @param billingUser     who pays for AI homework feedback; null = the course's instructor
 * @param publicUrl       the service's public URL, printed on certificates for {@code GET /certificates/{code}}
 * @param zoom            null when Zoom is not configured (meeting jobs are skipped)
 */
public record JobSettings(JobQueue.Options queue, UUID billingUser, String publicUrl, ZoomClient.Config zoom) {

    public static JobSettings load(Map<String, String> env, Mode mode, int port) {
        List<String> problems = new ArrayList<>();
        boolean enabled = !"off".equalsIgnoreCase(String.valueOf(blankToNull(env.get("JOBS_WORKER"))));
        int concurrency = (int) number(env, "JOBS_CONCURRENCY", 4, 1, 256, problems);
        long pollMs = (long) number(env, "JOBS_POLL_MS", 5_000, 10, 600_000, problems);
        long leaseSeconds = (long) number(env, "JOBS_LEASE_SECONDS", 300, 1, 86_400, problems);
        long backoffMs = (long) number(env, "JOBS_BACKOFF_BASE_MS", 5_000, 1, 3_600_000, problems);
        UUID billing = null;
        String billingText = blankToNull(env.get("JOBS_AI_BILLING_USER_ID"));
        if (billingText != null) {
            try {
                billing = UUID.fromString(billingText);
            } catch (IllegalArgumentException e) {
                problems.add("JOBS_AI_BILLING_USER_ID must be a user id (uuid)");
            }
        }
        String publicUrl = blankToNull(env.get("GATEHOUSE_PUBLIC_URL"));
        if (publicUrl != null && !publicUrl.matches("https?://\\S+")) {
            problems.add("GATEHOUSE_PUBLIC_URL must be an http(s) URL");
        }
        String supabaseUrl = blankToNull(env.get("SUPABASE_URL"));
        String serviceKey = blankToNull(env.get("SUPABASE_SERVICE_ROLE_KEY"));
        if (mode == Mode.PRODUCTION && enabled) {
            if (publicUrl == null) {
                problems.add("GATEHOUSE_PUBLIC_URL is required in production: certificates print a link to GET /certificates/{code}");
            }
            if (supabaseUrl == null || serviceKey == null) {
                problems.add("SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are required in production to store certificates (or JOBS_WORKER=off)");
            }
        }
        ZoomClient.Config zoom = null;
        String account = blankToNull(env.get("ZOOM_ACCOUNT_ID"));
        String client = blankToNull(env.get("ZOOM_CLIENT_ID"));
        String secret = blankToNull(env.get("ZOOM_CLIENT_SECRET"));
        if (account != null || client != null || secret != null) {
            if (account == null || client == null || secret == null) {
                problems.add("ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET go together (a Server-to-Server OAuth app)");
            }
            zoom = new ZoomClient.Config(account, client, secret, url(env, "ZOOM_OAUTH_URL", "https://zoom.us"), url(env, "ZOOM_API_URL", "https://api.zoom.us"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new JobSettings(new JobQueue.Options(enabled, concurrency, Duration.ofMillis(pollMs), Duration.ofSeconds(leaseSeconds),
                new Backoff(Duration.ofMillis(backoffMs), Duration.ofHours(1))), billing,
                publicUrl == null ? "http://127.0.0.1:" + port : publicUrl.replaceAll("/+$", ""), zoom);
    }

    private static String url(Map<String, String> env, String name, String def) {
        String v = blankToNull(env.get(name));
        return v == null ? def : v.replaceAll("/+$", "");
    }


}
