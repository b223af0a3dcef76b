package dev.gatehouse.ai.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The byte relay gives the caller what the tree path gave, for any body an OpenAI-compatible upstream writes. */
class OpenAiRelayTest {
    private static final Logger log = LoggerFactory.getLogger(OpenAiRelayTest.class);
    private static final int BODIES = 3_000;
    private static final String[] ALIASES = {"gpt-4o-mini", "llama-3.3", "our \"best\" model ü/日本"};

    private static long seed() {
        long seed = Long.getLong("relay.seed", System.nanoTime());
        log.info("OpenAiRelayTest seed {} (rerun with -Drelay.seed={})", seed, seed);
        return seed;
    }

    private static JsonNode tree(byte[] json) throws IOException {
        return OpenAiJson.MAPPER.readTree(json);
    }

    @Test
    void relayedCompletionIsTheTreePathsAnswerWithTheAliasAsModel() throws Exception {
        long seed = seed();
        UpstreamBodies bodies = new UpstreamBodies(seed);
        Random random = new Random(seed);
        int relayed = 0;
        for (int i = 0; i < BODIES; i++) {
            byte[] upstream = bodies.completion();
            String alias = ALIASES[random.nextInt(ALIASES.length)];
            String replay = "seed " + seed + ", body " + i + ": " + new String(upstream, StandardCharsets.UTF_8);

            TreeRelay.Completion before = TreeRelay.completion(upstream.clone(), alias);
            Answer after = OpenAiRelay.completion(upstream, alias);

            if (before.promptTokens() >= 0) {
                relayed++;
                Answer.Relayed bytes = (Answer.Relayed) after;
                assertThat(tree(bytes.json())).as(replay).isEqualTo(before.body());
                assertThat(tree(bytes.json()).path("model").asText()).as(replay).isEqualTo(alias);
                assertThat(new int[] {bytes.promptTokens(), bytes.completionTokens()}).as(replay)
                        .containsExactly(before.promptTokens(), before.completionTokens());
                if (Arrays.equals(upstream, OpenAiJson.bytes(tree(upstream)))) {
                    // Written compactly, as Jackson writes: then the caller's bytes are exactly the tree path's.
                    assertThat(new String(bytes.json(), StandardCharsets.UTF_8)).as(replay)
                            .isEqualTo(new String(TreeRelay.bytes(before.body()), StandardCharsets.UTF_8));
                }
            } else {
                // No countable usage: the gateway finishes the tree (alias, counted usage) as before.
                assertThat(after).as(replay).isInstanceOf(Answer.Tree.class);
                assertThat(((Answer.Tree) after).body().put("model", alias)).as(replay).isEqualTo(before.body());
            }
        }
        assertThat(relayed).as("most generated bodies carry usage").isGreaterThan(BODIES / 2);
    }

    @Test
    void relayedChunkIsTheTreePathsChunkAndCountsTheSame() throws Exception {
        long seed = seed();
        UpstreamBodies bodies = new UpstreamBodies(seed);
        Random random = new Random(seed);
        int withUsage = 0;
        for (int i = 0; i < BODIES; i++) {
            byte[] upstream = bodies.chunk();
            String alias = ALIASES[random.nextInt(ALIASES.length)];
            String replay = "seed " + seed + ", chunk " + i + ": " + new String(upstream, StandardCharsets.UTF_8);

            TreeRelay.Chunk before = TreeRelay.chunk(new String(upstream, StandardCharsets.UTF_8), alias);
            OpenAiRelay.Chunk after = OpenAiRelay.chunk(upstream, alias);

            assertThat(new int[] {after.promptTokens(), after.completionTokens()}).as(replay)
                    .containsExactly(before.promptTokens(), before.completionTokens());
            withUsage += after.promptTokens() >= 0 ? 1 : 0;
            if (before.body() == null) {
                assertThat(after.choices()).as(replay).isZero();
                continue;
            }
            assertThat(after.choices()).as(replay).isPositive();
            assertThat(tree(after.json())).as(replay).isEqualTo(before.body());
            assertThat(tree(after.json()).path("model").asText()).as(replay).isEqualTo(alias);
            assertThat(tree(after.json()).has("usage") || tree(after.json()).has("x_groq")).as(replay).isFalse();
            assertThat(after.id()).as(replay).isEqualTo(before.id());
            assertThat(after.created()).as(replay).isEqualTo(before.created());
            assertThat(after.tokens()).as(replay).isEqualTo(before.tokens());
            assertThat(after.finished()).as(replay).isEqualTo(before.finished());
        }
        assertThat(withUsage).as("some generated chunks report usage").isPositive();
    }

