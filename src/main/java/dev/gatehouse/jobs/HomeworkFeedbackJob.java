package dev.gatehouse.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.Completion;
import dev.gatehouse.ai.Gateway;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.ai.tasks.RenderedTask;
import dev.gatehouse.ai.tasks.Task;
import dev.gatehouse.ai.tasks.TaskCatalog;
import dev.gatehouse.quota.Admission;
import dev.gatehouse.quota.QuotaGate;
import dev.gatehouse.quota.Settlement;
import dev.gatehouse.refusal.Refusal;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@code homework.ai_feedback}: a submission to homework the instructor marked for AI review gets
 * feedback from the {@code homework-feedback} task, through the gateway's own path: the task renders
 * the prompt, admission charges the request (one SQL round trip, limits enforced), the gateway calls
 * the provider with fallback, and the actual usage is settled. The request is charged to the
 * course's instructor, or to {@code JOBS_AI_BILLING_USER_ID} when that is set (a service account
 * with its own plan). The feedback is written as the service (feedback_source 'ai'); the existing
 * triggers then add the student's notification and queue the feedback email.
 */
public final class HomeworkFeedbackJob implements Job {
    static final String TASK = "homework-feedback";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOAD = """
            select s.content, s.graded_at, h.instructions, h.ai_feedback, h.max_score, c.instructor_id
            from public.submissions s
            join public.homework h on h.id = s.homework_id
            join public.courses c on c.id = s.course_id
            where s.id = ?::uuid""";
    private static final String WRITE = """
            update public.submissions set score = ?, feedback = ?, feedback_source = 'ai', graded_by = null
            where id = ?::uuid and graded_at is null""";

    private final DataSource db;
    private final Gateway gateway;
    private final QuotaGate quota;
    private final Task task;
    private final UUID billingUser;

    /** @param billingUser who pays for the AI request; null = the course's instructor */
    public HomeworkFeedbackJob(DataSource db, Gateway gateway, QuotaGate quota, TaskCatalog tasks, UUID billingUser) {
        this.db = db;
        this.gateway = gateway;
        this.quota = quota;
        this.task = tasks.require(TASK);
        this.billingUser = billingUser;
    }

    @Override
    public String kind() {
        return "homework.ai_feedback";
    }

    @Override
    public Outcome run(JobRow job) throws Exception {
        String submissionId = job.require("submission_id");
        String content;
        String instructions;
        BigDecimal maxScore;
        UUID instructor;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(LOAD)) {
            ps.setString(1, submissionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Outcome.Skip("the submission no longer exists");
                }
                if (!rs.getBoolean("ai_feedback")) {
                    return new Outcome.Skip("the homework is not marked for AI review");
                }
                if (rs.getTimestamp("graded_at") != null) {
                    return new Outcome.Skip("already graded");
                }
                content = rs.getString("content");
                instructions = rs.getString("instructions");
                maxScore = rs.getBigDecimal("max_score");
                instructor = rs.getObject("instructor_id", UUID.class);
            }
        }
        ObjectNode body = JSON.createObjectNode();
        body.putObject("variables").put("assignment_instructions", instructions.isBlank() ? "(no instructions given)" : instructions)
                .put("student_submission", content.isBlank() ? "(empty submission)" : content);
        RenderedTask rendered = task.render(body);
        if (!gateway.servableModels().contains(rendered.model()) && !gateway.servableModels().isEmpty()) {
            rendered.request().put("model", gateway.servableModels().getFirst());
        }
        UUID requestId = UUID.randomUUID();
        ChatRequest unbound = gateway.parse(rendered.request(), Integer.MAX_VALUE, requestId.toString());
        int requested = unbound.maxTokens(-1);
        UUID payer = billingUser != null ? billingUser : instructor;
        Admission admission = quota.admit(new QuotaGate.Ask(requestId, payer, null, unbound.alias(), TASK, false,
                gateway.promptTokens(unbound), requested > 0 ? requested : null));
        int granted;
        String plan = admission.limits().planId();
        switch (admission) {
            case Admission.Rejected r -> {
                String reason = "AI request refused for " + payer + ": " + r.reason().code();
                return switch (r.reason()) {
                    case RATE_LIMIT_EXCEEDED, INSUFFICIENT_QUOTA, TOO_MANY_STREAMS ->
                            new Outcome.Defer(reason, Instant.now().plusSeconds(Math.max(r.retryAfterSeconds(), 1)));
                    default -> new Outcome.Fail(reason);
                };
            }
            case Admission.Admitted a -> granted = a.grantedOutputTokens();
        }
        ChatRequest bound = new ChatRequest(unbound.body(), unbound.alias(), Math.max(granted, 1), requestId.toString());
        Completion completion;
        try {
            completion = gateway.complete(bound);
        } catch (Refusal e) {
            quota.settleLater(new Settlement(requestId, "failed", 0, 0, null, 0, "none"));
            return Outcome.retryLater("the gateway refused: " + e.code() + " " + e.getMessage());
        }
        Usage u = completion.usage();
        quota.settleLater(new Settlement(requestId, u.outcome().name().toLowerCase(Locale.ROOT), u.promptTokens(), u.completionTokens(),
                u.deployment(), (int) Math.min(u.latency().toMillis(), Integer.MAX_VALUE), u.source().name().toLowerCase(Locale.ROOT)));
        quota.events().charged(plan, unbound.alias(), u.promptTokens(), u.completionTokens());
        JsonNode output;
        try {
            output = task.parseOutput(completion.body().path("choices").path(0).path("message").path("content").asText(null));
        } catch (Refusal e) {
            return Outcome.retryLater("the model's feedback did not match the task's schema: " + e.getMessage());
        }
        BigDecimal score = BigDecimal.valueOf(Math.clamp(output.path("score").asInt(), 0, 100))
                .multiply(maxScore).divide(BigDecimal.valueOf(100), 2, RoundingMode.HALF_UP);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(WRITE)) {
            ps.setBigDecimal(1, score);
            ps.setString(2, feedback(output));
            ps.setString(3, submissionId);
            return ps.executeUpdate() == 1 ? new Outcome.Done(null) : new Outcome.Skip("graded by the instructor meanwhile");
        }
    }

    /** The feedback text the student reads: the summary, then strengths and improvements as lists. */
    static String feedback(JsonNode output) {
        StringBuilder b = new StringBuilder(output.path("summary").asText("").strip());
        list(b, "Strengths", output.path("strengths"));
        list(b, "To improve", output.path("improvements"));
        String text = b.toString().strip();
        return text.length() <= 20_000 ? text : text.substring(0, 20_000);
    }

    private static void list(StringBuilder b, String title, JsonNode items) {
        if (items.isArray() && !items.isEmpty()) {
            b.append("\n\n").append(title).append(':');
            items.forEach(i -> b.append("\n- ").append(i.asText()));
        }
    }
}
