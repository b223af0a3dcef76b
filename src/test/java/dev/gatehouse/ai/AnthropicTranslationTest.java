package dev.gatehouse.ai;

import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.Completion;
import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.chat.TokenSource;
import dev.gatehouse.ai.stream.StreamResult;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.gatehouse.ai.GatewayFixture.ask;
import static dev.gatehouse.ai.GatewayFixture.askStreaming;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static dev.gatehouse.ai.GatewayFixture.keyOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenAI requests in, Anthropic Messages on the wire, OpenAI answers and chunks out. */
class AnthropicTranslationTest {
    @RegisterExtension
    static WireMockExtension upstream = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final String MESSAGES = "/anthropic/v1/messages";
    static final String FALLBACK = "/fallback/v1/chat/completions";

    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    private Gateway anthropicThenOpenAi() {
        return gateways.build(gateway().anthropic("anthropic", upstream.baseUrl() + "/anthropic")
                .openAi("fallback", upstream.baseUrl() + "/fallback/v1")
                .route("claude-haiku", "anthropic", "fallback"));
    }

    private static void anthropicAnswers(ResponseDefinitionBuilder response) {
        upstream.stubFor(post(urlEqualTo(MESSAGES)).willReturn(response));
    }

    private static ResponseDefinitionBuilder sse(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream; charset=utf-8").withBody(body);
    }

    private static ResponseDefinitionBuilder anthropicError(int status, String type, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(ProviderWire.anthropicError(type, message));
    }

    @Test
    void requestIsTranslatedWithSystemImagesToolCallsAndToolResults() {
        anthropicAnswers(okJson(ProviderWire.anthropicMessage("Tomorrow: sunny.")));
        Gateway gateway = anthropicThenOpenAi();

        gateway.complete(GatewayFixture.request(gateway, ProviderWire.resource("openai-request-with-tools.json")));

        upstream.verify(postRequestedFor(urlEqualTo(MESSAGES))
                .withHeader("x-api-key", equalTo(keyOf("anthropic")))
                .withHeader("anthropic-version", equalTo("2023-06-01"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Authorization", absent())
                .withRequestBody(equalToJson(ProviderWire.resource("anthropic-request-with-tools.json"), false, false)));
    }

    @Test
    void textAnswerBecomesAChatCompletion() {
        anthropicAnswers(okJson(ProviderWire.anthropicMessage("Hello! How can I help?")));
        Gateway gateway = anthropicThenOpenAi();

        Completion completion = gateway.complete(ask(gateway, "claude-haiku", "Hi"));

        JsonNode body = completion.body();
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("id").asText()).isEqualTo("chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(body.path("model").asText()).isEqualTo("claude-haiku");
        assertThat(body.at("/choices/0/index").asInt()).isZero();
        assertThat(body.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Hello! How can I help?");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(12);
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(6);
        assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(18);
        assertThat(completion.usage().source()).isEqualTo(TokenSource.UPSTREAM);
    }

    @Test
    void toolUseAnswerBecomesOpenAiToolCallsWithCachedInputInThePrompt() {
        anthropicAnswers(okJson(ProviderWire.resource("anthropic-tool-use-message.json")));
        Gateway gateway = anthropicThenOpenAi();

        Completion completion = gateway.complete(ask(gateway, "claude-haiku", "Weather in SF?"));

        JsonNode message = completion.body().at("/choices/0/message");
        assertThat(message.path("content").asText()).isEqualTo("I'll check the current weather in San Francisco for you.");
        JsonNode call = message.path("tool_calls").get(0);
        assertThat(call.path("id").asText()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(ProviderWire.json(call.at("/function/arguments").asText()))
                .isEqualTo(ProviderWire.json("{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"));
        assertThat(completion.body().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(completion.usage().promptTokens()).isEqualTo(384 + 10 + 6);
        assertThat(completion.usage().completionTokens()).isEqualTo(92);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"end_turn,stop", "stop_sequence,stop", "max_tokens,length", "tool_use,tool_calls", "refusal,content_filter", "pause_turn,stop"})
    void stopReasonsMapToFinishReasons(String stopReason, String finishReason) {
        anthropicAnswers(okJson(ProviderWire.anthropicMessage("x").replace("\"end_turn\"", "\"" + stopReason + "\"")));
        Gateway gateway = anthropicThenOpenAi();

        assertThat(gateway.complete(ask(gateway, "claude-haiku", "Hi")).body().at("/choices/0/finish_reason").asText()).isEqualTo(finishReason);
    }

    @Test
    void outputLimitIsTheCallersClampedToThePlanOrTheDefaultWhenAbsent() throws Exception {
        anthropicAnswers(okJson(ProviderWire.anthropicMessage("ok")));
        Gateway gateway = anthropicThenOpenAi();
        String withoutLimit = "{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        String withLimit = "{\"model\":\"claude-haiku\",\"max_completion_tokens\":200,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

        gateway.complete(gateway.parse(GatewayFixture.JSON.readTree(withoutLimit), 5_000, "r1")); // default 1,024 under a 5,000 plan
        gateway.complete(gateway.parse(GatewayFixture.JSON.readTree(withoutLimit), 300, "r2"));   // default capped by a 300 plan
        gateway.complete(gateway.parse(GatewayFixture.JSON.readTree(withLimit), 5_000, "r3"));    // the caller's own

        List<Integer> sent = upstream.findAll(postRequestedFor(urlEqualTo(MESSAGES))).stream()
                .map(r -> ProviderWire.json(r.getBodyAsString()).path("max_tokens").asInt()).toList();
        assertThat(sent).containsExactly(1_024, 300, 200);
    }

    @Test
    void streamedTextIsTranslatedToChunksWithAFinalUsageChunk() {
        anthropicAnswers(sse(ProviderWire.anthropicStream("Hello", "! How", " can I help?")));
        Gateway gateway = anthropicThenOpenAi();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "claude-haiku", "Hi", true), caller);

        upstream.verify(postRequestedFor(urlEqualTo(MESSAGES)).withRequestBody(matchingJsonPath("$.stream", equalTo("true"))));
        List<JsonNode> chunks = caller.json();
        assertThat(chunks.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.path("id").asText()).isEqualTo("chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL");
            assertThat(c.path("model").asText()).isEqualTo("claude-haiku");
            assertThat(c.path("created").asLong()).isPositive();
        });
        assertThat(caller.content()).isEqualTo("Hello! How can I help?");
        assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.getLast().path("choices")).isEmpty();
        assertThat(chunks.getLast().at("/usage/prompt_tokens").asInt()).isEqualTo(25);
        assertThat(chunks.getLast().at("/usage/completion_tokens").asInt()).isEqualTo(15);
        assertThat(caller.endedWithDone()).isTrue();
        assertThat(result.usage().source()).isEqualTo(TokenSource.UPSTREAM);
    }

