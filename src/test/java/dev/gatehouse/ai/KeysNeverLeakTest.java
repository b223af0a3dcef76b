package dev.gatehouse.ai;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.gatehouse.ai.GatewayFixture.ask;
import static dev.gatehouse.ai.GatewayFixture.askStreaming;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static dev.gatehouse.ai.GatewayFixture.keyOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** Provider keys appear in no log line, no exception and no caller-visible byte, whatever goes wrong. */
class KeysNeverLeakTest {
    @RegisterExtension
    static WireMockExtension upstream = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    @BeforeEach
    void captureLogs() {
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void release() {
        root.detachAppender(logs);
    }

    private List<String> everythingLogged() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : logs.list) {
            lines.add(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                lines.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
        }
        return lines;
    }

    @Test
    void noFailureModeLeaksAKey() {
        upstream.stubFor(post(urlEqualTo("/bad-key/v1/chat/completions")).willReturn(aResponse().withStatus(401)
                .withBody(ProviderWire.openAiError("Incorrect API key provided: " + keyOf("bad-key"), "invalid_request_error", null, "invalid_api_key"))));
        upstream.stubFor(post(urlEqualTo("/reset/v1/chat/completions")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        upstream.stubFor(post(urlEqualTo("/slow/v1/chat/completions")).willReturn(aResponse().withStatus(200).withFixedDelay(1_000)));
        upstream.stubFor(post(urlEqualTo("/anthropic/v1/messages")).willReturn(aResponse().withStatus(529)
                .withBody(ProviderWire.anthropicError("overloaded_error", "Overloaded"))));
        upstream.stubFor(post(urlEqualTo("/cut/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(ProviderWire.openAiStreamCut("partial"))));
        upstream.stubFor(post(urlEqualTo("/picky/v1/chat/completions")).willReturn(aResponse().withStatus(400)
                .withBody(ProviderWire.openAiError("key " + keyOf("picky") + " cannot do that", "invalid_request_error", null, null))));
        Gateway gateway = gateways.build(gateway().attemptTimeoutMs(200)
                .openAi("bad-key", upstream.baseUrl() + "/bad-key/v1")
                .openAi("reset", upstream.baseUrl() + "/reset/v1")
                .openAi("slow", upstream.baseUrl() + "/slow/v1")
                .anthropic("anthropic", upstream.baseUrl() + "/anthropic")
                .openAi("cut", upstream.baseUrl() + "/cut/v1")
                .openAi("picky", upstream.baseUrl() + "/picky/v1")
                .route("everything-fails", "bad-key", "reset", "slow", "anthropic")
                .route("cut", "cut")
                .route("picky", "picky"));
        List<String> keys = List.of(keyOf("bad-key"), keyOf("reset"), keyOf("slow"), keyOf("anthropic"), keyOf("cut"), keyOf("picky"));

        Refusal allFailed = catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "everything-fails", "Hi")));
        Refusal allFailedStreaming = catchThrowableOfType(Refusal.class,
                () -> gateway.stream(askStreaming(gateway, "everything-fails", "Hi", true), RecordingSink.recording()));
        Refusal callerError = catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "picky", "Hi")));
        RecordingSink cutCaller = RecordingSink.recording();
        gateway.stream(askStreaming(gateway, "cut", "Hi", false), cutCaller);

        List<String> visible = new ArrayList<>(everythingLogged());
        for (Refusal e : List.of(allFailed, allFailedStreaming, callerError)) {
            visible.add(e.getMessage());
            visible.add(String.valueOf(e.code()));
            visible.add(String.valueOf(e.param()));
            visible.addAll(e.headers().values());
        }
        visible.addAll(cutCaller.events());
        visible.add(gateway.breakerStates().toString());
        assertThat(logs.list).isNotEmpty();
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("BAD_KEY_KEY")); // the variable is named, its value is not
        for (String key : keys) {
            assertThat(visible).noneMatch(line -> line.contains(key));
            assertThat(visible).noneMatch(line -> line.contains(key.substring(0, 16)));
        }
    }
}
