package dev.gatehouse.ai.tasks;

import java.util.List;

/**
 * Every problem found in the task definitions at start, reported together so one edit-and-run
 * fixes them all. Thrown only while loading, never while serving.
 */
public final class TaskDefinitionException extends RuntimeException {
    private final List<String> problems;

    TaskDefinitionException(List<Problem> problems) {
        super("Invalid task definitions:\n  - " + String.join("\n  - ", problems.stream().map(Problem::toString).toList()));
        this.problems = problems.stream().map(Problem::toString).toList();
    }

    public List<String> problems() {
        return problems;
    }
}
