package dev.gatehouse.sales;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.db.UserTransaction;
import dev.gatehouse.refusal.Refusal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Saved call analyses, written as their owner through RLS (never with the service's own rights), so
 * the service can file an analysis only where the user could: under the user's own client.
 */
public final class CallAnalyses {
    private static final String INSERT = """
            insert into public.call_analyses (user_id, client_ref, title, transcript, analysis, score, model, request_id)
            values (?, ?, ?, ?, ?::jsonb, ?, ?, ?) returning id""";

    private final DataSource db;

    public CallAnalyses(DataSource db) {
        this.db = db;
    }

    public record NewAnalysis(UUID clientRef, String title, String transcript, JsonNode analysis, String model, String requestId) {}

    /** Refuses (400) a client id the user cannot see, before any AI work is spent on the call. */
    public void requireOwnClient(UUID userId, UUID clientId) {
        boolean visible = run(userId, c -> {
            try (PreparedStatement ps = c.prepareStatement("select exists (select 1 from public.clients where id = ?)")) {
                ps.setObject(1, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
        if (!visible) {
            throw Refusal.badRequest("client_id", "You have no client with id " + clientId + ".");
        }
    }

    public UUID save(UUID userId, NewAnalysis a) {
        return run(userId, c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setObject(1, userId);
                ps.setObject(2, a.clientRef());
                ps.setString(3, a.title());
                ps.setString(4, a.transcript());
                ps.setString(5, a.analysis().toString());
                JsonNode score = a.analysis().path("score");
                if (score.canConvertToInt() && score.asInt() >= 0 && score.asInt() <= 100) {
                    ps.setInt(6, score.asInt());
                } else {
                    ps.setNull(6, Types.SMALLINT);
                }
                ps.setString(7, a.model());
                ps.setString(8, a.requestId());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return (UUID) rs.getObject(1);
                }
            }
        });
    }

    private <T> T run(UUID userId, UserTransaction.Work<T> work) {
        try {
            return UserTransaction.run(db, userId, work);
        } catch (SQLException e) {
            throw switch (e.getSQLState() == null ? "" : e.getSQLState()) {
                case "23503" -> Refusal.badRequest("client_id", "You have no client with this id.");
                case "23514", "22001" -> Refusal.badRequest(null, "The analysis could not be saved: a field is too long or invalid.");
                case "42501" -> Refusal.forbidden("not_allowed", "You may not save this analysis.");
                default -> new IllegalStateException("saving a call analysis failed (" + e.getSQLState() + ")", e);
            };
        }
    }
}
