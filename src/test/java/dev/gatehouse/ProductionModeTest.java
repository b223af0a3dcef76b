package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GATEHOUSE_ENV=production}: one message naming every problem, before a port or a database is touched.
 * Each case starts from a complete production configuration that passes, breaks one thing, and expects
 * exactly that one problem, so a check that stopped firing (or fired for the wrong reason) fails.
 */
class ProductionModeTest {
    /** The published Supabase CLI service role key (iss supabase-demo), as `supabase status` prints it. */
    private static final String CLI_SERVICE_ROLE_KEY = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
            + ".eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0"
            + ".EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU";

    @TempDir
    Path tmp;

    /** A production configuration with every secret present and strong. */
    private Map<String, String> complete() {
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_ENV", "production");
        env.put("GATEHOUSE_DATA_DIR", tmp.toString());
        env.put("DATABASE_URL", "postgresql://postgres.ref:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require");
        env.put("SUPABASE_URL", "https://ref.supabase.co");
        env.put("SUPABASE_SERVICE_ROLE_KEY", "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIiwiaXNzIjoic3VwYWJhc2UifQ.c2lnbmF0dXJl");
        env.put("RESEND_API_KEY", "re_live_0123456789abcdef");
        env.put("EMAIL_FROM", "Gatehouse <noreply@example.com>");
        env.put("GATEHOUSE_PUBLIC_URL", "https://api.example.com");
        env.put("SEND_EMAIL_HOOK_SECRET", "v1,whsec_" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)));
        env.put("CORS_ORIGINS", "https://app.example.com");
        return env;
    }

    private static List<String> problems(Map<String, String> env) {
        return ConfigCheck.problems(env);
    }

    @Test
    void aCompleteProductionConfigurationHasNoProblem() {
        assertThat(problems(complete())).isEmpty();
    }

    @Test
    void devModeIsNotCheckedHere() {
        assertThat(problems(Map.of())).isEmpty();
    }

    @Test
    void nothingConfiguredNamesEveryMissingSettingInOneMessage() {
        CliRun run = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> CliRun.of(Map.of("GATEHOUSE_ENV", "production", "GATEHOUSE_DATA_DIR", tmp.toString()), "serve"));

        assertThat(run.exitCode()).isEqualTo(78);
        assertThat(run.err()).startsWith(ConfigCheck.HEADING).contains("DATABASE_URL", "SUPABASE_URL", "SUPABASE_JWT_SECRET", "RESEND_API_KEY",
                "EMAIL_FROM", "GATEHOUSE_PUBLIC_URL", "SUPABASE_SERVICE_ROLE_KEY", "SEND_EMAIL_HOOK_SECRET").doesNotContain("\tat ");
        assertThat(Files.exists(tmp.resolve("postgres"))).as("no embedded database was started").isFalse();
    }

    @Test
    void noJwtVerificationSourceIsNamed() {
        Map<String, String> env = complete();
        env.remove("SUPABASE_URL");
        env.put("JOBS_WORKER", "off"); // certificates are stored through SUPABASE_URL too

        assertThat(problems(env)).singleElement().asString().contains("SUPABASE_URL (for the JWKS) or SUPABASE_JWT_SECRET");
    }

    @Test
    void aLegacySecretShorterThan32BytesIsWeak() {
        Map<String, String> env = complete();
        env.remove("SUPABASE_URL");
        env.put("JOBS_WORKER", "off"); // certificates are stored through SUPABASE_URL too
        env.put("SUPABASE_JWT_SECRET", "x".repeat(31));

        assertThat(problems(env)).singleElement().asString().startsWith("SUPABASE_JWT_SECRET must be at least 32 bytes");

        env.put("SUPABASE_JWT_SECRET", "x".repeat(32));
        assertThat(problems(env)).isEmpty();
    }

    @Test
    void theSupabaseCliSecretIsADevSecret() {
        Map<String, String> env = complete();
        env.put("SUPABASE_JWT_SECRET", "super-secret-jwt-token-with-at-least-32-characters-long");

        assertThat(problems(env)).singleElement().asString().contains("SUPABASE_JWT_SECRET is the Supabase CLI's public local-development secret");
    }

    @Test
    void theSupabaseCliServiceRoleKeyIsADevSecret() {
        Map<String, String> env = complete();
        env.put("SUPABASE_SERVICE_ROLE_KEY", CLI_SERVICE_ROLE_KEY);

        assertThat(problems(env)).singleElement().asString().startsWith("SUPABASE_SERVICE_ROLE_KEY is the Supabase CLI's public");
    }

    @Test
    void aMissingDatabaseUrlIsNamed() {
        Map<String, String> env = complete();
        env.remove("DATABASE_URL");

        assertThat(problems(env)).singleElement().asString().startsWith("DATABASE_URL is required in production");
    }

    @Test
    void stripeWithoutItsWebhookSecretIsNamed() {
        Map<String, String> env = complete();
        env.put("STRIPE_SECRET_KEY", "sk_live_0123456789abcdef");
        env.put("STRIPE_CHECKOUT_SUCCESS_URL", "https://app.example.com/ok");
        env.put("STRIPE_CHECKOUT_CANCEL_URL", "https://app.example.com/cancel");
        env.put("STRIPE_PORTAL_RETURN_URL", "https://app.example.com/account");

        assertThat(problems(env)).singleElement().asString().startsWith("STRIPE_WEBHOOK_SECRET is required in production");

        env.put("STRIPE_WEBHOOK_SECRET", "whsec_0123456789abcdefghijkl");
        assertThat(problems(env)).isEmpty();
    }

    @Test
    void theEmailHookWithoutItsSecretIsNamedUnlessTheHookIsOff() {
        Map<String, String> env = complete();
        env.remove("SEND_EMAIL_HOOK_SECRET");

        assertThat(problems(env)).singleElement().asString().startsWith("SEND_EMAIL_HOOK_SECRET is required in production");

        env.put("SEND_EMAIL_HOOK", "off");
        assertThat(problems(env)).isEmpty();
    }

    @Test
    void aMalformedHookSecretIsNamed() {
        Map<String, String> env = complete();
        env.put("SEND_EMAIL_HOOK_SECRET", "not-a-secret");

        assertThat(problems(env)).singleElement().asString().startsWith("SEND_EMAIL_HOOK_SECRET must be");
    }

    @Test
    void theDevEchoModelCannotBeSwitchedOn() throws Exception {
        Path config = Files.writeString(tmp.resolve("gateway.json"), """
                {"providers": {"dev": {"kind": "dev-echo"}},
                 "deployments": {"echo": {"provider": "dev", "enabled": true}},
                 "routes": {"dev-echo": ["echo"]}}
                """);
        Map<String, String> env = complete();
        env.put("GATEHOUSE_CONFIG", config.toString());

        assertThat(problems(env)).singleElement().asString().contains("dev-echo is a development model and cannot be enabled in production");
    }

    @Test
    void theDevFileMailboxCannotStandInForResend() {
        Map<String, String> env = complete();
        env.remove("RESEND_API_KEY");

        assertThat(problems(env)).singleElement().asString().startsWith("RESEND_API_KEY is required in production");
    }

    @Test
    void corsAllowingAnyOriginIsRefused() {
        Map<String, String> env = complete();
        env.put("CORS_ORIGINS", "*");

        assertThat(problems(env)).singleElement().asString().startsWith("CORS_ORIGINS must list origins; '*'");
    }

    @Test
    void aDevOnlyLoopbackWildcardOriginIsRefused() {
        Map<String, String> env = complete();
        env.put("CORS_ORIGINS", "http://localhost:*");

        assertThat(problems(env)).singleElement().asString().contains("is for dev mode only");
    }

    @Test
    void anUnknownEnvironmentNameIsAProblemAndProductionRulesStillApply() {
        Map<String, String> env = complete();
        env.put("GATEHOUSE_ENV", "staging");
        env.remove("DATABASE_URL");

        assertThat(problems(env)).containsExactly("GATEHOUSE_ENV must be 'dev' or 'production', got 'staging'",
                "DATABASE_URL is required in production (the Supabase connection string, through Supavisor)");
    }
}
