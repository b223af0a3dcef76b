package dev.gatehouse.rls;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Builders for the rows RLS tests need, written with trusted rights (the superuser connection, as the
 * service or the seed writes them), committed into the test class's own database. Defaults describe
 * the common case; each test states only what matters to it.
 */
final class Fixtures {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final DataSource db;

    Fixtures(DataSource db) {
        this.db = db;
    }

    /** Signs a user up (the profile trigger runs) and gives them {@code role} as only trusted code can. */
    Persona user(String label, String role) throws SQLException {
        AuthUser u = Users.signUp(db, label);
        if (!role.equals("student")) {
            exec("update public.profiles set role = ? where id = ?", role, u.id());
        }
        return Persona.user(label, u.id(), u.email());
    }

    CourseBuilder course() {
        return new CourseBuilder();
    }

    UUID enrollment(UUID student, UUID course, String status) throws SQLException {
        return id("""
                insert into public.enrollments (student_id, course_id, status, completed_at)
                values (?, ?, ?, case when ? = 'completed' then now() end) returning id""", student, course, status, status);
    }

    UUID lesson(UUID course, boolean preview) throws SQLException {
        return id("""
                insert into public.lessons (course_id, position, title, is_preview)
                values (?, (select coalesce(max(position), 0) + 1 from public.lessons where course_id = ?), 'Lesson', ?)
                returning id""", course, course, preview);
    }

    UUID homework(UUID course) throws SQLException {
        return id("insert into public.homework (course_id, title) values (?, 'Homework') returning id", course);
    }

    UUID submission(UUID homework, UUID student) throws SQLException {
        return id("insert into public.submissions (homework_id, student_id, content) values (?, ?, 'My answer') returning id", homework, student);
    }

    UUID message(UUID course, UUID author) throws SQLException {
        return id("insert into public.messages (course_id, author_id, body) values (?, ?, 'Hello') returning id", course, author);
    }

    UUID review(UUID course, UUID student, int rating) throws SQLException {
        return id("insert into public.reviews (course_id, student_id, rating) values (?, ?, ?) returning id", course, student, rating);
    }

    UUID notification(UUID user) throws SQLException {
        return id("insert into public.notifications (user_id, kind) values (?, 'test.fixture') returning id", user);
    }

    UUID payment(UUID user, UUID course, int amountCents) throws SQLException {
        return id("""
                insert into public.payments (user_id, course_id, kind, amount_cents, status, paid_at)
                values (?, ?, 'course_purchase', ?, 'succeeded', now()) returning id""", user, course, amountCents);
    }

    UUID subscription(UUID user, String plan) throws SQLException {
        return id("""
                insert into public.subscriptions (user_id, plan_id, status, stripe_subscription_id, current_period_start, current_period_end)
                values (?, ?, 'active', ?, now() - interval '1 day', now() + interval '29 days') returning id""",
                user, plan, "sub_fixture_" + COUNTER.incrementAndGet());
    }

    /** A key row as create_api_key() would leave it (only a hash stored). */
    UUID apiKey(UUID user) throws SQLException {
        String key = "gh_" + UUID.randomUUID().toString().replace("-", "");
        return id("""
                insert into public.api_keys (user_id, name, prefix, key_hash, scopes)
                values (?, 'fixture key', left(?, 11), encode(extensions.digest(?, 'sha256'), 'hex'), '{chat}') returning id""",
                user, key, key);
    }

    long aiUsage(UUID user) throws SQLException {
        return (Long) scalar("""
                insert into public.ai_usage (user_id, request_id, model, outcome, total_tokens)
                values (?, ?, 'dev-echo', 'completed', 42) returning id""", user, "req-fixture-" + COUNTER.incrementAndGet());
    }

    long analyticsEvent(UUID user) throws SQLException {
        return (Long) scalar("insert into public.analytics_events (user_id, event) values (?, 'fixture.viewed') returning id", user);
    }

    /** A prompt as the owner writes it through the Data API (its first version is recorded by trigger). */
    UUID prompt(UUID user, String title, String body) throws SQLException {
        return id("insert into public.prompts (user_id, title, body) values (?, ?, ?) returning id", user, title, body);
    }

