package dev.gatehouse.ai;

import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.Completion;
import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.chat.TokenSource;
import dev.gatehouse.ai.chat.UsageListener;
import dev.gatehouse.ai.config.GatewayConfigLoader;
import dev.gatehouse.ai.stream.StreamResult;
import static dev.gatehouse.ai.GatewayFixture.ask;
import static dev.gatehouse.ai.GatewayFixture.askStreaming;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.Mode;
import java.util.Map;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The offline model: no network at all, deterministic, labelled, and shaped like a real one. */
class DevEchoModelTest {
    static final String EXPECTED = "[dev-echo — offline development model, not a real AI] You said: What is a monad?";

    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    /** A client that fails the test if anything tries to open a connection. */
    private static OkHttpClient noNetwork() {
        return Gateway.defaultHttpClient().newBuilder().eventListener(new EventListener() {
            @Override
            public void callStart(okhttp3.Call call) {
                throw new AssertionError("dev-echo made a network call to " + call.request().url());
            }
        }).build();
    }

    private Gateway devEcho() {
        return gateways.build(gateway().devEcho("dev-echo").route("dev-echo", "dev-echo").http(noNetwork()));
    }

    @Test
    void answersOfflineWithALabelledEchoAndCountedUsage() {
        Gateway gateway = devEcho();

        Completion completion = gateway.complete(ask(gateway, "dev-echo", "What is a monad?"));

        assertThat(completion.body().at("/choices/0/message/content").asText()).isEqualTo(EXPECTED);
        assertThat(completion.body().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(completion.body().path("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.body().path("model").asText()).isEqualTo("dev-echo");
        assertThat(completion.usage().completionTokens()).isEqualTo(TokenCounter.count(EXPECTED));
        assertThat(completion.usage().source()).isEqualTo(TokenSource.TOKENIZER);
        assertThat(completion.body().at("/usage/total_tokens").asInt()).isEqualTo(completion.usage().totalTokens());
    }

    @Test
    void sameQuestionSameAnswer() {
        Gateway gateway = devEcho();

        String first = gateway.complete(ask(gateway, "dev-echo", "Hello?")).body().at("/choices/0/message/content").asText();
        String second = gateway.complete(ask(gateway, "dev-echo", "Hello?")).body().at("/choices/0/message/content").asText();

        assertThat(first).isEqualTo(second);
    }

    @Test
    void streamsInSeveralChunksWithTheSameTextAndUsage() {
        Gateway gateway = devEcho();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "dev-echo", "What is a monad?", true), caller);

        assertThat(caller.content()).isEqualTo(EXPECTED);
        assertThat(caller.json().stream().filter(c -> c.at("/choices/0/delta/content").isTextual()).count()).isGreaterThan(5);
        assertThat(caller.json().getLast().at("/usage/completion_tokens").asInt()).isEqualTo(TokenCounter.count(EXPECTED));
        assertThat(caller.endedWithDone()).isTrue();
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.usage().completionTokens()).isEqualTo(TokenCounter.count(EXPECTED));
    }

    @Test
    void honoursTheOutputLimit() {
        Gateway gateway = devEcho();
        ChatRequest limited = GatewayFixture.request(gateway,
                "{\"model\":\"dev-echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me everything about monads\"}]}");

        Completion completion = gateway.complete(limited);
        RecordingSink caller = RecordingSink.recording();
        StreamResult streamed = gateway.stream(GatewayFixture.request(gateway,
                "{\"model\":\"dev-echo\",\"stream\":true,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me everything\"}]}"), caller);

        assertThat(completion.usage().completionTokens()).isEqualTo(5);
        assertThat(completion.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(EXPECTED).startsWith(completion.body().at("/choices/0/message/content").asText());
        assertThat(streamed.usage().completionTokens()).isLessThanOrEqualTo(5);
        assertThat(caller.json().getLast().at("/choices/0/finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void callerLeavingMidStreamIsChargedForWhatWasRelayed() {
        Gateway gateway = devEcho();

        StreamResult result = gateway.stream(askStreaming(gateway, "dev-echo", "What is a monad?", false), RecordingSink.disconnectingAfter(3));

        assertThat(result.outcome()).isEqualTo(Outcome.CUT_BY_CALLER);
        assertThat(result.usage().completionTokens()).isPositive().isLessThan(TokenCounter.count(EXPECTED));
    }

    @Test
    void answersForEveryAliasOfTheBuiltInConfigWithoutKeys() {
        Gateway gateway = gateways.track(new Gateway(GatewayConfigLoader.load(Map.of(), Mode.DEV), noNetwork(), UsageListener.NONE));

        assertThat(gateway.servableModels()).contains("dev-echo", "gpt-4o-mini");
        assertThat(gateway.devStandIns()).containsEntry("gpt-4o-mini", "dev-echo");
        assertThat(gateway.complete(ask(gateway, "gpt-4o-mini", "ping")).body().at("/choices/0/message/content").asText()).startsWith("[dev-echo");
    }
}
