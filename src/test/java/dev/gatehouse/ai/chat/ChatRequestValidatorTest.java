package dev.gatehouse.ai.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.ai.ProviderWire;
import dev.gatehouse.refusal.Refusal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Clear 400s, naming the parameter, before anything is spent on a request. */
class ChatRequestValidatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ChatRequestValidator validator = new ChatRequestValidator(List.of("gpt-4o-mini", "dev-echo"), 200);

    private Refusal rejection(String json) {
        return catchThrowableOfType(Refusal.class, () -> validator.validate(JSON.readTree(json)));
    }

    private static String withUser(String fields) {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]" + fields + "}";
    }

    @Test
    void aTypicalRequestIsAccepted() {
        String json = """
                {"model":"gpt-4o-mini","temperature":0.7,"top_p":1,"max_tokens":50,"n":1,"stream":true,
                 "stream_options":{"include_usage":true},"stop":["\\n"],"user":"u1",
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},
                 "response_format":{"type":"json_object"},
                 "messages":[{"role":"developer","content":"Be brief."},
                             {"role":"user","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
                             {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
                             {"role":"tool","tool_call_id":"c1","content":"sunny"}]}
                """;

        assertThat(validator.validate(ProviderWire.json(json)).path("model").asText()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void unknownModelListsTheAvailableOnes() {
        Refusal error = rejection("{\"model\":\"gpt-5-turbo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo("model");
        assertThat(error.code()).isEqualTo("model_not_found");
        assertThat(error.getMessage()).contains("gpt-5-turbo", "Available models: gpt-4o-mini, dev-echo");
    }

    @Test
    void missingModelListsTheAvailableOnes() {
        Refusal error = rejection("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(error.param()).isEqualTo("model");
        assertThat(error.getMessage()).contains("gpt-4o-mini, dev-echo");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not an object            | []                                                                                     |
            no messages              | {"model":"gpt-4o-mini"}                                                                | messages
            empty messages           | {"model":"gpt-4o-mini","messages":[]}                                                  | messages
            bad role                 | {"model":"gpt-4o-mini","messages":[{"role":"robot","content":"Hi"}]}                   | messages[0].role
            numeric content          | {"model":"gpt-4o-mini","messages":[{"role":"user","content":42}]}                      | messages[0].content
            missing content          | {"model":"gpt-4o-mini","messages":[{"role":"user"}]}                                   | messages[0].content
            unknown part type        | {"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"input_audio"}]}]} | messages[0].content[0].type
            image in a system prompt | {"model":"gpt-4o-mini","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"u"}}]}]} | messages[0].content[0]
            tool without call id     | {"model":"gpt-4o-mini","messages":[{"role":"tool","content":"x"}]}                     | messages[0].tool_call_id
            tool call without args   | {"model":"gpt-4o-mini","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f"}}]}]} | messages[0].tool_calls[0]
            """)
    void malformedMessagesAreRejectedNamingTheParam(String name, String json, String param) {
        Refusal error = rejection(json);

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.type()).isEqualTo("invalid_request_error");
        assertThat(error.param()).isEqualTo(param);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            n above one            | ,"n":2                           | n
            temperature too high   | ,"temperature":2.5               | temperature
            temperature negative   | ,"temperature":-0.1              | temperature
            temperature as text    | ,"temperature":"hot"             | temperature
            top_p above one        | ,"top_p":1.5                     | top_p
            zero max_tokens        | ,"max_tokens":0                  | max_tokens
            fractional max_tokens  | ,"max_tokens":10.5               | max_tokens
            huge max_tokens        | ,"max_completion_tokens":1e12    | max_completion_tokens
            stream as text         | ,"stream":"yes"                  | stream
            five stop sequences    | ,"stop":["a","b","c","d","e"]    | stop
            tool without a name    | ,"tools":[{"type":"function"}]   | tools[0]
            unknown tool_choice    | ,"tool_choice":"sometimes"       | tool_choice
            unknown response_format| ,"response_format":{"type":"xml"} | response_format.type
            """)
    void outOfRangeParametersAreRejectedNamingTheParam(String name, String fields, String param) {
        Refusal error = rejection(withUser(fields));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo(param);
    }

    @Test
    void oversizeInputIsRejectedWithTheLimit() {
        String longText = "x".repeat(201);

        Refusal error = rejection("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + longText + "\"}]}");

        assertThat(error.param()).isEqualTo("messages");
        assertThat(error.code()).isEqualTo("input_too_long");
        assertThat(error.getMessage()).contains("201", "200");
    }

    @Test
    void inputSizeCountsEveryMessageAndPart() {
        String fifty = "y".repeat(100);
        String json = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"" + fifty + "\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"" + fifty + "\"},{\"type\":\"text\",\"text\":\"z\"}]}]}";

        assertThat(rejection(json).code()).isEqualTo("input_too_long");
    }

    @Test
    void planLimitClampsTheCallersMaxTokens() {
        ChatRequest request = new ChatRequest(ProviderWire.json(withUser(",\"max_tokens\":5000")), "gpt-4o-mini", 800, "r");
        ChatRequest modern = new ChatRequest(ProviderWire.json(withUser(",\"max_completion_tokens\":300")), "gpt-4o-mini", 800, "r");
        ChatRequest absent = new ChatRequest(ProviderWire.json(withUser("")), "gpt-4o-mini", 800, "r");

        assertThat(request.maxTokens(100)).isEqualTo(800);
        assertThat(modern.maxTokens(100)).isEqualTo(300);
        assertThat(absent.maxTokens(100)).isEqualTo(100);
        assertThat(absent.maxTokens(absent.maxOutputTokens())).isEqualTo(800);
    }
}
