package dev.gatehouse.ai.tasks;

/** What a task answers with: free text, or JSON that is checked against the task's schema. */
public enum OutputKind {
    TEXT("text"),
    JSON("json");

    private final String wireName;

    OutputKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in JSON ({@code "text"} or {@code "json"}). */
    public String wireName() {
        return wireName;
    }
}
