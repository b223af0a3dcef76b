package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The tasks the gateway serves, read and checked once at start. A broken definition stops the
 * service from starting (with every problem listed) rather than failing a user's request later.
 * Immutable; share one instance.
 */
public final class TaskCatalog {
    /** Listed here, not discovered, because a jar's resources cannot be listed portably. */
    static final List<String> BUILT_IN = List.of(
            "mentor-answer", "homework-feedback", "prompt-enrichment", "sales-call-analysis", "roleplay", "resume-review",
            "market-research");
    private static final String RESOURCES = "/gateway/tasks/";

    private final Map<String, Task> tasks;

    private TaskCatalog(List<Task> tasks) {
        Map<String, Task> byName = new LinkedHashMap<>();
        tasks.forEach(t -> byName.put(t.name(), t));
        this.tasks = Collections.unmodifiableMap(byName);
    }

    /**
     * Loads the built-in tasks from {@code gateway/tasks/*.json} on the classpath. Call once while
     * wiring the application.
     *
     * @throws TaskDefinitionException listing every problem in every definition
     */
    public static TaskCatalog builtIn() {
        List<Problem> problems = new ArrayList<>();
        List<Task> tasks = new ArrayList<>();
        for (String name : BUILT_IN) {
            String json = resource(name + ".json", problems);
            Task task = json == null ? null : TaskFile.parse(name, json, problems);
            if (task != null) {
                tasks.add(task);
            }
        }
        if (!problems.isEmpty()) {
            throw new TaskDefinitionException(problems);
        }
        return new TaskCatalog(tasks);
    }

    /**
     * The built-in tasks, with every {@code <name>.json} in {@code dir} added or replacing the
     * built-in task of that name ({@code GATEHOUSE_TASKS_DIR}); null {@code dir} means built-in only.
     * Every definition is validated at once, as for the built-ins.
     *
     * @throws TaskDefinitionException listing every problem in every definition
     */
    public static TaskCatalog load(Path dir) {
        if (dir == null) {
            return builtIn();
        }
        if (!Files.isDirectory(dir)) {
            throw new TaskDefinitionException(List.of(new Problem(dir.toString(), "GATEHOUSE_TASKS_DIR is not a folder")));
        }
        List<Problem> problems = new ArrayList<>();
        Map<String, String> definitions = new LinkedHashMap<>();
        for (String name : BUILT_IN) {
            String json = resource(name + ".json", problems);
            if (json != null) {
                definitions.put(name, json);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                String file = f.getFileName().toString();
                definitions.put(file.substring(0, file.length() - ".json".length()), Files.readString(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading task definitions in " + dir, e);
        }
        if (!problems.isEmpty()) {
            throw new TaskDefinitionException(problems);
        }
        return of(definitions);
    }

    /** Builds a catalog from definitions given as {@code name -> JSON}; for tests of the format. */
    static TaskCatalog of(Map<String, String> definitions) {
        List<Problem> problems = new ArrayList<>();
        List<Task> tasks = new ArrayList<>();
        definitions.forEach((name, json) -> {
            Task task = TaskFile.parse(name, json, problems);
            if (task != null) {
                tasks.add(task);
            }
        });
        if (!problems.isEmpty()) {
            throw new TaskDefinitionException(problems);
        }
        return new TaskCatalog(tasks);
    }

    public List<String> names() {
        return List.copyOf(tasks.keySet());
    }

    public Optional<Task> find(String name) {
        return Optional.ofNullable(tasks.get(name));
    }

    /** @throws Refusal 404 in OpenAI's shape when there is no such task */
    public Task require(String name) {
        Task task = tasks.get(name);
        if (task == null) {
            String shown = name == null ? "" : name.length() > 64 ? name.substring(0, 64) + "…" : name;
            throw Refusal.notFound("No task named '" + shown + "'. GET /v1/tasks lists the tasks: " + String.join(", ", tasks.keySet()) + ".");
        }
        return task;
    }

    /** The body of {@code GET /v1/tasks}: {@code {"object": "list", "data": [task, ...]}}. */
    public ObjectNode describe() {
        ObjectNode list = JsonNodeFactory.instance.objectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        tasks.values().forEach(task -> data.add(task.describe()));
        return list;
    }

    /** The file's text, or null after adding a problem when it is missing. */
    private static String resource(String file, List<Problem> problems) {
        try (InputStream in = TaskCatalog.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) {
                problems.add(new Problem(file, "not found on the classpath under " + RESOURCES));
                return null;
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading task definition " + file, e);
        }
    }
}
