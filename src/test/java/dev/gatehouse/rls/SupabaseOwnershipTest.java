package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.db.MigrationRunner;
import dev.gatehouse.db.SqlFiles;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The migrations must run on a real Supabase project, where {@code postgres} owns nothing in
 * {@code auth}, {@code storage} and {@code realtime} (SUPABASE-FACTS §1): there they may only add
 * policies on storage.objects / realtime.messages, triggers on auth.users, and bucket rows. On an empty
 * database with only the compatibility layer, every DDL command of the migrations is recorded by an
 * event trigger, and those schemas' catalog entries are compared before and after.
 */
class SupabaseOwnershipTest {
    private static final String SUPABASE_SCHEMAS = "('auth', 'storage', 'realtime')";

    private static TestDatabase db;
    private static List<Map<String, Object>> commands;
    private static Map<String, Set<String>> before;
    private static Map<String, Set<String>> after;

    @BeforeAll
    static void migrateUnderAnEventTrigger() throws SQLException {
        db = TestDatabase.empty();
        try (Connection admin = db.connectAsAdmin(); Connection c = db.connect()) {
            new MigrationRunner(SqlFiles.list("db/compat"), List.of(), null).migrate(admin, c, false);
            before = catalog(admin);
            Postgrest.update(admin, "create schema ddl_probe");
            Postgrest.update(admin, """
                    create table ddl_probe.commands (n bigint generated always as identity, command_tag text,
                                                     object_type text, schema_name text, object_identity text)""");
            Postgrest.update(admin, """
                    create function ddl_probe.record() returns event_trigger language plpgsql as $$
                    begin
                      insert into ddl_probe.commands (command_tag, object_type, schema_name, object_identity)
                      select command_tag, object_type, schema_name, object_identity from pg_event_trigger_ddl_commands();
                    end $$""");
            // The event trigger is the superuser's; the migrations it watches run as postgres, as on Supabase.
            Postgrest.update(admin, "grant usage on schema ddl_probe to postgres");
            Postgrest.update(admin, "grant insert on ddl_probe.commands to postgres");
            Postgrest.update(admin, "create event trigger record_ddl on ddl_command_end execute function ddl_probe.record()");

            new MigrationRunner(List.of(), MigrationRunner.bundled().migrations(), null).migrate(c, false);

            Postgrest.update(admin, "drop event trigger record_ddl");
            commands = Postgrest.rows(admin, "select command_tag, object_type, schema_name, object_identity from ddl_probe.commands order by n");
            after = catalog(admin);
        }
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void theEventTriggerSawTheMigrations() {
        assertThat(commands).extracting(r -> r.get("command_tag")).contains("CREATE TABLE", "CREATE POLICY", "CREATE TRIGGER", "CREATE FUNCTION");
    }

    @Test
    void inSupabaseSchemasTheMigrationsOnlyAddStoragePoliciesRealtimePoliciesAndAuthUserTriggers() {
        List<String> forbidden = new ArrayList<>();
        List<String> allowedSeen = new ArrayList<>();
        for (Map<String, Object> cmd : commands) {
            String schema = (String) cmd.get("schema_name");
            String identity = String.valueOf(cmd.get("object_identity"));
            boolean supabaseOwned = schema != null && Set.of("auth", "storage", "realtime").contains(schema)
                    || identity.matches("(?s).* on (auth|storage|realtime)\\..*");
            if (!supabaseOwned) {
                continue;
            }
            boolean allowed = cmd.get("command_tag").equals("CREATE POLICY")
                    && (identity.endsWith(" on storage.objects") || identity.endsWith(" on realtime.messages"))
                    || cmd.get("command_tag").equals("CREATE TRIGGER") && identity.endsWith(" on auth.users");
            (allowed ? allowedSeen : forbidden).add(cmd.get("command_tag") + " " + identity.replaceFirst("^.* on ", "on "));
        }
        assertThat(forbidden).isEmpty();
        // Later migrations may replace policies (drop + create), so each kind is counted, not the total.
        assertThat(allowedSeen).as("the allowed commands were recognised as touching Supabase's tables")
                .containsOnly("CREATE TRIGGER on auth.users", "CREATE POLICY on storage.objects", "CREATE POLICY on realtime.messages")
                .containsOnlyOnce("CREATE TRIGGER on auth.users");
        assertThat(allowedSeen.stream().filter(c -> c.endsWith("storage.objects")).count()).isGreaterThanOrEqualTo(4);
        assertThat(allowedSeen.stream().filter(c -> c.endsWith("realtime.messages")).count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void supabaseOwnedRelationsFunctionsTypesAndSchemasAreUnchanged() {
        for (String kind : List.of("relations", "functions", "types", "constraints", "schemas")) {
            assertThat(after.get(kind)).as(kind).isEqualTo(before.get(kind));
        }
    }

    @Test
    void theOnlyNewTriggerOnSupabaseTablesIsTheSignUpTriggerAndPoliciesGoOnObjectsAndMessages() {
        assertThat(difference("triggers")).containsExactly("auth.users on_auth_user_created");
        assertThat(difference("policies")).isNotEmpty()
                .allSatisfy(p -> assertThat(p).matches("(storage\\.objects|realtime\\.messages): .*"));
    }

    @Test
    void theOnlyRowsWrittenInSupabaseSchemasAreTheBuckets() throws SQLException {
        try (Connection c = db.connect()) {
            Map<String, Object> counts = Postgrest.rows(c, """
                    select (select count(*) from storage.buckets) as buckets, (select count(*) from storage.objects) as objects,
                           (select count(*) from auth.users) as users, (select count(*) from auth.identities) as identities,
                           (select count(*) from realtime.messages) as messages""").getFirst();

            assertThat(counts).isEqualTo(Map.of("buckets", 7L, "objects", 0L, "users", 0L, "identities", 0L, "messages", 0L));
        }
    }

    @Test
    void noMigrationFileAltersOrCreatesObjectsInSupabaseSchemas() {
        Pattern forbidden = Pattern.compile("(?i)\\b(alter\\s+(table|function|type|view|sequence|schema)\\s+(if\\s+exists\\s+)?(only\\s+)?"
                + "|create\\s+(or\\s+replace\\s+)?(unique\\s+)?(table|function|procedure|view|materialized\\s+view|type|sequence|schema|index\\s+\\S*\\s*on)\\s+"
                + "|drop\\s+(table|function|type|view|index|schema)\\s+(if\\s+exists\\s+)?)\"?(auth|storage|realtime)\"?\\.");
        List<String> found = new ArrayList<>();
        for (SqlFiles.SqlFile f : SqlFiles.list("supabase/migrations")) {
            String code = f.sql().replaceAll("--[^\\n]*", "");
            Matcher m = forbidden.matcher(code);
            while (m.find()) {
                found.add(f.name() + ": " + m.group());
            }
        }
        assertThat(found).isEmpty();
        assertThat(forbidden.matcher("ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY").find()).as("the pattern itself").isTrue();
        assertThat(forbidden.matcher("create index objects_owner on storage.objects (owner_id)").find()).as("the pattern itself").isTrue();
        assertThat(forbidden.matcher("create or replace function auth.uid() returns uuid").find()).as("the pattern itself").isTrue();
    }

    private static Set<String> difference(String kind) {
        Set<String> added = new TreeSet<>(after.get(kind));
        added.removeAll(before.get(kind));
        assertThat(before.get(kind)).as("nothing of kind " + kind + " was removed").isSubsetOf(after.get(kind));
        return added;
    }

    /** What the Supabase schemas hold, as comparable one-line descriptions per kind of object. */
    private static Map<String, Set<String>> catalog(Connection c) throws SQLException {
        return Map.of(
                "relations", lines(c, """
                        select c.relkind::text || ' ' || n.nspname || '.' || c.relname || ' owner=' || c.relowner::regrole
                               || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity
                               || ' acl=' || coalesce(c.relacl::text, '-') || ' options=' || coalesce(c.reloptions::text, '-')
                               || ' columns=' || coalesce((select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                      || case when a.attnotnull then ' not null' else '' end
                                      || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                                      || ' acl=' || coalesce(a.attacl::text, '-'), ', ' order by a.attnum)
                                   from pg_catalog.pg_attribute a left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '')
                        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                        where n.nspname in """ + SUPABASE_SCHEMAS),
                "functions", lines(c, """
                        select p.oid::regprocedure::text || ' owner=' || p.proowner::regrole || ' definer=' || p.prosecdef
                               || ' volatility=' || p.provolatile::text || ' config=' || coalesce(p.proconfig::text, '-')
                               || ' acl=' || coalesce(p.proacl::text, '-') || ' body=' || md5(p.prosrc)
                        from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                        where n.nspname in """ + SUPABASE_SCHEMAS),
                "types", lines(c, """
                        select n.nspname || '.' || t.typname || ' owner=' || t.typowner::regrole || ' acl=' || coalesce(t.typacl::text, '-')
                        from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                        where n.nspname in """ + SUPABASE_SCHEMAS),
                "constraints", lines(c, """
                        select con.conrelid::regclass::text || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
                        from pg_catalog.pg_constraint con join pg_catalog.pg_namespace n on n.oid = con.connamespace
                        where n.nspname in """ + SUPABASE_SCHEMAS),
                "schemas", lines(c, "select nspname || ' owner=' || nspowner::regrole || ' acl=' || coalesce(nspacl::text, '-')"
                        + " from pg_catalog.pg_namespace where nspname in " + SUPABASE_SCHEMAS),
                "triggers", lines(c, """
                        select tg.tgrelid::regclass::text || ' ' || tg.tgname from pg_catalog.pg_trigger tg
                        join pg_catalog.pg_class c on c.oid = tg.tgrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                        where not tg.tgisinternal and n.nspname in """ + SUPABASE_SCHEMAS),
                "policies", lines(c, "select schemaname || '.' || tablename || ': ' || policyname from pg_catalog.pg_policies"
                        + " where schemaname in " + SUPABASE_SCHEMAS));
    }

    private static Set<String> lines(Connection c, String sql) throws SQLException {
        return Postgrest.rows(c, sql).stream().map(r -> String.valueOf(r.values().iterator().next()))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