    long promptVersion(UUID prompt) throws SQLException {
        return (Long) scalar("select id from public.prompt_versions where prompt_id = ? order by version desc limit 1", prompt);
    }

    /** A share row as create_prompt_share() leaves it, for a token the caller keeps. */
    UUID sharedPrompt(UUID prompt, UUID user, String token) throws SQLException {
        return id("""
                insert into public.shared_prompts (prompt_id, user_id, token_hash)
                values (?, ?, encode(extensions.digest(?, 'sha256'), 'hex')) returning id""", prompt, user, token);
    }

    /** A note the user took on a lesson, as the learning platform writes it through the Data API. */
    UUID lessonNote(UUID user, UUID course, UUID lesson) throws SQLException {
        return id("insert into public.lesson_notes (user_id, course_id, lesson_id, body) values (?, ?, ?, 'Remember the few-shot trick') returning id",
                user, course, lesson);
    }

    /** One row of each sales-call workspace table, owned by {@code user}, as the analyser writes them. */
    java.util.Map<String, UUID> salesWorkspace(UUID user) throws SQLException {
        UUID client = id("insert into public.clients (user_id, name) values (?, 'Acme') returning id", user);
        UUID campaign = id("insert into public.campaigns (user_id, name) values (?, 'Spring outreach') returning id", user);
        return java.util.Map.of(
                "client", client,
                "campaign", campaign,
                "signup", id("insert into public.signups (user_id, campaign_id, email) values (?, ?, 'a@example.com') returning id", user, campaign),
                "training_material", id("insert into public.training_materials (user_id, title, kind, storage_path) values (?, 'Deck', 'pdf', ?) returning id",
                        user, user + "/deck.pdf"),
                "call_analysis", id("insert into public.call_analyses (user_id, client_ref, analysis) values (?, ?, '{\"score\": 70}') returning id",
                        user, client));
    }

    /** An object row as the Storage API writes it: owner_id is the uploader's id as text (null for the service). */
    UUID storageObject(String bucket, String name, UUID owner) throws SQLException {
        return id("""
                insert into storage.objects (bucket_id, name, owner, owner_id, metadata)
                values (?, ?, ?, ?, '{"size": 1, "mimetype": "application/octet-stream"}') returning id""",
                bucket, name, owner, owner == null ? null : owner.toString());
    }

    void exec(String sql, Object... params) throws SQLException {
        try (Connection c = db.getConnection()) {
            Postgrest.update(c, sql, params);
        }
    }

    private UUID id(String sql, Object... params) throws SQLException {
        return (UUID) scalar(sql, params);
    }

    private Object scalar(String sql, Object... params) throws SQLException {
        try (Connection c = db.getConnection()) {
            return Postgrest.scalar(c, sql, params);
        }
    }

    final class CourseBuilder {
        private UUID instructor = Seed.INSTRUCTOR;
        private boolean published = true;
        private int priceCents;
        private String title = "Fixture course";
        private String description = "";
        private String category = "testing";
        private Double ratingAvg;
        private Instant publishedAt;

        CourseBuilder taughtBy(UUID instructorId) {
            this.instructor = instructorId;
            return this;
        }

        CourseBuilder published(boolean value) {
            this.published = value;
            return this;
        }

        CourseBuilder draft() {
            return published(false);
        }

        CourseBuilder priceCents(int cents) {
            this.priceCents = cents;
            return this;
        }

        CourseBuilder title(String value) {
            this.title = value;
            return this;
        }

        CourseBuilder description(String value) {
            this.description = value;
            return this;
        }

        CourseBuilder category(String value) {
            this.category = value;
            return this;
        }

        CourseBuilder ratingAvg(double value) {
            this.ratingAvg = value;
            return this;
        }

        CourseBuilder publishedAt(Instant value) {
            this.publishedAt = value;
            return this;
        }

        UUID create() throws SQLException {
            return id("""
                    insert into public.courses (instructor_id, slug, title, description, category, price_cents, is_published,
                                                published_at, rating_avg)
                    values (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?::numeric, 0)) returning id""",
                    instructor, "fixture-" + COUNTER.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8),
                    title, description, category, priceCents, published,
                    publishedAt == null ? null : Timestamp.from(publishedAt), ratingAvg);
        }
    }
}
