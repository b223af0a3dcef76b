package dev.gatehouse.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.db.MigrationRunner.Migration;
import dev.gatehouse.db.SqlFiles.SqlFile;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MigrationRunnerTest {
    private static final SqlFile COMPAT = new SqlFile("001_marker.sql", "create schema compat_marker;");
    private static final Migration FIRST = new Migration("20260101000000", "first", """
            -- a comment; with a semicolon
            create table public.one (id int primary key, note text default 'a;b');
            create function public.f() returns int language sql as $$ select 1; $$;
            """);
    private static final Migration SECOND = new Migration("20260102000000", "second", "create table public.two (id int);");

    @Test
    void appliesEachMigrationOnceAndRecordsItInTheCliLedger() throws SQLException {
        try (TestDatabase db = TestDatabase.empty(); Connection c = db.connect()) {
            MigrationRunner runner = new MigrationRunner(List.of(COMPAT), List.of(FIRST, SECOND), null);

            MigrationRunner.Report first = runner.migrate(c, false);
            MigrationRunner.Report second = runner.migrate(c, false);

            assertThat(first.migrationsApplied()).containsExactly("20260101000000_first", "20260102000000_second");
            assertThat(first.compatApplied()).containsExactly("001_marker.sql");
            assertThat(second.migrationsApplied()).isEmpty();
            assertThat(second.compatApplied()).isEmpty();
            var ledger = Postgrest.rows(c, "select version, name, array_length(statements, 1) as n from supabase_migrations.schema_migrations order by version");
            assertThat(ledger).extracting(r -> r.get("version")).containsExactly("20260101000000", "20260102000000");
            assertThat(ledger).extracting(r -> r.get("name")).containsExactly("first", "second");
            assertThat(ledger.getFirst().get("n")).isEqualTo(2);
        }
    }

    @Test
    void refusesAMigrationChangedAfterItWasAppliedNamingTheFile() throws SQLException {
        try (TestDatabase db = TestDatabase.empty(); Connection c = db.connect()) {
            new MigrationRunner(List.of(), List.of(FIRST), null).migrate(c, false);
            Migration edited = new Migration(FIRST.version(), FIRST.name(), FIRST.sql() + "\ncreate table public.sneaky (id int);");

            assertThatThrownBy(() -> new MigrationRunner(List.of(), List.of(edited, SECOND), null).migrate(c, false))
                    .isInstanceOf(MigrationException.class)
                    .hasMessageContaining("20260101000000_first.sql")
                    .hasMessageContaining("changed after it was applied");
            assertThat(Postgrest.scalar(c, "select to_regclass('public.two') is null")).isEqualTo(true);
        }
    }

    @Test
    void whitespaceOnlyEditsAreNotAChange() throws SQLException {
        try (TestDatabase db = TestDatabase.empty(); Connection c = db.connect()) {
            new MigrationRunner(List.of(), List.of(FIRST), null).migrate(c, false);
            Migration reformatted = new Migration(FIRST.version(), FIRST.name(), FIRST.sql().replace("\n", "\n\n  "));

            MigrationRunner.Report r = new MigrationRunner(List.of(), List.of(reformatted), null).migrate(c, false);

            assertThat(r.migrationsApplied()).isEmpty();
        }
    }

    @Test
    void aFailingMigrationLeavesNothingOfItselfBehind() throws SQLException {
        try (TestDatabase db = TestDatabase.empty(); Connection c = db.connect()) {
            Migration broken = new Migration("20260103000000", "broken", "create table public.half (id int); select 1/0;");

            assertThatThrownBy(() -> new MigrationRunner(List.of(), List.of(FIRST, broken), null).migrate(c, false))
                    .isInstanceOf(MigrationException.class)
                    .hasMessageContaining("20260103000000_broken.sql");
            assertThat(Postgrest.scalar(c, "select to_regclass('public.one') is not null")).isEqualTo(true);
            assertThat(Postgrest.scalar(c, "select to_regclass('public.half') is null")).isEqualTo(true);
            assertThat(Postgrest.scalar(c, "select count(*) from supabase_migrations.schema_migrations where version = '20260103000000'")).isEqualTo(0L);
        }
    }

    @Test
    void aRealSupabaseDatabaseKeepsItsOwnSchemasUntouched() throws SQLException {
        try (TestDatabase db = TestDatabase.empty(); Connection c = db.connect()) {
            Postgrest.update(c, "create schema auth");
            Postgrest.update(c, "create table auth.users (id uuid primary key)");

            MigrationRunner.Report r = new MigrationRunner(List.of(COMPAT), List.of(SECOND), null).migrate(c, false);

            assertThat(r.supabaseDetected()).isTrue();
            assertThat(r.compatApplied()).isEmpty();
            assertThat(Postgrest.scalar(c, "select to_regnamespace('compat_marker') is null")).isEqualTo(true);
            assertThat(Postgrest.scalar(c, "select to_regnamespace('gatehouse_compat') is null")).isEqualTo(true);
            assertThat(r.migrationsApplied()).containsExactly("20260102000000_second");
        }
    }

    @Test
    void seedIsAppliedOnceAndRecorded() throws SQLException {
        try (TestDatabase db = TestDatabase.empty(); Connection c = db.connect()) {
            SqlFile seed = new SqlFile("seed.sql", "insert into public.two values (42);");
            MigrationRunner runner = new MigrationRunner(List.of(), List.of(SECOND), seed);

            assertThat(runner.migrate(c, true).seeded()).isTrue();
            assertThat(runner.migrate(c, true).seeded()).isFalse();
            assertThat(Postgrest.scalar(c, "select count(*) from public.two")).isEqualTo(1L);
            assertThat(Postgrest.scalar(c, "select path from supabase_migrations.seed_files")).isEqualTo("supabase/seed.sql");
        }
    }

    @Test
    void twoInstancesMigratingAtOnceApplyEachFileOnce() throws Exception {
        try (TestDatabase db = TestDatabase.empty()) {
            List<Migration> many = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                many.add(new Migration(String.valueOf(20260201000000L + i), "m" + i, "create table public.t" + i + " (id int);"));
            }
            MigrationRunner runner = new MigrationRunner(List.of(COMPAT), many, null);
            Callable<Integer> migrate = () -> {
                try (Connection c = db.connect()) {
                    return runner.migrate(c, false).migrationsApplied().size();
                }
            };
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<Integer> a = pool.submit(migrate);
                Future<Integer> b = pool.submit(migrate);
                assertThat(a.get() + b.get()).isEqualTo(20);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
