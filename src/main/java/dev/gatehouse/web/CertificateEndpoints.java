package dev.gatehouse.web;

import dev.gatehouse.jobs.Certificates;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /certificates/{code}}: public verification of a course-completion certificate (404 for an unknown code). */
public final class CertificateEndpoints {
    private final Certificates certificates;

    public CertificateEndpoints(Certificates certificates) {
        this.certificates = certificates;
    }

    public void verify(Context ctx) {
        Certificates.Verified v = certificates.verify(ctx.pathParam("code"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "certificate");
        out.put("valid", true);
        out.put("code", v.code());
        out.put("student_name", v.studentName());
        out.put("course_title", v.courseTitle());
        out.put("completed_at", v.completedAt().toString());
        out.put("issued_at", v.issuedAt().toString());
        ctx.json(out);
    }
}
