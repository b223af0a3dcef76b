package dev.gatehouse.support;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;

/** Fixture builders for users, plans and subscriptions, written as the service (superuser) would. */
public final class Users {
    private Users() {}

    public static AuthUser signUp(DataSource db, String emailPrefix) throws SQLException {
        try (Connection c = db.getConnection()) {
            return AuthUsers.signUp(c, emailPrefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@test.example");
        }
    }

    /** A plan with the given limits (null = unlimited) that allows raw chat on every test model. */
    public static String plan(DataSource db, Integer monthlyRequests, Long monthlyTokens, int rpm, int maxOutput, int maxStreams) throws SQLException {
        String id = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = db.getConnection()) {
            Postgrest.update(c, """
                    insert into public.plans (id, name, monthly_request_limit, monthly_token_limit, requests_per_minute,
                        max_output_tokens, max_concurrent_streams, allowed_models, allowed_tasks, allow_raw_chat)
                    values (?, ?, ?, ?, ?, ?, ?, array['dev-echo','gpt-4o-mini','claude-haiku'],
                        array['mentor-answer','homework-feedback','prompt-enrichment','sales-call-analysis','roleplay','resume-review'], true)""",
                    id, "Test " + id, monthlyRequests, monthlyTokens, rpm, maxOutput, maxStreams);
        }
        return id;
    }

    /** Puts a user on a plan with an active subscription whose period contains now. */
    public static void subscribe(DataSource db, UUID userId, String planId) throws SQLException {
        try (Connection c = db.getConnection()) {
            Postgrest.update(c, """
                    insert into public.subscriptions (user_id, plan_id, status, stripe_subscription_id, stripe_customer_id,
                        current_period_start, current_period_end)
                    values (?, ?, 'active', ?, ?, now() - interval '1 day', now() + interval '29 days')""",
                    userId, planId, "sub_" + UUID.randomUUID().toString().replace("-", ""), "cus_test");
        }
    }
}
