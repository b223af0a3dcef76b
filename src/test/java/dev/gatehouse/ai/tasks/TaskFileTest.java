package dev.gatehouse.ai.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.refusal.Refusal;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The definition format: what a task author can write, and what stops the service from starting. */
class TaskFileTest {
    private static final String VALID = """
            {"description": "Checks a course code.", "model": "gpt-4o-mini", "max_tokens": 100, "temperature": 0,
             "variables": {"course_code": {"type": "string", "required": true, "max_length": 7, "pattern": "[A-Z]{3}-[0-9]{3}",
                                          "description": "A course code such as CSC-101."}},
             "system": ["You check course codes."],
             "user": ["Check this code.", "{{course_code}}"],
             "output": {"type": "text"}}""";

    @Test
    void validDefinitionLoadsAndRenders() {
        Task task = TaskCatalog.of(Map.of("course-code", VALID)).require("course-code");

        RenderedTask rendered = task.render(TaskBody.empty().with("course_code", "CSC-101").json());

        assertThat(TaskBody.messageContent(rendered.request(), "user")).isEqualTo("Check this code.\n<course_code>CSC-101</course_code>");
        assertThat(TaskBody.messageContent(rendered.request(), "system")).isEqualTo("You check course codes.\n\n" + UserTemplate.DATA_RULE);
    }

    @Test
    void stringNotMatchingItsPatternIsRefused() {
        Task task = TaskCatalog.of(Map.of("course-code", VALID)).require("course-code");

        assertThatThrownBy(() -> task.render(TaskBody.empty().with("course_code", "csc-1x1").json()))
                .isInstanceOfSatisfying(Refusal.class, e -> {
                    assertThat(e.param()).isEqualTo("variables.course_code");
                    assertThat(e.getMessage()).contains("must match the pattern [A-Z]{3}-[0-9]{3}");
                });
    }

    @Test
    void everyProblemInADefinitionIsReportedTogetherWithItsPlace() {
        String broken = """
                {"description": "", "model": "gpt-4o-mini", "max_tokens": 0, "temperature": 3,
                 "variables": {"question": {"type": "string", "max_lenght": 10, "description": "typo"},
                               "unused": {"type": "boolean", "description": "never placed"},
                               "level": {"type": "string", "enum": ["a", "b"], "default": "c", "description": "bad default"}},
                 "system": ["Answer {{question}}."],
                 "user": ["Question: {{question}}", "{{level}}", "{{missing}}"],
                 "output": {"type": "json", "schema": {"type": "object", "properties": {"answer": {"type": "string", "pattern": "x"}},
                                                      "required": [], "additionalProperties": true}}}""";

        assertThatThrownBy(() -> TaskCatalog.of(Map.of("broken", broken))).isInstanceOfSatisfying(TaskDefinitionException.class, e ->
                assertThat(e.problems()).containsExactlyInAnyOrder(
                        "broken.json: description: expected a non-empty string",
                        "broken.json: max_tokens: expected an integer from 1 to 32768",
                        "broken.json: temperature: expected a number from 0 to 2",
                        "broken.json: variables.question.max_lenght: unknown key",
                        "broken.json: variables.question.max_length: expected an integer from 1 to 1000000",
                        "broken.json: variables.level.default: the default is invalid: must be one of \"a\", \"b\", got \"c\"",
                        "broken.json: system[0]: the system prompt takes no placeholders; values go only into tagged sections of the user message",
                        "broken.json: user[0]: a placeholder must stand alone on its line, so its value lands in its own tagged section",
                        "broken.json: user[2]: {{missing}} names no declared variable",
                        "broken.json: user: variable unused is declared but never placed",
                        "broken.json: output.schema.properties.answer.pattern: keyword not supported by the output checker",
                        "broken.json: output.schema.required: strict mode needs every property listed once as required: [answer]",
                        "broken.json: output.schema.additionalProperties: strict mode needs additionalProperties: false"));
    }

    @Test
    void variableNamedLikeTheTurnTagIsRefused() {
        String definition = VALID.replace("course_code", "turn");

        assertThatThrownBy(() -> TaskCatalog.of(Map.of("course-code", definition))).isInstanceOfSatisfying(TaskDefinitionException.class, e ->
                assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("course-code.json: variables.turn:")));
    }

    @Test
    void requiredVariableWithADefaultIsRefused() {
        String definition = VALID.replace("\"required\": true,", "\"required\": true, \"default\": \"CSC-101\",");

        assertThatThrownBy(() -> TaskCatalog.of(Map.of("course-code", definition))).isInstanceOfSatisfying(TaskDefinitionException.class, e ->
                assertThat(e.problems()).containsExactly("course-code.json: variables.course_code.default: a required variable cannot have a default"));
    }

    @Test
    void fileNameThatIsNotAUrlSegmentIsRefused() {
        assertThatThrownBy(() -> TaskCatalog.of(Map.of("Course Code", VALID))).isInstanceOf(TaskDefinitionException.class);
    }

    @Test
    void definitionThatIsNotJsonIsRefused() {
        assertThatThrownBy(() -> TaskCatalog.of(Map.of("course-code", "{\"description\": "))).isInstanceOfSatisfying(TaskDefinitionException.class, e ->
                assertThat(e.problems()).singleElement().asString().startsWith("course-code.json: not valid JSON"));
    }
}
