package dev.gatehouse.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * {@code session.meeting_link}, {@code session.meeting_update} and {@code session.meeting_cancel}:
 * a live session created without a link gets a Zoom meeting (its join URL in
 * {@code sessions.meeting_url}, its id in {@code private.session_meetings}); later changes to the
 * title or time move the meeting, and deleting the session deletes it. Without Zoom configured the
 * jobs are skipped. Zoom takes no idempotency key: a crash between Zoom's answer and our write can
 * leave one orphan meeting, never a session with two links.
 */
public final class MeetingLinkJob implements Job {
    private static final String LOAD = """
            select s.title, s.starts_at, s.duration_minutes, s.meeting_url, c.title as course_title,
              (select m.meeting_id from private.session_meetings m where m.session_id = s.id) as meeting_id
            from public.sessions s join public.courses c on c.id = s.course_id where s.id = ?::uuid""";

    private final DataSource db;
    private final ZoomClient zoom;
    private final String kind;

    /** @param zoom null when Zoom is not configured */
    private MeetingLinkJob(DataSource db, ZoomClient zoom, String kind) {
        this.db = db;
        this.zoom = zoom;
        this.kind = kind;
    }

    /** The three session jobs. */
    public static java.util.List<Job> all(DataSource db, ZoomClient zoom) {
        return java.util.List.of(new MeetingLinkJob(db, zoom, "session.meeting_link"), new MeetingLinkJob(db, zoom, "session.meeting_update"),
                new MeetingLinkJob(db, zoom, "session.meeting_cancel"));
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public Outcome run(JobRow job) throws Exception {
        if (zoom == null) {
            return new Outcome.Skip("Zoom is not configured (ZOOM_*)");
        }
        try {
            return switch (kind) {
                case "session.meeting_cancel" -> {
                    zoom.delete(job.require("meeting_id"));
                    yield new Outcome.Done(null);
                }
                default -> createOrUpdate(job);
            };
        } catch (ZoomClient.ZoomException e) {
            return e.transientFailure ? Outcome.retryLater(e.getMessage()) : new Outcome.Fail(e.getMessage());
        }
    }

    private Outcome createOrUpdate(JobRow job) throws Exception {
        String sessionId = job.require("session_id");
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(LOAD)) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Outcome.Skip("the session no longer exists");
                }
                String topic = rs.getString("course_title") + ": " + rs.getString("title");
                Instant start = rs.getTimestamp("starts_at").toInstant();
                int minutes = rs.getInt("duration_minutes");
                String meetingId = rs.getString("meeting_id");
                if (kind.equals("session.meeting_update")) {
                    zoom.update(job.require("meeting_id"), topic, start, minutes);
                    return new Outcome.Done(null);
                }
                if (meetingId != null || rs.getString("meeting_url") != null) {
                    return new Outcome.Skip("the session already has a meeting link");
                }
                JsonNode meeting = zoom.create(topic, start, minutes);
                try (PreparedStatement link = c.prepareStatement("""
                        with m as (insert into private.session_meetings (session_id, meeting_id) values (?::uuid, ?) on conflict do nothing)
                        update public.sessions set meeting_url = ? where id = ?::uuid and meeting_url is null""")) {
                    link.setString(1, sessionId);
                    link.setString(2, meeting.path("id").asText());
                    link.setString(3, meeting.path("join_url").asText());
                    link.setString(4, sessionId);
                    link.executeUpdate();
                }
                return new Outcome.Done(null);
            }
        }
    }
}
