package dev.gatehouse.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import dev.gatehouse.db.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.ZoneOffset;
import dev.gatehouse.storage.ObjectStore;
import javax.sql.DataSource;

/**
 * {@code certificate.issue}: on course completion, a PDF certificate with a verification code is
 * stored under {@code <student_id>/<code>.pdf} in the certificates bucket and linked from the
 * enrollment; then the certificate email is queued. Safe to retry at every step: the code is fixed
 * on the first attempt, the upload overwrites, the email's idempotency key is the enrollment's.
 */
public final class CertificateJob implements Job {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String CODE = """
            update public.enrollments set certificate_code = coalesce(certificate_code, ?)
            where id = ?::uuid and status = 'completed'
            returning certificate_code, student_id, completed_at,
              (select p.display_name from public.profiles p where p.id = student_id),
              (select c.title from public.courses c where c.id = course_id)""";
    private static final String LINK = """
            update public.enrollments set certificate_path = ?, certificate_issued_at = coalesce(certificate_issued_at, now())
            where id = ?::uuid""";
    private static final String MAIL = "select private.enqueue_email(?::uuid, 'certificate_issued', ?::jsonb, ?, false)";

    static final String BUCKET = "certificates";

    private final DataSource db;
    private final ObjectStore store;
    private final String publicUrl;

    /** @param publicUrl the service's public base URL, for the verify link printed on the certificate */
    public CertificateJob(DataSource db, ObjectStore store, String publicUrl) {
        this.db = db;
        this.store = store;
        this.publicUrl = publicUrl;
    }

    @Override
    public String kind() {
        return "certificate.issue";
    }

    @Override
    public Outcome run(JobRow job) throws Exception {
        String enrollment = job.require("enrollment_id");
        String code;
        String student;
        String name;
        String course;
        LocalDate completedOn;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(CODE)) {
            ps.setString(1, newCode());
            ps.setString(2, enrollment);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Outcome.Skip("the enrollment is gone or no longer completed");
                }
                code = rs.getString(1);
                student = rs.getString(2);
                completedOn = LocalDate.ofInstant(rs.getTimestamp(3).toInstant(), ZoneOffset.UTC);
                name = rs.getString(4);
                course = rs.getString(5);
            }
        }
        String verifyUrl = publicUrl + "/certificates/" + code;
        String path = student + "/" + code + ".pdf";
        // replace, not put: a retried job (say, the link below failed) writes the same object again
        store.replace(BUCKET, path, "application/pdf",
                CertificatePdf.render(name == null || name.isBlank() ? "Student" : name, course, completedOn, code, verifyUrl));
        try (Connection c = db.getConnection()) {
            Transaction.run(c, () -> {
                try (PreparedStatement link = c.prepareStatement(LINK); PreparedStatement mail = c.prepareStatement(MAIL)) {
                    link.setString(1, path);
                    link.setString(2, enrollment);
                    link.executeUpdate();
                    mail.setString(1, student);
                    mail.setString(2, JSON.createObjectNode().put("course_title", course).put("certificate_code", code)
                            .put("verify_url", verifyUrl).put("enrollment_id", enrollment).toString());
                    mail.setString(3, "certificate_issued:" + enrollment);
                    mail.execute();
                }
            });
        }
        return new Outcome.Done(null);
    }

    /** GH-XXXX-XXXX-XXXX-XXXX in base32: 80 random bits, unguessable, easy to read aloud. */
    static String newCode() {
        StringBuilder b = new StringBuilder("GH");
        for (int group = 0; group < 4; group++) {
            b.append('-');
            for (int i = 0; i < 4; i++) {
                b.append(BASE32[RANDOM.nextInt(32)]);
            }
        }
        return b.toString();
    }
}
