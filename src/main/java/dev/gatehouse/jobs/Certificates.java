package dev.gatehouse.jobs;

import dev.gatehouse.refusal.Refusal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import javax.sql.DataSource;

/** Public verification of a certificate code: who completed what, and when. */
public final class Certificates {
    private static final String FIND = """
            select p.display_name, c.title, e.completed_at, e.certificate_issued_at
            from public.enrollments e
            join public.profiles p on p.id = e.student_id
            join public.courses c on c.id = e.course_id
            where e.certificate_code = ? and e.certificate_issued_at is not null and e.status = 'completed'""";

    /** A verified certificate. */
    public record Verified(String code, String studentName, String courseTitle, Instant completedAt, Instant issuedAt) {}

    private final DataSource db;

    public Certificates(DataSource db) {
        this.db = db;
    }

    /** @throws Refusal 404 for an unknown, revoked (refunded) or malformed code */
    public Verified verify(String code) {
        if (code == null || !code.matches("GH-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}")) {
            throw Refusal.notFound("No certificate has this code.");
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, code);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw Refusal.notFound("No certificate has this code.");
                }
                return new Verified(code, rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant());
            }
        } catch (SQLException e) {
            throw new Refusal(503, "service_unavailable", "database_unavailable", null, "Certificates cannot be checked right now.", Map.of("Retry-After", "1"));
        }
    }
}