    @Test
    void streamedToolUseBecomesToolCallDeltas() {
        anthropicAnswers(sse(ProviderWire.resource("anthropic-tool-use-stream.txt")));
        Gateway gateway = anthropicThenOpenAi();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "claude-haiku", "Weather in SF?", false), caller);

        assertThat(caller.content()).isEqualTo("Okay, let's check the weather for San Francisco, CA:");
        List<JsonNode> callDeltas = caller.json().stream().filter(c -> c.at("/choices/0/delta/tool_calls").isArray())
                .map(c -> c.at("/choices/0/delta/tool_calls/0")).toList();
        JsonNode opening = callDeltas.getFirst();
        assertThat(opening.path("index").asInt()).isZero();
        assertThat(opening.path("id").asText()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
        assertThat(opening.path("type").asText()).isEqualTo("function");
        assertThat(opening.at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(callDeltas).allSatisfy(d -> assertThat(d.path("index").asInt()).isZero());
        String arguments = callDeltas.stream().map(d -> d.at("/function/arguments").asText()).reduce("", String::concat);
        assertThat(ProviderWire.json(arguments)).isEqualTo(ProviderWire.json("{\"location\":\"San Francisco, CA\",\"unit\":\"fahrenheit\"}"));
        assertThat(caller.json().getLast().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(result.usage().promptTokens()).isEqualTo(472 + 100);
        assertThat(result.usage().completionTokens()).isEqualTo(89);
    }

    @Test
    void toolCallArgumentsThatAreNotAJsonObjectAreTheCallersError() {
        upstream.stubFor(post(urlEqualTo(FALLBACK)).willReturn(okJson(ProviderWire.openAiCompletion("never"))));
        Gateway gateway = anthropicThenOpenAi();
        ChatRequest request = GatewayFixture.request(gateway, """
                {"model":"claude-haiku","messages":[{"role":"user","content":"Hi"},
                 {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"not json"}}]},
                 {"role":"tool","tool_call_id":"c1","content":"x"}]}
                """);

        Refusal error = catchThrowableOfType(Refusal.class, () -> gateway.complete(request));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
        assertThat(upstream.getAllServeEvents()).isEmpty();
        assertThat(gateway.breakerStates()).containsEntry("anthropic", "CLOSED");
    }

    @Test
    void overloaded529FallsBackToTheNextDeployment() {
        anthropicAnswers(anthropicError(529, "overloaded_error", "Overloaded"));
        upstream.stubFor(post(urlEqualTo(FALLBACK)).willReturn(okJson(ProviderWire.openAiCompletion("from OpenAI"))));
        Gateway gateway = anthropicThenOpenAi();

        Completion completion = gateway.complete(ask(gateway, "claude-haiku", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("fallback");
        assertThat(completion.body().path("model").asText()).isEqualTo("claude-haiku");
    }

    @Test
    void rateLimitFallsBackToTheNextDeployment() {
        anthropicAnswers(anthropicError(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
                .withHeader("retry-after", "40"));
        upstream.stubFor(post(urlEqualTo(FALLBACK)).willReturn(okJson(ProviderWire.openAiCompletion("from OpenAI"))));
        Gateway gateway = anthropicThenOpenAi();

        assertThat(gateway.complete(ask(gateway, "claude-haiku", "Hi")).usage().deployment()).isEqualTo("fallback");
    }

    @Test
    void invalidRequestIsTheCallersErrorAndNotFallenBack() {
        anthropicAnswers(anthropicError(400, "invalid_request_error", "messages.0.content: Input should be a valid list"));
        upstream.stubFor(post(urlEqualTo(FALLBACK)).willReturn(okJson(ProviderWire.openAiCompletion("never"))));
        Gateway gateway = anthropicThenOpenAi();

        Refusal error = catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "claude-haiku", "Hi")));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.getMessage()).doesNotContain("Input should be");
        upstream.verify(0, postRequestedFor(urlEqualTo(FALLBACK)));
    }

    @Test
    void overloadedErrorEventBeforeAnyContentStillFallsBack() {
        anthropicAnswers(sse(ProviderWire.anthropicEvent("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"content\":[],\"model\":\"" + ProviderWire.ANTHROPIC_MODEL + "\",\"stop_reason\":null,\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}")
                + ProviderWire.anthropicEvent("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        upstream.stubFor(post(urlEqualTo(FALLBACK)).willReturn(sse(ProviderWire.openAiStream("from", " OpenAI"))));
        Gateway gateway = anthropicThenOpenAi();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "claude-haiku", "Hi", false), caller);

        assertThat(result.usage().deployment()).isEqualTo("fallback");
        assertThat(caller.content()).isEqualTo("from OpenAI");
    }

    @Test
    void overloadedErrorEventMidStreamEndsWithAnErrorEvent() {
        String stream = ProviderWire.anthropicStream("Once upon", " a time");
        String cut = stream.substring(0, stream.indexOf("event: content_block_stop"))
                + ProviderWire.anthropicEvent("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        anthropicAnswers(sse(cut));
        Gateway gateway = anthropicThenOpenAi();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "claude-haiku", "Tell a story", false), caller);

        assertThat(caller.content()).isEqualTo("Once upon a time");
        assertThat(caller.json().getLast().at("/error/code").asText()).isEqualTo("upstream_error");
        assertThat(caller.endedWithDone()).isFalse();
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED_AFTER_FIRST_BYTE);
        assertThat(result.usage().promptTokens()).isEqualTo(25); // from message_start
        assertThat(result.usage().completionTokens()).isEqualTo(TokenCounter.count("Once upon") + TokenCounter.count(" a time"));
        upstream.verify(0, postRequestedFor(urlEqualTo(FALLBACK)));
    }
}
