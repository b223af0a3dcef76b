package dev.gatehouse.ai;

import static dev.gatehouse.ai.GatewayFixture.gateway;
import static dev.gatehouse.ai.GatewayFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gatehouse.refusal.Refusal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What admission reserves for a request's prompt covers everything the provider bills: text, tool
 * and response_format schemas, and images (by OpenAI's tile rule, at its largest when the size is
 * unknown), and the input size limit applies to all of that content, not only messages.
 */
class TokenEstimateTest {
    private final Gateway gateway = gateway().devEcho("dev-echo").route("dev-echo", "dev-echo").build();

    @AfterEach
    void close() {
        gateway.close();
    }

    private static String images(int n, String detail) {
        StringBuilder parts = new StringBuilder("{\"type\":\"text\",\"text\":\"Describe these\"}");
        for (int i = 0; i < n; i++) {
            parts.append(",{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/").append(i).append(".png\"")
                    .append(detail == null ? "" : ",\"detail\":\"" + detail + "\"").append("}}");
        }
        return "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":[" + parts + "]}]}";
    }

    private static String withSchema(int chars) {
        String description = "the quick brown fox ".repeat(chars / 20);
        return "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"out\",\"schema\":{\"type\":\"object\","
                + "\"properties\":{\"a\":{\"type\":\"string\",\"description\":\"" + description + "\"}}}}}}";
    }

    @Test
    void eachImageOfUnknownSizeReservesTheLargestHighDetailTileCount() {
        int tokens = gateway.promptTokens(request(gateway, images(20, null)));

        // 2048x768 after OpenAI's scaling: 4 x 2 tiles of 512 px, 170 tokens each, plus 85
        assertThat(tokens).isGreaterThanOrEqualTo(20 * (85 + 8 * 170));
    }

    @Test
    void aLowDetailImageReservesItsFixedEightyFiveTokens() {
        int withImages = gateway.promptTokens(request(gateway, images(10, "low")));
        int without = gateway.promptTokens(request(gateway, images(0, "low")));

        assertThat(withImages - without).isEqualTo(10 * 85);
    }

    @Test
    void aResponseFormatSchemaIsCountedInThePrompt() {
        int tokens = gateway.promptTokens(request(gateway, withSchema(40_000)));

        assertThat(tokens).isGreaterThan(4_000);
    }

    @Test
    void theInputSizeLimitCoversTheWholeBodysContentNotOnlyMessages() {
        Refusal refusal = catchThrowableOfType(Refusal.class, () -> request(gateway, withSchema(1_400_000)));

        assertThat(refusal).isNotNull();
        assertThat(refusal.status()).isEqualTo(400);
        assertThat(refusal.code()).isEqualTo("input_too_long");
    }
}
