package dev.gatehouse.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.db.MigrationRunner.Migration;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Migrations run here with Supabase's privileges, not a superuser's: what the platform refuses to a
 * migration fails here too, and what it allows (policies on storage and realtime, triggers on auth.users)
 * works. Each migration under test runs in its own transaction and leaves nothing behind when refused.
 */
class SupabasePrivilegesTest {
    private static TestDatabase db;
    private static int version;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    private static MigrationRunner.Report apply(String sql) throws SQLException {
        try (Connection c = db.connect()) {
            Migration m = new Migration(Long.toString(20990101000000L + ++version), "probe", sql);
            return new MigrationRunner(List.of(), List.of(m), null).migrate(c, false);
        }
    }

    private static Object scalar(String sql) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, sql);
        }
    }

    @Test
    void migrationsRunAsAPostgresThatIsNoSuperuserButBypassesRls() throws Exception {
        try (Connection c = db.connect()) {
            Map<String, Object> role = Postgrest.rows(c, """
                    select current_user as name, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole
                    from pg_catalog.pg_roles where rolname = current_user""").getFirst();

            assertThat(role).containsEntry("name", "postgres").containsEntry("rolsuper", false).containsEntry("rolbypassrls", true)
                    .containsEntry("rolcreatedb", true).containsEntry("rolcreaterole", true);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "alter table storage.objects enable row level security",
            "alter table storage.objects add column tag text",
            "create table storage.extras (id int)",
            "create or replace function storage.foldername(name text) returns text[] language sql as $$ select '{}'::text[] $$",
            "alter table realtime.messages add column tag text",
            "drop table storage.buckets cascade",
            "create function auth.is_staff() returns boolean language sql as $$ select false $$",
            "alter table auth.users add column nickname text",
            "create schema if not exists extensions_of_mine; create extension if not exists plpython3u"})
    void aMigrationNeedingMoreThanSupabaseAllowsFailsHereTooAndLeavesNothing(String sql) throws Exception {
        String applied = "select count(*) from supabase_migrations.schema_migrations";
        Object before = scalar(applied);

        assertThatThrownBy(() -> apply(sql)).isInstanceOf(MigrationException.class)
                .cause().isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isIn("42501", "0A000", "58P01"));

        assertThat(scalar(applied)).isEqualTo(before);
        assertThat(scalar("select count(*) from information_schema.columns where table_schema in ('storage', 'realtime', 'auth') and column_name in ('tag', 'nickname')"))
                .isEqualTo(0L);
        assertThat(scalar("select to_regclass('storage.buckets') is not null and to_regclass('storage.extras') is null")).isEqualTo(true);
    }

    @Test
    void whatSupabaseAllowsAMigrationWorks() throws Exception {
        MigrationRunner.Report r = apply("""
                create policy "probe policy" on storage.objects for select to authenticated using (false);
                alter policy "probe policy" on storage.objects using (bucket_id = 'none');
                drop policy "probe policy" on storage.objects;
                create policy "probe channel" on realtime.messages for select to authenticated using (false);
                drop policy "probe channel" on realtime.messages;
                create function public.probe_trigger() returns trigger language plpgsql as $$ begin return new; end $$;
                create trigger probe_on_sign_up after insert on auth.users for each row execute function public.probe_trigger();
                drop trigger probe_on_sign_up on auth.users;
                select count(*) from auth.users;
                """);

        assertThat(r.migrationsApplied()).hasSize(1);
    }

    @Test
    void realtimeMessagesHaveRealtimesDailyPartitionsAndNoCatchAll() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Connection c = db.connect()) {
            List<String> partitions = Postgrest.rows(c, """
                    select c.relname from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
                    where i.inhparent = 'realtime.messages'::regclass order by 1""").stream().map(r -> (String) r.get("relname")).toList();
            Object hasDefault = Postgrest.scalar(c, """
                    select exists (select 1 from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
                                   where i.inhparent = 'realtime.messages'::regclass and pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT')""");

            assertThat(partitions).contains("messages_" + today.format(DateTimeFormatter.ofPattern("yyyy_MM_dd")),
                    "messages_" + today.plusDays(3).format(DateTimeFormatter.ofPattern("yyyy_MM_dd")));
            assertThat(hasDefault).isEqualTo(false);
            assertThatThrownBy(() -> Postgrest.update(c,
                    "insert into realtime.messages (topic, extension, inserted_at) values ('course:x', 'broadcast', now() + interval '30 days')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23514"));
        }
    }
}
