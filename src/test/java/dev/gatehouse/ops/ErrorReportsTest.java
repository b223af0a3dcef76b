package dev.gatehouse.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.sentry.Breadcrumb;
import io.sentry.SentryEvent;
import io.sentry.protocol.Message;
import io.sentry.protocol.SentryException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Errors go to Sentry (a WireMock ingest speaking Sentry's envelope endpoint) when SENTRY_DSN is set, scrubbed like the logs. */
class ErrorReportsTest {
    private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl";
    private static final String API_KEY = "gh_0123456789abcdefghijklmnop";
    private static final String STRIPE = "sk_test_51Hx0123456789abcdef";
    private static final String WEBHOOK = "whsec_0123456789abcdefABCDEF";

    @Test
    void anErrorLineReachesTheSentryIngestScrubbedOfCredentials() {
        WireMockServer ingest = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        ingest.start();
        ingest.stubFor(post(urlPathMatching("/api/1/envelope/?")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"id\":\"fc6d8c0c43fc4630ad850ee518f1b9d0\"}")));
        try (ErrorReports reports = ErrorReports.start("http://0123456789abcdef@127.0.0.1:" + ingest.port() + "/1", "test")) {
            LoggerFactory.getLogger("dev.gatehouse.test").info("before the failure, with {}", STRIPE);
            LoggerFactory.getLogger("dev.gatehouse.test").error("settlement failed for marker-7731 with " + JWT + " and " + API_KEY,
                    new IllegalStateException("upstream said " + WEBHOOK));

            await().atMost(Duration.ofSeconds(15)).until(() -> ingest.getAllServeEvents().stream()
                    .anyMatch(e -> e.getRequest().getBodyAsString().contains("marker-7731")));
        } finally {
            ingest.stop();
        }

        String sent = String.join("\n", ingest.getAllServeEvents().stream().map(e -> e.getRequest().getBodyAsString()).toList());
        assertThat(sent).contains("settlement failed for marker-7731 with [redacted] and [redacted]")
                .contains("IllegalStateException").contains("upstream said [redacted]")
                .doesNotContain(JWT).doesNotContain(API_KEY).doesNotContain(WEBHOOK).doesNotContain(STRIPE);
        assertThat(ingest.getAllServeEvents().getFirst().getRequest().getHeader("X-Sentry-Auth")).contains("sentry_key=0123456789abcdef");
    }

    @Test
    void beforeSendMasksCredentialsInEveryTextAnEventCarries() {
        SentryEvent event = new SentryEvent();
        Message message = new Message();
        message.setMessage("token " + JWT);
        message.setFormatted("token " + JWT);
        message.setParams(List.of(API_KEY));
        event.setMessage(message);
        SentryException exception = new SentryException();
        exception.setValue("Stripe said " + STRIPE);
        event.setExceptions(List.of(exception));
        event.setBreadcrumbs(new java.util.ArrayList<>(List.of(new Breadcrumb("signed with " + WEBHOOK))));
        event.setTag("request_id", "Bearer " + JWT);
        event.setExtras(new java.util.HashMap<>(Map.of("key", API_KEY)));
        event.getContexts().put("MDC", new java.util.HashMap<>(Map.of("user_id", "a0000000-0000-4000-8000-000000000001", "x", JWT)));

        String scrubbed = ErrorReports.scrub(event).toString() + event.getMessage().getFormatted() + event.getMessage().getMessage()
                + event.getMessage().getParams() + event.getExceptions().getFirst().getValue() + event.getBreadcrumbs().getFirst().getMessage()
                + event.getTags() + event.getExtras() + event.getContexts().get("MDC");

        assertThat(scrubbed).doesNotContain(JWT).doesNotContain(API_KEY).doesNotContain(STRIPE).doesNotContain(WEBHOOK)
                .contains("a0000000-0000-4000-8000-000000000001").contains("Stripe said [redacted]");
    }
}
