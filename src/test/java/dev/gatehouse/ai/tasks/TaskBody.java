package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Builds {@code POST /v1/tasks/{task}} bodies; starts from a valid body for a task and changes one thing. */
final class TaskBody {
    static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode root = JSON.createObjectNode();

    private TaskBody() {
        root.putObject("variables");
    }

    static TaskBody empty() {
        return new TaskBody();
    }

    /** The smallest valid body: every required variable filled, nothing else. */
    static TaskBody validFor(String task) {
        TaskBody body = new TaskBody();
        switch (task) {
            case "mentor-answer" -> body.with("question", "What is a closure?");
            case "homework-feedback" -> body.with("assignment_instructions", "Write a function that reverses a string.")
                    .with("student_submission", "def reverse(s): return s[::-1]");
            case "prompt-enrichment" -> body.with("raw_prompt", "write a blog post about cats");
            case "sales-call-analysis" -> body.with("transcript", "Rep: Hi, thanks for joining.\nProspect: Sure, but the price worries me.");
            case "roleplay" -> body.with("scenario", "A discovery call with a sceptical CFO.")
                    .with("ai_role", "Dana, CFO of a 200-person logistics firm, busy and cost-focused.")
                    .with("learner_message", "Thanks for your time, Dana. What made you take this call?");
            case "resume-review" -> body.with("resume", "Jane Doe. Software engineer with six years of experience building payment systems in Java.");
            case "market-research" -> body.with("market", "Applicant tracking software for mid-sized companies");
            default -> throw new IllegalArgumentException("no fixture for task " + task);
        }
        return body;
    }

    /** Sets a variable; {@code value} may be a String, Number, Boolean, List, Map or null. */
    TaskBody with(String variable, Object value) {
        ((ObjectNode) root.get("variables")).set(variable, JSON.valueToTree(value));
        return this;
    }

    TaskBody without(String variable) {
        ((ObjectNode) root.get("variables")).remove(variable);
        return this;
    }

    /** Sets a top-level field (model, stream, max_tokens, or anything a test wants refused). */
    TaskBody field(String name, Object value) {
        root.set(name, JSON.valueToTree(value));
        return this;
    }

    ObjectNode json() {
        return root.deepCopy();
    }

    static Map<String, String> turn(String role, String content) {
        return Map.of("role", role, "content", content);
    }

    static List<Map<String, String>> turns(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> turn(i % 2 == 0 ? "user" : "assistant", "message " + i)).toList();
    }

    static String messageContent(JsonNode request, String role) {
        for (JsonNode m : request.get("messages")) {
            if (m.get("role").asText().equals(role)) {
                return m.get("content").asText();
            }
        }
        throw new AssertionError("no " + role + " message in " + request);
    }
}
