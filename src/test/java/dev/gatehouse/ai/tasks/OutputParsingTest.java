package dev.gatehouse.ai.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.refusal.Refusal;
import org.junit.jupiter.api.Test;

class OutputParsingTest {
    private static final TaskCatalog CATALOG = TaskCatalog.builtIn();
    private static final Task HOMEWORK = CATALOG.require("homework-feedback");
    private static final Task SALES = CATALOG.require("sales-call-analysis");

    private static final String VALID_FEEDBACK = """
            {"score": 85, "strengths": ["Correct slicing"], "improvements": ["Add a docstring"], "summary": "Good work."}""";

    private static final String VALID_ANALYSIS = """
            {"summary": "Intro call; price is the open question.", "sentiment": "mixed",
             "objections": [{"objection": "Too expensive", "response_quality": "weak", "suggestion": "Anchor on ROI."}],
             "next_steps": ["Send pricing"], "talk_ratio": {"rep_percent": 65, "prospect_percent": 35}, "score": 58}""";

    @Test
    void validJsonAnswerIsReturnedAsTheTaskOutput() {
        JsonNode output = HOMEWORK.parseOutput(VALID_FEEDBACK);

        assertThat(output.get("score").asInt()).isEqualTo(85);
        assertThat(output.get("strengths").get(0).asText()).isEqualTo("Correct slicing");
        assertThat(output.get("summary").asText()).isEqualTo("Good work.");
    }

    @Test
    void nestedObjectsAndEnumsAreChecked() {
        JsonNode output = SALES.parseOutput(VALID_ANALYSIS);

        assertThat(output.at("/objections/0/response_quality").asText()).isEqualTo("weak");
        assertThat(output.at("/talk_ratio/rep_percent").asInt()).isEqualTo(65);
    }

    @Test
    void emptyListsAreValidWhenTheSchemaSetsNoMinimum() {
        JsonNode output = SALES.parseOutput(VALID_ANALYSIS.replaceFirst("\\[\\{.*?}]", "[]"));

        assertThat(output.get("objections")).isEmpty();
    }

    @Test
    void propertiesTheSchemaDoesNotDeclareAreDroppedAndOrderFollowsTheSchema() {
        JsonNode output = HOMEWORK.parseOutput("""
                {"summary": "Good work.", "debug": "chain of thought", "improvements": [], "strengths": [], "score": 70}""");

        assertThat(output.has("debug")).isFalse();
        assertThat(output.fieldNames()).toIterable().containsExactly("score", "strengths", "improvements", "summary");
    }

    @Test
    void aWholeNumberWrittenWithADecimalPointCountsAsAnInteger() {
        JsonNode output = HOMEWORK.parseOutput(VALID_FEEDBACK.replace("85", "85.0"));

        assertThat(output.get("score").isIntegralNumber()).isTrue();
        assertThat(output.get("score").asInt()).isEqualTo(85);
    }

    @Test
    void answerWrappedInOneMarkdownFenceIsAccepted() {
        JsonNode output = HOMEWORK.parseOutput("```json\n" + VALID_FEEDBACK + "\n```");

        assertThat(output.get("score").asInt()).isEqualTo(85);
    }

    @Test
    void answerThatIsNotJsonIsAnUpstreamFailure() {
        Refusal e = invalidOutput(HOMEWORK, "Sure! Here is the feedback: the student did well.");

        assertThat(e.getMessage()).contains("Task homework-feedback: the model's answer was not valid JSON");
    }

    @Test
    void textAroundTheJsonIsAnUpstreamFailure() {
        invalidOutput(HOMEWORK, VALID_FEEDBACK + " Hope this helps!");
    }

    @Test
    void truncatedJsonIsAnUpstreamFailure() {
        invalidOutput(HOMEWORK, VALID_FEEDBACK.substring(0, 40));
    }

    @Test
    void missingRequiredFieldIsAnUpstreamFailureNamingIt() {
        Refusal e = invalidOutput(HOMEWORK, """
                {"score": 85, "strengths": [], "improvements": []}""");

        assertThat(e.getMessage()).contains("output.summary: missing");
    }

    @Test
    void wrongTypesAreUpstreamFailuresNamingEachField() {
        Refusal e = invalidOutput(HOMEWORK, """
                {"score": "85", "strengths": "Correct slicing", "improvements": [1], "summary": "ok"}""");

        assertThat(e.getMessage()).contains("output.score: expected an integer, got a string", "output.strengths: expected a list, got a string",
                "output.improvements[0]: expected a string, got an integer");
    }

    @Test
    void scoreOutOfRangeIsAnUpstreamFailure() {
        Refusal e = invalidOutput(HOMEWORK, VALID_FEEDBACK.replace("85", "140"));

        assertThat(e.getMessage()).contains("output.score: must be from 0 to 100, got 140");
    }

    @Test
    void valueOutsideAnOutputEnumIsAnUpstreamFailureWithItsPath() {
        Refusal e = invalidOutput(SALES, VALID_ANALYSIS.replace("\"weak\"", "\"meh\""));

        assertThat(e.getMessage()).contains("output.objections[0].response_quality: must be one of strong, adequate, weak, missed");
    }

    @Test
    void answerThatIsAListInsteadOfAnObjectIsAnUpstreamFailure() {
        Refusal e = invalidOutput(HOMEWORK, "[" + VALID_FEEDBACK + "]");

        assertThat(e.getMessage()).contains("output: expected an object, got a list");
    }

    @Test
    void emptyOrMissingContentIsAnUpstreamFailure() {
        invalidOutput(HOMEWORK, "");
        invalidOutput(HOMEWORK, null);
        invalidOutput(CATALOG.require("mentor-answer"), null);
    }

    @Test
    void duplicateKeysAreAnUpstreamFailureRatherThanALastOneWinsGuess() {
        invalidOutput(HOMEWORK, VALID_FEEDBACK.replace("\"score\": 85,", "\"score\": 85, \"score\": 10,"));
    }

    @Test
    void textTaskOutputIsTheAssistantContentAsAString() {
        JsonNode output = CATALOG.require("prompt-enrichment").parseOutput("You are a veterinarian. Write a 600-word blog post...");

        assertThat(output.isTextual()).isTrue();
        assertThat(output.asText()).isEqualTo("You are a veterinarian. Write a 600-word blog post...");
    }

    private static Refusal invalidOutput(Task task, String content) {
        Refusal[] caught = new Refusal[1];
        assertThatThrownBy(() -> task.parseOutput(content)).isInstanceOfSatisfying(Refusal.class, e -> {
            assertThat(e.status()).isEqualTo(502);
            assertThat(e.type()).isEqualTo("upstream_error");
            assertThat(e.code()).isEqualTo("invalid_task_output");
            assertThat(e.param()).isNull();
            caught[0] = e;
        });
        return caught[0];
    }
}
