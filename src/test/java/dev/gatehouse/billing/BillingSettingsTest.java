package dev.gatehouse.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BillingSettingsTest {
    @TempDir
    Path dataDir;

    @Test
    void withoutStripeTheServiceStartsWithBillingOffAndDevKeepsAWebhookSecret() {
        BillingSettings dev = BillingSettings.load(Map.of(), Mode.DEV, dataDir);
        assertThat(dev.apiConfigured()).isFalse();
        assertThat(dev.webhookSecrets()).singleElement().asString().startsWith("whsec_");
        assertThat(BillingSettings.load(Map.of(), Mode.DEV, dataDir).webhookSecrets()).as("kept across restarts").isEqualTo(dev.webhookSecrets());
        assertThat(Files.exists(dataDir.resolve(DevEnvironment.STRIPE_WEBHOOK_SECRET_FILE))).isTrue();

        BillingSettings production = BillingSettings.load(Map.of(), Mode.PRODUCTION, dataDir.resolve("unused"));
        assertThat(production.apiConfigured()).isFalse();
        assertThat(production.webhookConfigured()).isFalse();
    }

    @Test
    void productionWithAKeyRequiresTheWebhookSecretAndHttpsUrlsNamingEachOne() {
        assertThatThrownBy(() -> BillingSettings.load(Map.of("STRIPE_SECRET_KEY", "sk_live_51Abcdefghijkl", "STRIPE_CHECKOUT_CANCEL_URL", "http://app.example.com/x"),
                Mode.PRODUCTION, dataDir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("STRIPE_WEBHOOK_SECRET is required in production")
                .hasMessageContaining("STRIPE_CHECKOUT_SUCCESS_URL is required")
                .hasMessageContaining("STRIPE_CHECKOUT_CANCEL_URL must be an absolute https URL")
                .hasMessageContaining("STRIPE_PORTAL_RETURN_URL is required");
    }

    @Test
    void malformedKeysAndSecretsAreRefused() {
        assertThatThrownBy(() -> BillingSettings.load(Map.of("STRIPE_SECRET_KEY", "pk_test_publishable", "STRIPE_WEBHOOK_SECRET", "not-a-secret"),
                Mode.DEV, dataDir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("STRIPE_SECRET_KEY must be a Stripe secret or restricted key")
                .hasMessageContaining("STRIPE_WEBHOOK_SECRET must be whsec_");
        assertThatThrownBy(() -> BillingSettings.load(Map.of("STRIPE_SECRET_KEY", "sk_live_51Abcdefghijkl"), Mode.DEV, dataDir))
                .hasMessageContaining("dev mode takes test keys only");
    }

    @Test
    void severalSecretsAreAcceptedWhileOneIsRotated() {
        BillingSettings s = BillingSettings.load(Map.of("STRIPE_WEBHOOK_SECRET", "whsec_oldsecret0123456789, whsec_newsecret0123456789"), Mode.PRODUCTION,
                dataDir);
        assertThat(s.webhookSecrets()).containsExactly("whsec_oldsecret0123456789", "whsec_newsecret0123456789");
    }
}
