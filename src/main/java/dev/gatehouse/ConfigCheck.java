package dev.gatehouse;

import dev.gatehouse.ai.config.GatewayConfigLoader;
import dev.gatehouse.billing.BillingSettings;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.Mode;
import dev.gatehouse.config.SettingValues;
import dev.gatehouse.config.Settings;
import dev.gatehouse.email.EmailSettings;
import dev.gatehouse.email.HookSignature;
import dev.gatehouse.jobs.JobSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Production's fail-fast: before anything starts (no port, no database connection), every settings record
 * the service will read is loaded, and all their problems are reported in ONE message, so an operator
 * fixes a misconfigured deployment in one round instead of one variable per restart. Each record keeps
 * its own rules; this class only gathers them and adds the checks that span records (dev-only secrets).
 */
public final class ConfigCheck {
    static final String HEADING = "Gatehouse cannot start in production mode (GATEHOUSE_ENV=production) until every problem below is fixed:";

    private ConfigCheck() {}

    /** Does nothing in dev mode (each part validates itself as it starts); in production throws one {@link ConfigException} naming every problem. */
    public static void beforeStart(Map<String, String> env) {
        List<String> problems = problems(env);
        if (!problems.isEmpty()) {
            throw new ConfigException(HEADING, problems);
        }
    }

    /** Every problem of a production configuration, in a stable order; empty in dev mode. */
    static List<String> problems(Map<String, String> env) {
        List<String> modeProblems = new ArrayList<>();
        Mode mode = Settings.mode(env, SettingValues.blankToNull(env.get("DATABASE_URL")) != null, modeProblems);
        if (mode != Mode.PRODUCTION) {
            return List.of();
        }
        // A set: Settings reports the mode problem too, and two records may name the same variable.
        LinkedHashSet<String> problems = new LinkedHashSet<>(modeProblems);
        Path dataDir = Path.of(env.getOrDefault("GATEHOUSE_DATA_DIR", ".gatehouse"));
        gather(problems, () -> Settings.load(env));
        gather(problems, () -> GatewayConfigLoader.load(env, mode));
        gather(problems, () -> BillingSettings.load(env, mode, dataDir));
        gather(problems, () -> EmailSettings.load(env, mode, dataDir));
        gather(problems, () -> JobSettings.load(env, mode, 0));
        gather(problems, () -> HookSignature.parse(env.get("SEND_EMAIL_HOOK_SECRET"), Clock.systemUTC()));
        if (isSupabaseCliDemoKey(SettingValues.blankToNull(env.get("SUPABASE_SERVICE_ROLE_KEY")))) {
            problems.add("SUPABASE_SERVICE_ROLE_KEY is the Supabase CLI's public local-development key (issuer supabase-demo); use your project's service role key");
        }
        return List.copyOf(problems);
    }

    private static void gather(LinkedHashSet<String> problems, Runnable load) {
        try {
            load.run();
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
    }

    /** The local stack's anon and service role keys are JWTs issued by {@code supabase-demo}, signed with its published secret. */
    static boolean isSupabaseCliDemoKey(String key) {
        if (key == null) {
            return false;
        }
        String[] parts = key.split("\\.");
        if (parts.length != 3) {
            return false;
        }
        try {
            String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            return payload.replace(" ", "").contains("\"iss\":\"supabase-demo\"");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
