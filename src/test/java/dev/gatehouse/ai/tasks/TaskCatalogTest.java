package dev.gatehouse.ai.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskCatalogTest {
    private static final TaskCatalog CATALOG = TaskCatalog.builtIn();
    private static final List<String> BUILT_IN_TASKS = List.of(
            "mentor-answer", "homework-feedback", "prompt-enrichment", "sales-call-analysis", "roleplay", "resume-review",
            "market-research");

    @Test
    void builtInCatalogServesThePlatformAndSisterAppTasks() {
        assertThat(CATALOG.names()).containsExactlyElementsOf(BUILT_IN_TASKS);
        BUILT_IN_TASKS.forEach(name -> assertThat(CATALOG.find(name)).as(name).hasValueSatisfying(task -> assertThat(task.name()).isEqualTo(name)));
    }

    @Test
    void unknownTaskIsNotFound() {
        assertThat(CATALOG.find("write-my-essay")).isEmpty();
        assertThatThrownBy(() -> CATALOG.require("write-my-essay")).isInstanceOfSatisfying(Refusal.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.code()).isEqualTo("not_found");
            assertThat(e.getMessage()).contains("write-my-essay", "mentor-answer");
        });
    }

    @Test
    void describeListsEveryBuiltInTaskWithItsVariablesAndOutput() {
        ObjectNode list = CATALOG.describe();

        assertThat(list.get("object").asText()).isEqualTo("list");
        List<String> names = new ArrayList<>();
        list.get("data").forEach(task -> {
            names.add(task.get("name").asText());
            assertThat(task.get("object").asText()).isEqualTo("task");
            assertThat(task.get("description").asText()).isNotBlank();
            assertThat(task.get("model").asText()).isNotBlank();
            assertThat(task.get("max_tokens").asInt()).isPositive();
            assertThat(task.at("/variables/type").asText()).isEqualTo("object");
            assertThat(task.at("/variables/properties")).isNotEmpty();
            assertThat(task.at("/variables/additionalProperties").asBoolean(true)).isFalse();
            assertThat(task.at("/output/type").asText()).isIn("text", "json");
        });
        assertThat(names).containsExactlyElementsOf(BUILT_IN_TASKS);
    }

    @Test
    void describeGivesEachVariableAsJsonSchemaWithLimitsDefaultsAndDescription() {
        JsonNode mentor = described("mentor-answer");

        assertThat(mentor.at("/variables/required")).containsExactly(mentor.at("/variables/required/0"));
        assertThat(mentor.at("/variables/required/0").asText()).isEqualTo("question");
        assertThat(mentor.at("/variables/properties/question/maxLength").asInt()).isEqualTo(4000);
        assertThat(mentor.at("/variables/properties/question/description").asText()).isEqualTo("The learner's question.");
        assertThat(mentor.at("/variables/properties/level/enum").toString()).isEqualTo("[\"beginner\",\"intermediate\",\"advanced\"]");
        assertThat(mentor.at("/variables/properties/level/default").asText()).isEqualTo("beginner");
        assertThat(mentor.at("/variables/properties/hints_only/type").asText()).isEqualTo("boolean");
        assertThat(mentor.get("streaming").asBoolean()).isTrue();
    }

    @Test
    void describeGivesListAndTurnVariablesTheirItemSchemas() {
        JsonNode history = described("roleplay").at("/variables/properties/history");
        JsonNode constraints = described("prompt-enrichment").at("/variables/properties/constraints");

        assertThat(history.get("maxItems").asInt()).isEqualTo(40);
        assertThat(history.at("/items/properties/role/enum").toString()).isEqualTo("[\"user\",\"assistant\"]");
        assertThat(history.at("/items/properties/content/maxLength").asInt()).isEqualTo(4000);
        assertThat(constraints.at("/items/maxLength").asInt()).isEqualTo(300);
    }

    @Test
    void describeShowsJsonTasksTheirOutputSchemaButNoTaskItsPrompts() {
        JsonNode homework = described("homework-feedback");

        assertThat(homework.at("/output/type").asText()).isEqualTo("json");
        assertThat(homework.at("/output/schema/required")).hasSize(4);
        assertThat(homework.get("streaming").asBoolean()).isFalse();
        assertThat(CATALOG.describe().toString()).doesNotContain("teaching assistant", "You are", "data supplied by an end user");
    }

    private static JsonNode described(String name) {
        for (JsonNode task : CATALOG.describe().get("data")) {
            if (task.get("name").asText().equals(name)) {
                return task;
            }
        }
        throw new AssertionError("describe() has no " + name);
    }
}
