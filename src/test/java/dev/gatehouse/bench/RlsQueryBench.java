package dev.gatehouse.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import dev.gatehouse.db.SqlFiles;
import dev.gatehouse.rls.RlsDataset;
import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Front-end queries as an {@code authenticated} user through RLS against the same query as
 * {@code service_role}, on the {@code bench/rls-data.sql} dataset (100k users, 300k enrollments,
 * 200k submissions, 1.5M progress rows at scale 1).
 *
 * <p>Each query is run as the service (with the owner filter, the result the user should get),
 * as the user with the same filter, and as the user without it (supabase-js clients usually
 * leave the owner to RLS); runs are interleaved, the median of {@code runs} is kept, and one
 * {@code EXPLAIN (ANALYZE, BUFFERS)} of each. Each variant runs two ways, interleaved: one-shot (the
 * statement text sent and planned per request) and prepared as PostgREST runs it ({@link PreparedQuery}).
 * Phases on the same data, in order: the migrations before {@link #FIRST_NEW} ("before"), before
 * {@link #FIRST_LEAN} ("main"), then every bundled migration ("after"). Writes a markdown report.
 *
 * <p>Usage: {@code RlsQueryBench [scale=1] [runs=21] [report=bench/rls-results.md] [phases=main,after]}. With
 * {@code -Drls.bench.hold=<file>} it keeps the database up after measuring (at most 90 minutes, until
 * that file is deleted) and writes its psql URL there, to study plans by hand.
 */
public final class RlsQueryBench {
    /** The first migration of the RLS query-cost change; "before" applies everything older. */
    static final String FIRST_NEW = "20261202600000";
    /** The first migration of the fixed-cost change (the teacher arm a column, no helper call); "main" applies everything older. */
    static final String FIRST_LEAN = "20261206300000";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One front-end query: service SQL (the baseline), the user's with the filter, without it (null: no such variant). */
    record Query(String name, Persona user, String service, String filtered, String unfiltered) {}

    /** Medians: the server's own planning + execution time, and the client's wall clock for the whole query; for a prepared statement, the plans the cache used. */
    record Timing(double medianMs, double clientMs, int rows, String plan, String plans) {}

    /** One way of running a query (one-shot, or prepared as PostgREST runs it): the three variants' timings. */
    record Mode(Timing service, Timing filtered, Timing unfiltered) {
        double worstRatio() {
            double f = filtered.medianMs / service.medianMs;
            return unfiltered == null ? f : Math.max(f, unfiltered.medianMs / service.medianMs);
        }
    }

    record Result(Query query, Mode oneShot, Mode prepared) {}

    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 21;
        Path report = Path.of(args.length > 2 ? args[2] : "bench/rls-results.md");
        List<String> phases = Arrays.asList((args.length > 3 ? args[3] : "main,after").split(","));

        EmbeddedDatabase server = TestDatabase.server();
        String name = "rls_bench";
        try (Connection admin = Database.connect(server.url(EmbeddedDatabase.DATABASE)); Statement s = admin.createStatement()) {
            s.execute("drop database if exists " + name + " with (force)");
            s.execute("create database " + name);
        }
        StringBuilder out = new StringBuilder();
        out.append(header(scale, runs));
        try (Connection c = Database.connect(server.url(name));
                Connection superuser = Database.connect(server.adminUrl(name))) {
            MigrationRunner all = MigrationRunner.bundled();
            MigrationRunner first = switch (phases.getFirst()) {
                case "before" -> upTo(all, FIRST_NEW);
                case "main" -> upTo(all, FIRST_LEAN);
                default -> all;
            };
            first.migrateEmbedded(c, false);
            long t0 = System.nanoTime();
            RlsDataset.generate(superuser, scale);
            double generated = (System.nanoTime() - t0) / 1e9;
            System.out.printf("dataset at scale %s generated in %.1f s%n", scale, generated);
            out.append(String.format("Dataset generated in %.1f s (`bench/rls-data.sql`, scale %s): %s.%n%n", generated, scale, counts(c)));
            for (String phase : phases) {
                if (phase.equals("main")) {
                    upTo(all, FIRST_LEAN).migrateEmbedded(c, false);
                    try (Statement s = superuser.createStatement()) {
                        s.execute("analyze");
                    }
                }
                if (phase.equals("after")) {
                    all.migrateEmbedded(c, false);
                    try (Statement s = superuser.createStatement()) {
                        // vacuum too: a migration's backfill leaves a dead copy of every row it rewrote
                        s.execute("vacuum analyze");
                    }
                }
                List<Result> results = measure(c, queries(scale), runs);
                out.append(section(phase, results));
                System.out.println(section(phase, results));
            }
            if (System.getProperty("rls.bench.hold") != null) {
                System.out.println("holding for psql: " + server.psqlUrl(name) + " ; delete " + System.getProperty("rls.bench.hold") + " to stop");
                Path hold = Path.of(System.getProperty("rls.bench.hold"));
                Files.writeString(hold, server.psqlUrl(name));
                long deadline = System.nanoTime() + 90L * 60 * 1_000_000_000;
                while (Files.exists(hold) && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(1_000_000_000L);
                }
            }
        }
        out.append(String.format("Load average at the end: %s.%n", loadAverage()));
        Files.writeString(report, out.toString());
        System.out.println("wrote " + report);
        System.exit(0);
    }

    /** The bundled migrations older than {@code version}. */
    private static MigrationRunner upTo(MigrationRunner all, String version) {
        return new MigrationRunner(SqlFiles.list("db/compat"),
                all.migrations().stream().filter(m -> m.version().compareTo(version) < 0).toList(), null);
    }

    static List<Query> queries(double scale) {
        Persona student = Persona.user("student", RlsDataset.user(RlsDataset.STUDENT), "user" + RlsDataset.STUDENT + "@bench.example");
        Persona teacher = Persona.user("teacher", RlsDataset.user(RlsDataset.TEACHER), "user" + RlsDataset.TEACHER + "@bench.example");
        String s = "'" + student.userId() + "'";
        String large = "'" + RlsDataset.course(RlsDataset.LARGE_COURSE) + "'";
        String taught = inList(RlsDataset.taughtBy(RlsDataset.TEACHER));
        String enrolled = inList(RlsDataset.enrolledIn(RlsDataset.STUDENT));
        String other = "'" + RlsDataset.course(77) + "'";
        List<Query> q = new ArrayList<>();
        String myEnrollments = """
                select e.id, e.course_id, e.status, e.enrolled_at, c.title, c.slug
                from public.enrollments e left join public.courses c on c.id = e.course_id %s order by e.enrolled_at desc""";
        q.add(new Query("my enrollments (with course title)", student, myEnrollments.formatted("where e.student_id = " + s),
                myEnrollments.formatted("where e.student_id = " + s), myEnrollments.formatted("")));
        String myProgress = "select lesson_id, course_id, completed_at from public.lesson_progress %s";
        q.add(new Query("my lesson progress", student, myProgress.formatted("where student_id = " + s),
                myProgress.formatted("where student_id = " + s), myProgress.formatted("")));
        q.add(new Query("my progress in the large course", student, myProgress.formatted("where course_id = " + large + " and student_id = " + s),
                myProgress.formatted("where course_id = " + large + " and student_id = " + s), myProgress.formatted("where course_id = " + large)));
        String mySubmissions = "select id, homework_id, course_id, submitted_at, score, feedback from public.submissions %s order by submitted_at desc";
        q.add(new Query("my submissions", student, mySubmissions.formatted("where student_id = " + s),
                mySubmissions.formatted("where student_id = " + s), mySubmissions.formatted("")));
        String theirSubmissions = "select id, student_id, homework_id, submitted_at, score from public.submissions %s order by submitted_at desc limit 100";
        q.add(new Query("submissions of my courses (teacher, newest 100)", teacher, theirSubmissions.formatted("where course_id in " + taught),
                theirSubmissions.formatted("where course_id in " + taught), theirSubmissions.formatted("")));
        String roster = "select student_id, status, enrolled_at from public.enrollments where course_id = " + large
                + " order by enrolled_at desc limit 50";
        q.add(new Query("large course roster, first page (teacher)", teacher, roster, roster, null));
        String rosterCount = "select count(*) from public.enrollments where course_id = " + large;
        q.add(new Query("large course roster, exact count (teacher)", teacher, rosterCount, rosterCount, null));
        String courseProgress = "select student_id, lesson_id, completed_at from public.lesson_progress where course_id = " + large
                + " order by completed_at desc limit 100";
        q.add(new Query("large course progress, newest 100 (teacher)", teacher, courseProgress, courseProgress, null));
        String catalogue = "select id, slug, title, price_cents, rating_avg from public.courses %s order by published_at desc nulls last, id limit 24";
        q.add(new Query("course catalogue, first page", student, catalogue.formatted("where is_published"),
                catalogue.formatted("where is_published"), catalogue.formatted("")));
        String bySlug = "select id, title, description, price_cents, rating_avg, rating_count from public.courses where slug = 'course-77'";
        q.add(new Query("course page by slug", student, bySlug, bySlug, null));
        String lessons = "select id, position, title, is_preview from public.lessons where course_id = " + large + " order by position";
        q.add(new Query("lessons of an enrolled course", student, lessons, lessons, null));
        String homework = "select id, title, due_at, max_score from public.homework where course_id = " + large;
        q.add(new Query("homework of an enrolled course", student, homework, homework, null));
        String sessions = "select id, course_id, title, starts_at from public.sessions %s order by starts_at limit 20";
        q.add(new Query("upcoming sessions of my courses", student, sessions.formatted("where course_id in " + enrolled),
                sessions.formatted("where course_id in " + enrolled), sessions.formatted("")));
        String reviews = "select rating, body, created_at from public.reviews where course_id = " + other + " order by created_at desc limit 20";
        q.add(new Query("reviews of a course", student, reviews, reviews, null));
        String profile = "select id, display_name, role from public.profiles where id = " + s;
        q.add(new Query("my profile", student, profile, profile, null));
        return q;
    }

    private static String inList(List<UUID> ids) {
        return ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(", ", "(", ")"));
    }

    static List<Result> measure(Connection c, List<Query> queries, int runs) throws SQLException {
        PreparedQuery.deallocateAll(c);
        ROLE_SETTINGS.clear();
        List<Result> results = new ArrayList<>();
        int n = 0;
        for (Query q : queries) {
            n++;
            Persona service = Persona.serviceRole();
            // one-shot: each request sends the statement text, so the server parses, rewrites and plans it every time
            String[] sql = {q.service, q.filtered, q.unfiltered};
            Persona[] who = {service, q.user, q.user};
            // prepared: one statement per variant (and role) on this connection, as PostgREST's statement cache keeps them
            PreparedQuery[] prepared = new PreparedQuery[3];
            for (int v = 0; v < 3; v++) {
                if (sql[v] != null) {
                    prepared[v] = PreparedQuery.of("rls_q" + n + "_" + v, sql[v]);
                    prepared[v].prepare(c);
                }
            }
            long[][] times = new long[6][runs];
            long[][] client = new long[6][runs];
            for (int warm = 0; warm < 2; warm++) {
                for (int v = 0; v < 3; v++) {
                    if (sql[v] != null) {
                        run(c, who[v], sql[v]);
                    }
                }
            }
            // a pooled connection serves many requests: past the plan cache's five custom plans before measuring
            for (int warm = 0; warm < 6; warm++) {
                for (int v = 0; v < 3; v++) {
                    if (sql[v] != null) {
                        run(c, who[v], prepared[v].execute());
                    }
                }
            }
            for (int i = 0; i < runs; i++) {
                for (int v = 0; v < 3; v++) {
                    if (sql[v] != null) {
                        times[v][i] = run(c, who[v], sql[v]);
                        client[v][i] = wallClock(c, who[v], sql[v]);
                        times[3 + v][i] = run(c, who[v], prepared[v].execute());
                        client[3 + v][i] = wallClock(c, who[v], prepared[v].execute());
                    }
                }
            }
            Timing[] t = new Timing[6];
            for (int v = 0; v < 3; v++) {
                if (sql[v] != null) {
                    int rows = count(c, who[v], sql[v]);
                    t[v] = new Timing(median(times[v]), median(client[v]), rows, explain(c, who[v], sql[v]), null);
                    String plans = prepared[v].plans(c);
                    t[3 + v] = new Timing(median(times[3 + v]), median(client[3 + v]), count(c, who[v], prepared[v].execute()),
                            explain(c, who[v], prepared[v].execute()), plans);
                }
            }
            results.add(new Result(q, new Mode(t[0], t[1], t[2]), new Mode(t[3], t[4], t[5])));
        }
        PreparedQuery.deallocateAll(c);
        return results;
    }

    /**
     * Nanoseconds the server spends planning and executing {@code sql} as {@code who}, as it reports
     * them itself ({@code EXPLAIN (ANALYZE, TIMING OFF)}: no per-node clock reads), in a request-like
     * transaction. Server-side so that the client's own scheduling on a loaded machine stays out.
     */
    private static long run(Connection c, Persona who, String sql) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            enter(c, who);
            try (ResultSet rs = s.executeQuery("explain (analyze, timing off, summary, format json) " + sql)) {
                rs.next();
                JsonNode top = JSON.readTree(rs.getString(1)).get(0);
                return Math.round((top.get("Planning Time").asDouble() + top.get("Execution Time").asDouble()) * 1e6);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("unreadable EXPLAIN output", e);
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    /** Nanoseconds for the whole query as a client sees it: send, plan, execute, read every row. */
    private static long wallClock(Connection c, Persona who, String sql) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            enter(c, who);
            long t0 = System.nanoTime();
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    rs.getObject(1);
                }
            }
            return System.nanoTime() - t0;
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    private static int count(Connection c, Persona who, String sql) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            enter(c, who);
            int n = 0;
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    n++;
                }
            }
            return n;
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    static String explain(Connection c, Persona who, String sql) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            enter(c, who);
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = s.executeQuery("explain (analyze, buffers) " + sql)) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            return plan.toString();
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    /** The impersonated roles' own settings ({@code alter role ... set}), read once per phase. */
    private static final Map<String, List<Map<String, Object>>> ROLE_SETTINGS = new HashMap<>();

    /**
     * As PostgREST starts a request: role and verified claims, transaction-local, then the role's own
     * settings ("impersonated role settings", PostgREST 11.1+: applied per request with
     * {@code set_config(..., true)}).
     */
    private static void enter(Connection c, Persona who) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select set_config('search_path', 'public, extensions', true), set_config('role', ?, true), set_config('request.jwt.claims', ?, true)")) {
            ps.setString(1, who.role());
            ps.setString(2, who.claimsJson());
            ps.execute();
        }
        List<Map<String, Object>> settings = ROLE_SETTINGS.get(who.role());
        if (settings == null) {
            settings = Postgrest.roleSettings(c, who.role());
            ROLE_SETTINGS.put(who.role(), settings);
        }
        Postgrest.applySettings(c, settings);
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double m = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        return m / 1e6;
    }

    private static String counts(Connection c) throws SQLException {
        StringBuilder sb = new StringBuilder();
        for (String t : List.of("profiles", "courses", "lessons", "enrollments", "lesson_progress", "homework", "submissions", "reviews", "sessions")) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from public." + t)) {
                rs.next();
                sb.append(sb.isEmpty() ? "" : ", ").append(String.format("%,d %s", rs.getLong(1), t));
            }
        }
        return sb.toString();
    }

    private static String header(double scale, int runs) {
        var os = ManagementFactory.getOperatingSystemMXBean();
        long memory = ((com.sun.management.OperatingSystemMXBean) os).getTotalMemorySize() >> 30;
        return String.format("""
                # RLS query cost (`bench/rls-queries.sh %s %d`)

                %s, %d cores, %d GiB, JDK %s, embedded PostgreSQL 17 (shared_buffers 128MB, fsync off).
                Load average at the start: %s.

                Two medians of %d interleaved runs each, in a transaction set up as PostgREST sets up a
                request: the server's own planning plus execution time (`EXPLAIN (ANALYZE, TIMING OFF)`,
                which leaves the client and the network out), and the client's wall clock for the whole
                query (send, plan, execute, read every row over JDBC on loopback, as an API request
                would). Ratios are against the service role running the query with the owner filter
                (the rows the user should get). Target: at most 2. Each query runs two ways,
                interleaved: one-shot (its text planned by every request) and prepared as PostgREST
                runs it by default (`db-prepared-statements = true`: filter values as parameters, one
                prepared statement per pooled connection, reused by every request it serves, so
                PostgreSQL's plan cache may keep a generic plan after five custom ones).

                """, scale, runs, Instant.now().toString().substring(0, 16).replace('T', ' ') + " UTC",
                Runtime.getRuntime().availableProcessors(), memory, Runtime.version(), loadAverage(), runs);
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split(" "), 3));
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static String section(String phase, List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(switch (phase) {
            case "before" -> "Before (migrations older than " + FIRST_NEW + ")";
            case "main" -> "Main (migrations older than " + FIRST_LEAN + ")";
            default -> "After (every migration)";
        }).append("\n\n");
        sb.append(table("One-shot (the statement text sent, parsed, planned and run by each request)", results, false));
        sb.append(table("Prepared, as PostgREST runs it (`db-prepared-statements = true`: parameters, one prepared "
                + "statement per pooled connection, measured past its first five executions; the plan cache's choice in the last column)", results, true));
        return sb.toString();
    }

    private static String table(String title, List<Result> results, boolean prepared) {
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(title).append("\n\n");
        sb.append("Each cell: server-side time / client wall clock (ms, medians); ratios in the same order.\n\n");
        sb.append("| query | service role | user, with the filter | ratio | user, without it | ratio | rows |").append(prepared ? " plans (service; user with; without) |" : "").append('\n');
        sb.append("| --- | --- | --- | --- | --- | --- | --- |").append(prepared ? " --- |" : "").append('\n');
        Result worst = results.getFirst();
        for (Result r : results) {
            Mode m = prepared ? r.prepared : r.oneShot;
            if (m.worstRatio() > (prepared ? worst.prepared : worst.oneShot).worstRatio()) {
                worst = r;
            }
            sb.append(String.format("| %s | %s | %s | %s | %s | %s | %d |", r.query.name, ms(m.service), ms(m.filtered),
                    ratio(m.filtered, m.service), m.unfiltered == null ? "" : ms(m.unfiltered),
                    m.unfiltered == null ? "" : ratio(m.unfiltered, m.service), m.service.rows));
            if (prepared) {
                sb.append(' ').append(m.service.plans).append("; ").append(m.filtered.plans)
                        .append(m.unfiltered == null ? "" : "; " + m.unfiltered.plans).append(" |");
            }
            sb.append('\n');
        }
        Mode w = prepared ? worst.prepared : worst.oneShot;
        boolean unfilteredWorst = w.unfiltered != null && w.unfiltered.medianMs / w.service.medianMs >= w.filtered.medianMs / w.service.medianMs;
        Timing slow = unfilteredWorst ? w.unfiltered : w.filtered;
        sb.append(String.format("%nHighest ratio: **%s**, user %s, %.1fx. Its plans (`EXPLAIN (ANALYZE, BUFFERS)`%s):%n%n",
                worst.query.name, unfilteredWorst ? "without the filter" : "with the filter", slow.medianMs / w.service.medianMs,
                prepared ? " of the prepared statement's `EXECUTE`" : ""));
        sb.append("As the user:\n\n```\n").append(slow.plan).append("```\n\nAs the service role:\n\n```\n").append(w.service.plan).append("```\n\n");
        return sb.toString();
    }

    private static String ms(Timing t) {
        return String.format("%.3f / %.3f", t.medianMs, t.clientMs);
    }

    private static String ratio(Timing user, Timing service) {
        return mark(user.medianMs / service.medianMs) + " / " + mark(user.clientMs / service.clientMs);
    }

    private static String mark(double r) {
        return r > 2 ? String.format("**%.1f**", r) : String.format("%.1f", r);
    }
}
