package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** CORS_ORIGINS: exact origins, the dev default, and what production refuses at start. */
class CorsOriginsTest {
    private static final Map<String, String> PRODUCTION = Map.of(
            "DATABASE_URL", "postgresql://u:p@db.example.com:5432/postgres", "SUPABASE_URL", "https://ref.supabase.co");

    private static Settings production(String origins) {
        Map<String, String> env = new java.util.HashMap<>(PRODUCTION);
        env.put("CORS_ORIGINS", origins);
        return Settings.load(env);
    }

    @Test
    void exactOriginsAreMatchedAsBrowsersSerialiseThem() {
        CorsOrigins o = production("https://App.Example.com/, chrome-extension://abcdefghijklmnopabcdefghijklmnop,https://x.example:8443").corsOrigins();

        assertThat(o.allows("https://app.example.com")).isTrue();
        assertThat(o.allows("chrome-extension://abcdefghijklmnopabcdefghijklmnop")).isTrue();
        assertThat(o.allows("https://x.example:8443")).isTrue();
        assertThat(o.allows("https://x.example")).isFalse();
        assertThat(o.allows("https://app.example.com:443")).isFalse();
        assertThat(o.allows("null")).isFalse();
        assertThat(o.allows(null)).isFalse();
    }

    @Test
    void devAllowsLoopbackOnAnyPortByDefaultAndProductionNothing() {
        CorsOrigins dev = Settings.load(Map.of()).corsOrigins();
        CorsOrigins prod = Settings.load(PRODUCTION).corsOrigins();

        assertThat(dev.allows("http://localhost:5173")).isTrue();
        assertThat(dev.allows("http://127.0.0.1:3000")).isTrue();
        assertThat(dev.allows("http://localhost")).isFalse();
        assertThat(dev.allows("http://localhost:5173/")).isFalse();
        assertThat(dev.allows("http://localhost:99999x")).isFalse();
        assertThat(dev.allows("https://localhost.evil.example:443")).isFalse();
        assertThat(prod.allows("http://localhost:5173")).isFalse();
    }

    @Test
    void productionRefusesWildcardsAndNonOriginsNamingTheVariable() {
        assertThatThrownBy(() -> production("*, http://localhost:*, https://app.example.com/path, ftp://files.example.com, https://*.example.com"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(5)
                        .allSatisfy(p -> assertThat(p).startsWith("CORS_ORIGINS")));
    }

    @Test
    void aPortWildcardOnANonLoopbackHostIsRefusedEvenInDev() {
        assertThatThrownBy(() -> Settings.load(Map.of("CORS_ORIGINS", "https://app.example.com:*")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString().contains("loopback"));
    }
}
