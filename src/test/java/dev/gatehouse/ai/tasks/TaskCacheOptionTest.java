package dev.gatehouse.ai.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A task file's optional {@code cache} block and the version that keys cached results. */
class TaskCacheOptionTest {
    private static final String BASE = """
            {"description": "Says hi.", "model": "gpt-4o-mini", "max_tokens": 100, "temperature": 0,%s
             "variables": {"name": {"type": "string", "required": true, "max_length": 50, "description": "Who."}},
             "system": ["You greet people."], "user": ["Greet.", "{{name}}"], "output": {"type": "text"}}""";

    @Test
    void aTaskWithoutACacheBlockIsNotCachedAndOneWithItHasItsTtl() {
        assertThat(task("").cacheTtl()).isNull();
        assertThat(task(" \"cache\": {\"ttl_seconds\": 3600},").cacheTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(TaskCatalog.builtIn().require("sales-call-analysis").cacheTtl()).isEqualTo(Duration.ofDays(1));
        assertThat(TaskCatalog.builtIn().require("mentor-answer").cacheTtl()).isNull();
    }

    @Test
    void aBadCacheBlockStopsTheCatalogFromLoadingAndSaysWhere() {
        for (String bad : new String[] {" \"cache\": {\"ttl_seconds\": 5},", " \"cache\": {\"ttl\": 60},", " \"cache\": true,"}) {
            assertThatThrownBy(() -> task(bad)).as(bad).isInstanceOf(TaskDefinitionException.class).hasMessageContaining("cache");
        }
    }

    @Test
    void anyEditOfTheFileChangesTheVersionSoOldResultsAreNotReused() {
        Task one = task(" \"cache\": {\"ttl_seconds\": 3600},");
        Task same = task(" \"cache\": {\"ttl_seconds\": 3600},");
        Task edited = TaskCatalog.of(Map.of("greet", BASE.formatted(" \"cache\": {\"ttl_seconds\": 3600},").replace("You greet people.", "You greet people warmly.")))
                .require("greet");

        assertThat(one.version()).isEqualTo(same.version()).isNotEqualTo(edited.version());
    }

    private static Task task(String cache) {
        return TaskCatalog.of(Map.of("greet", BASE.formatted(cache))).require("greet");
    }
}
