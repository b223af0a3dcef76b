package dev.gatehouse.ai.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GATEHOUSE_TASKS_DIR: task files that add to or replace the built-in ones, validated at start. */
class TaskFolderTest {
    private static String builtIn(String name) throws Exception {
        try (InputStream in = TaskFolderTest.class.getResourceAsStream("/gateway/tasks/" + name + ".json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aFolderAddsTasksAndReplacesBuiltInOnesByName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mentor-answer.json"), builtIn("mentor-answer").replaceFirst("\"model\"\\s*:\\s*\"[^\"]+\"", "\"model\": \"claude-haiku\""));
        Files.writeString(dir.resolve("study-coach.json"), builtIn("prompt-enrichment"));

        TaskCatalog catalog = TaskCatalog.load(dir);

        assertThat(catalog.names()).contains("study-coach", "resume-review", "mentor-answer").hasSize(TaskCatalog.BUILT_IN.size() + 1);
        assertThat(catalog.require("mentor-answer").model()).isEqualTo("claude-haiku");
        assertThat(TaskCatalog.builtIn().require("mentor-answer").model()).isNotEqualTo("claude-haiku");
    }

    @Test
    void aBrokenTaskFileStopsTheStartNamingIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("broken-task.json"), "{\"description\": \"no prompts\"}");

        assertThatThrownBy(() -> TaskCatalog.load(dir)).isInstanceOf(TaskDefinitionException.class).hasMessageContaining("broken-task");
    }

    @Test
    void aMissingFolderIsAConfigurationError(@TempDir Path dir) {
        assertThatThrownBy(() -> TaskCatalog.load(dir.resolve("nope"))).isInstanceOf(TaskDefinitionException.class).hasMessageContaining("GATEHOUSE_TASKS_DIR");
    }
}
