package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    @Test
    void noDatabaseUrlMeansDevOnLoopback() {
        Settings s = Settings.load(Map.of());

        assertThat(s.mode()).isEqualTo(Mode.DEV);
        assertThat(s.embeddedDatabase()).isTrue();
        assertThat(s.bindHost()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(8787);
    }

    @Test
    void productionWithoutSecretsReportsEveryMissingSettingAtOnce() {
        assertThatThrownBy(() -> Settings.load(Map.of("GATEHOUSE_MODE", "production", "DB_POOL_SIZE", "zero")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("DATABASE_URL"))
                        .anySatisfy(p -> assertThat(p).contains("SUPABASE_URL").contains("SUPABASE_JWT_SECRET"))
                        .anySatisfy(p -> assertThat(p).startsWith("DB_POOL_SIZE")));
    }

    @Test
    void weakJwtSecretIsRefused() {
        assertThatThrownBy(() -> Settings.load(Map.of("DATABASE_URL", "postgresql://u:p@db.example.com:5432/postgres", "SUPABASE_JWT_SECRET", "short")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString().startsWith("SUPABASE_JWT_SECRET"));
    }

    @Test
    void devModeRefusesANetworkBind() {
        assertThatThrownBy(() -> Settings.load(Map.of("GATEHOUSE_BIND", "0.0.0.0")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString().startsWith("GATEHOUSE_BIND"));
    }

    @Test
    void productionParsesASupabaseConnectionStringWithoutShowingThePassword() {
        Settings s = Settings.load(Map.of(
                "DATABASE_URL", "postgresql://postgres.ref:s3cr%40t@aws-0-eu.pooler.supabase.com:6543/postgres?sslmode=require",
                "SUPABASE_URL", "https://ref.supabase.co/"));

        assertThat(s.mode()).isEqualTo(Mode.PRODUCTION);
        assertThat(s.databaseUrl().jdbcUrl()).isEqualTo("jdbc:postgresql://aws-0-eu.pooler.supabase.com:6543/postgres?sslmode=require");
        assertThat(s.databaseUrl().password()).isEqualTo("s3cr@t");
        assertThat(s.databaseUrl().toString()).doesNotContain("s3cr");
        assertThat(s.jwtIssuer()).isEqualTo("https://ref.supabase.co/auth/v1");
        assertThat(s.bindHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void envFileValuesParseExportsQuotesAndComments() {
        Map<String, String> parsed = EnvFile.parse("""
                # comment
                export GATEHOUSE_PORT=9000
                SUPABASE_URL="https://x.supabase.co"
                DB_POOL_SIZE=5 # inline comment
                """);

        assertThat(parsed).containsEntry("GATEHOUSE_PORT", "9000").containsEntry("SUPABASE_URL", "https://x.supabase.co").containsEntry("DB_POOL_SIZE", "5");
    }
}
