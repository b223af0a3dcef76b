package dev.gatehouse.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.tasks.TaskCatalog;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.mentor.ResumeFile;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.storage.ObjectStore;
import dev.gatehouse.storage.StoredObject;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The AI-mentor extension's endpoints: {@code POST /v1/mentor/ask} (the mentor-answer task behind a
 * flat body) and {@code POST /v1/mentor/resume} (an uploaded resume read into text, reviewed by the
 * resume-review task, and stored in the private {@code resumes} bucket under the caller's folder).
 * Both are tasks for admission, so the plan's task quota counts them.
 */
public final class MentorEndpoints {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private final ObjectMapper json;
    private final GatewayEndpoints ai;
    private final TaskCatalog tasks;
    private final ObjectStore store;

    public MentorEndpoints(ObjectMapper json, GatewayEndpoints ai, TaskCatalog tasks, ObjectStore store) {
        this.json = json;
        this.ai = ai;
        this.tasks = tasks;
        this.store = store;
    }

    public void ask(Context ctx) {
        Caller caller = ai.caller(ctx, "tasks");
        ObjectNode body = SisterAppBodies.taskBody(json, ai.body(ctx), Set.of("question"), "question", "question", "context", "lesson_context");
        ai.runTask(ctx, caller, tasks.require("mentor-answer"), body, (output, completion, request) -> {
            ObjectNode out = json.createObjectNode();
            out.put("object", "mentor.answer");
            out.put("answer", output.asText());
            out.put("model", request.alias());
            out.set("usage", completion.body().path("usage"));
            return out;
        });
    }

    public void resume(Context ctx) {
        Caller caller = ai.caller(ctx, "tasks");
        ResumeFile.checkDeclaredLength(ctx.req().getContentLengthLong());
        ResumeFile file = ResumeFile.read(ctx.contentType(), upload(ctx));
        ObjectNode body = json.createObjectNode();
        ObjectNode variables = body.putObject("variables").put("resume", file.text());
        String role = ctx.queryParam("target_role");
        if (role != null && !role.isBlank()) {
            variables.put("target_role", role);
        }
        ai.runTask(ctx, caller, tasks.require("resume-review"), body, (output, completion, request) -> {
            // Stored only once the review exists: a refused or failed call leaves no file behind.
            StoredObject stored = store.put("resumes", caller.userId() + "/" + objectName(file.extension()), file.contentType(), file.bytes());
            ObjectNode out = json.createObjectNode();
            out.put("object", "resume.review");
            out.putObject("file").put("bucket", stored.bucket()).put("path", stored.path()).put("bytes", stored.bytes())
                    .put("content_type", stored.contentType());
            out.put("characters", file.text().length());
            out.put("truncated", file.truncated());
            out.set("review", output);
            out.put("model", request.alias());
            out.set("usage", completion.body().path("usage"));
            return out;
        });
    }

    /** The body, read to at most one byte past the limit, whatever Content-Length claimed. */
    private static byte[] upload(Context ctx) {
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = in.readNBytes(ResumeFile.MAX_BYTES + 1);
            if (bytes.length > ResumeFile.MAX_BYTES) {
                ResumeFile.checkDeclaredLength(bytes.length);
            }
            return bytes;
        } catch (IOException e) {
            throw Refusal.badRequest("file", "The upload could not be read to the end.");
        }
    }

    private static String objectName(String extension) {
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        return "resume-" + STAMP.format(ZonedDateTime.now(ZoneOffset.UTC)) + "-" + HexFormat.of().formatHex(random) + "." + extension;
    }
}