    @Test
    void aTruncatedBodyIsRefusedExactlyWhenTheTreePathRefusedIt() {
        long seed = seed();
        UpstreamBodies bodies = new UpstreamBodies(seed);
        Random random = new Random(seed);
        for (int i = 0; i < BODIES / 3; i++) {
            byte[] whole = random.nextBoolean() ? bodies.completion() : bodies.chunk();
            byte[] upstream = Arrays.copyOf(whole, random.nextInt(whole.length));
            String replay = "seed " + seed + ", body " + i + ": " + new String(upstream, StandardCharsets.UTF_8);

            boolean treeRefused = TreeRelay.completion(upstream.clone(), "a") == null;

            try {
                OpenAiRelay.completion(upstream, "a");
                assertThat(treeRefused).as(replay).isFalse();
            } catch (OpenAiRelay.NotRelayable e) {
                assertThat(treeRefused).as(replay).isTrue();
            }
            if (TreeRelay.chunk(new String(upstream, StandardCharsets.UTF_8), "a") == null) {
                assertThatThrownBy(() -> OpenAiRelay.chunk(upstream, "a")).as(replay).isInstanceOf(OpenAiRelay.NotRelayable.class);
            }
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "not json", "<html><body>502 Bad Gateway</body></html>", "[1,2]", "\"text\"",
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.comp", "{\"object\":\"chat.completion\",\"choices\":[]}",
            "{\"object\":\"chat.completion\",\"choices\":{}}", "{\"choices\":[{\"index\":0,\"text\":\"legacy\"}]}",
            "{\"choices\":[{\"message\":\"a string\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
            "{\"choices\":[{\"message\":{\"content\":\"x\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}"})
    void aCompletionWithoutChoicesZeroMessageIsNotRelayed(String body) {
        assertThatThrownBy(() -> OpenAiRelay.completion(body.getBytes(StandardCharsets.UTF_8), "gpt-4o-mini"))
                .isInstanceOf(OpenAiRelay.NotRelayable.class);
    }

    @Test
    void theProvidersModelIsReplacedWhereverItStandsAndAddedWhenMissing() throws Exception {
        String upstream = """
                {"model":"gpt-4o-mini-2024-07-18","choices":[{"message":{"content":"x","model":"inner"}}],
                 "usage":{"prompt_tokens":1,"completion_tokens":2},"model":{"nested":"gpt-4o-mini-2024-07-18"}}""";

        Answer.Relayed replaced = (Answer.Relayed) OpenAiRelay.completion(upstream.getBytes(StandardCharsets.UTF_8), "alias");
        Answer.Relayed added = (Answer.Relayed) OpenAiRelay.completion(
                "{\"choices\":[{\"message\":{}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}".getBytes(StandardCharsets.UTF_8), "alias");

        String body = new String(replaced.json(), StandardCharsets.UTF_8);
        assertThat(body).doesNotContain("gpt-4o-mini-2024-07-18").contains("\"model\":\"inner\"");
        assertThat(tree(replaced.json()).path("model").asText()).isEqualTo("alias");
        assertThat(new String(added.json(), StandardCharsets.UTF_8))
                .isEqualTo("{\"choices\":[{\"message\":{}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2},\"model\":\"alias\"}");
    }

    @Test
    void aStreamErrorEventIsFlaggedAndAUsageOnlyChunkHasNoChoices() throws Exception {
        OpenAiRelay.Chunk error = OpenAiRelay.chunk("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"
                .getBytes(StandardCharsets.UTF_8), "a");
        OpenAiRelay.Chunk usage = OpenAiRelay.chunk("""
                {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],
                 "x_groq":{"id":"req_1","usage":{"prompt_tokens":12,"completion_tokens":34}}}""".getBytes(StandardCharsets.UTF_8), "a");

        assertThat(error.error()).isTrue();
        assertThat(usage.choices()).isZero();
        assertThat(new int[] {usage.promptTokens(), usage.completionTokens()}).containsExactly(12, 34);
        if (usage.json() == null) {
            fail("a chunk with a choices array is relayable");
        }
    }
}
