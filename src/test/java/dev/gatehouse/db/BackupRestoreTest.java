package dev.gatehouse.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.support.Postgres15;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * docs/backups.md's self-hosted procedure, run: {@code pg_dump -Fc} of a migrated, seeded database, {@code
 * pg_restore} into a fresh database of the same cluster (where the Supabase roles exist, as the runbook
 * requires), then the restored copy must have the same policies, functions, grants, RLS switches, triggers,
 * migration ledger and rows, and RLS must still filter for {@code anon}.
 *
 * <p>pg_dump refuses a server newer than itself, so the cluster is chosen by the client tools found
 * ({@code GATEHOUSE_PG_BIN}, then {@code /usr/lib/postgresql/<major>/bin}, newest first, then {@code PATH}):
 * tools of the main embedded server's major (17) or newer dump the shared test server; otherwise tools of 15 or
 * newer (Debian 12's {@code postgresql-client}, which {@code .ci/run} installs) dump a second embedded server of
 * major 15 ({@link Postgres15}), migrated and seeded by the same code path. With no usable pg_dump at all the test
 * fails under {@code CI=true} and is skipped, saying so, elsewhere.
 */
class BackupRestoreTest {
    private static final Logger LOG = LoggerFactory.getLogger(BackupRestoreTest.class);
    /** The oldest major with a second embedded server here. */
    private static final int OLDER_MAJOR = 15;

    @TempDir
    Path tmp;

    @Test
    void aDumpRestoredIntoAFreshDatabaseKeepsPoliciesFunctionsAndData() throws Exception {
        int mainMajor = major(TestDatabase.server());
        Optional<Path> mainTools = clientTools(mainMajor);
        Optional<Path> bin = mainTools.isPresent() ? mainTools : clientTools(OLDER_MAJOR);
        if (bin.isEmpty()) {
            String why = "no pg_dump/pg_restore " + OLDER_MAJOR + "+ (GATEHOUSE_PG_BIN, /usr/lib/postgresql/*/bin, PATH):"
                    + " install postgresql-client (.ci/run does)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why);
            }
            assumeTrue(false, why);
        }
        long started = System.nanoTime();
        TestDatabase db = mainTools.isPresent() ? TestDatabase.migrated(2) : TestDatabase.migratedOn(Postgres15.server(), 2);
        EmbeddedDatabase server = db.host();
        LOG.info("backup round trip on PostgreSQL {} with the client tools in {} (database ready in {} ms)", major(server), bin.get(),
                (System.nanoTime() - started) / 1_000_000);
        String restored = db.name() + "_restored";
        try {
            try (Connection c = db.connect()) {
                Postgrest.update(c, "insert into public.analytics_events (user_id, event) select id, 'backup-marker' from auth.users order by id limit 1");
            }
            Map<String, List<String>> before;
            try (Connection c = db.connectAsAdmin()) {
                before = snapshot(c);
            }
            int port = server.port();
            Path dump = tmp.resolve("gatehouse.dump");

            run(bin.get().resolve("pg_dump"), "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", EmbeddedDatabase.ADMIN, "-d", db.name(),
                    "-Fc", "-f", dump.toString());
            try (Connection c = Database.connect(server.adminUrl(EmbeddedDatabase.DATABASE)); Statement s = c.createStatement()) {
                s.execute("create database " + restored);
            }
            run(bin.get().resolve("pg_restore"), "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", EmbeddedDatabase.ADMIN, "-d", restored,
                    "--exit-on-error", dump.toString());

            Map<String, List<String>> after;
            try (Connection c = Database.connect(server.adminUrl(restored))) {
                after = snapshot(c);
                assertThat(Postgrest.scalar(c, "select count(*) from public.analytics_events where event = 'backup-marker'")).isEqualTo(1L);
                assertThat((Long) Postgrest.scalar(c, "select count(*) from public.courses where not is_published")).as("the seed's draft course").isPositive();
                c.setAutoCommit(false);
                Postgrest.update(c, "set local role anon");
                assertThat(Postgrest.scalar(c, "select count(*) from public.courses where not is_published")).as("RLS still hides drafts from anon").isEqualTo(0L);
                c.rollback();
            }
            assertThat(before.get("policies")).isNotEmpty();
            assertThat(before.get("functions")).isNotEmpty();
            assertThat(after).isEqualTo(before);
        } finally {
            try (Connection c = Database.connect(server.adminUrl(EmbeddedDatabase.DATABASE)); Statement s = c.createStatement()) {
                s.execute("drop database if exists " + restored + " with (force)");
            }
            db.close();
        }
    }

    private static int major(EmbeddedDatabase server) throws Exception {
        try (Connection c = Database.connect(server.adminUrl(EmbeddedDatabase.DATABASE))) {
            return ((Number) Postgrest.scalar(c, "select current_setting('server_version_num')::int / 10000")).intValue();
        }
    }

    /** What must survive, each as sorted text rows. */
    private static Map<String, List<String>> snapshot(Connection c) throws Exception {
        return Map.of(
                "policies", rows(c, "select schemaname || '.' || tablename || ' ' || policyname || ' ' || cmd || ' ' || array_to_string(roles, ',')"
                        // without parentheses: pg_dump prints each policy and the restore parses it again, which
                        // flattens nested ANDs ((a AND b) AND c) into one list, so the same expression can come back
                        // grouped differently; its names, operators and operands in order must be the same
                        + " || ' ' || regexp_replace(coalesce(qual, '') || ' ' || coalesce(with_check, ''), '[()]', '', 'g')"
                        + " from pg_policies order by 1"),
                "rls", rows(c, "select n.nspname || '.' || c.relname || ' ' || c.relrowsecurity || c.relforcerowsecurity from pg_class c"
                        + " join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname in ('public', 'private', 'auth', 'storage') order by 1"),
                "functions", rows(c, "select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || p.prosecdef"
                        + " || ' ' || md5(p.prosrc) || ' ' || coalesce(array_to_string(p.proconfig, ','), '') from pg_proc p"
                        + " join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('public', 'private') order by 1"),
                "grants", rows(c, "select table_schema || '.' || table_name || ' ' || grantee || ' ' || privilege_type from information_schema.role_table_grants"
                        + " where table_schema in ('public', 'private') order by 1"),
                "triggers", rows(c, "select tgrelid::regclass || ' ' || tgname from pg_trigger where not tgisinternal order by 1"),
                "ledger", rows(c, "select version from supabase_migrations.schema_migrations order by 1"),
                "rows", rows(c, "select 'plans ' || count(*) from public.plans union all select 'courses ' || count(*) from public.courses"
                        + " union all select 'users ' || count(*) from auth.users union all select 'profiles ' || count(*) from public.profiles"
                        + " union all select 'lessons ' || count(*) from public.lessons union all select 'outbox ' || count(*) from private.email_outbox"));
    }

    private static List<String> rows(Connection c, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> row : Postgrest.rows(c, sql)) {
            out.add(String.valueOf(row.values().iterator().next()));
        }
        return out;
    }

    private static void run(Path tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tool.toString()));
        cmd.addAll(List.of(args));
        long started = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(tool + " finished").isTrue();
        assertThat(p.exitValue()).as(tool.getFileName() + " said: " + out).isZero();
        LOG.info("{} took {} ms", tool.getFileName(), (System.nanoTime() - started) / 1_000_000);
    }

    /** A folder holding pg_dump and pg_restore of at least {@code major}. */
    static Optional<Path> clientTools(int major) throws IOException {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getenv("GATEHOUSE_PG_BIN");
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                versions.map(v -> v.resolve("bin")).sorted(java.util.Comparator.reverseOrder()).forEach(candidates::add);
            }
        }
        for (String dir : String.valueOf(System.getenv("PATH")).split(java.io.File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir));
            }
        }
        for (Path dir : candidates) {
            if (Files.isExecutable(dir.resolve("pg_dump")) && Files.isExecutable(dir.resolve("pg_restore")) && version(dir.resolve("pg_dump")) >= major) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    private static int version(Path pgDump) {
        try {
            Process p = new ProcessBuilder(pgDump.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("\\) (\\d+)").matcher(out);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
