package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rules about the schema as a whole, read from the catalogs (the Supabase Security and Performance
 * Advisors' lints made strict): each fails the build when a new table, policy or function breaks it.
 */
class CatalogChecksTest {
    /** Functions in {@code public} that anon may call through /rest/v1/rpc; a new one fails until listed. */
    static final Set<String> PUBLIC_FOR_ANON = Set.of("search_courses",
            "get_shared_prompt", "list_public_prompts");
    static final Set<String> PUBLIC_FOR_AUTHENTICATED = Set.of("search_courses", "my_plan", "create_api_key", "admin_set_user_role",
            "search_prompts", "create_prompt_share", "get_shared_prompt", "fork_shared_prompt", "list_public_prompts");
    /** Schemas where the migrations write policies: the exposed one, and Supabase's for storage and realtime. */
    static final String POLICY_SCHEMAS = "('public', 'storage', 'realtime')";

    /**
     * Row-independent calls that policies must wrap in a scalar subquery (initPlan) so they run once per
     * statement: lint 0003's auth functions and current_setting, plus this project's own helpers.
     */
    private static final Pattern ROW_INDEPENDENT_CALL = Pattern.compile(
            "auth\\.(uid|jwt|role|email)\\(\\)|current_setting\\(|private\\.is_admin\\(\\)|private\\.is_instructor\\(\\)|realtime\\.topic\\(\\)");
    /** A deparsed wrapper ends in "SELECT " right before the call: {@code ( SELECT auth.uid() AS uid)}. */
    private static final Pattern WRAPPED = Pattern.compile("(?i)select\\s+$");

    private static TestDatabase db;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void everyPublicTableHasRowLevelSecurityAndNoViewBypassesIt() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(names(c, """
                    select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity""")).isEmpty();
            assertThat(names(c, """
                    select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                    where n.nspname = 'public' and (c.relkind = 'm'
                       or (c.relkind = 'v' and not coalesce('security_invoker=true' = any(c.reloptions), false)))"""))
                    .as("materialized views, or views without security_invoker, in the exposed schema").isEmpty();
        }
    }

    @Test
    void noPolicyReevaluatesARowIndependentCallPerRow() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(unwrappedCalls(c)).isEmpty();
        }
    }

    @Test
    void theInitPlanCheckCatchesABareCallEvenNextToAWrappedOne() throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try {
                Postgrest.update(c, "create policy \"bare uid\" on public.notifications for select to authenticated using (user_id = auth.uid())");
                Postgrest.update(c, """
                        create policy "bare claims" on public.notifications for update to authenticated
                        using (current_setting('request.jwt.claims', true)::jsonb ->> 'sub' = user_id::text)""");
                Postgrest.update(c, """
                        create policy "one of two bare" on public.payments for select to authenticated
                        using (user_id = (select auth.uid()) or (auth.jwt() ->> 'role') = 'service_role')""");
                Postgrest.update(c, """
                        create policy "wrapped cast is still bare" on public.payments for update to authenticated
                        using (user_id::text = (select auth.uid()::text))""");
                Postgrest.update(c, "create policy \"all wrapped\" on public.ai_usage for update to authenticated using (user_id = (select auth.uid()))");
                // a bare uid is allowed only after its wrapped twin on the same column, for the planner's estimate
                Postgrest.update(c, """
                        create policy "twin after its wrapped one" on public.ai_usage for delete to authenticated
                        using (user_id = (select auth.uid()) or user_id = auth.uid())""");
                Postgrest.update(c, """
                        create policy "twin before its wrapped one" on public.notifications for delete to authenticated
                        using (user_id = auth.uid() or user_id = (select auth.uid()))""");
                Postgrest.update(c, """
                        create policy "twin with the sides swapped" on public.payments for delete to authenticated
                        using ((select auth.uid()) = user_id or auth.uid() = user_id)""");

                assertThat(unwrappedCalls(c).keySet()).containsExactlyInAnyOrder(
                        "public.notifications: bare uid", "public.notifications: bare claims",
                        "public.notifications: twin before its wrapped one", "public.payments: twin with the sides swapped",
                        "public.payments: one of two bare",
                        // deparsed as ( SELECT (auth.uid())::text AS uid): flagged by Supabase's lint 0003 too
                        "public.payments: wrapped cast is still bare");
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    @Test
    void everyPolicyNamesItsRoles() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(names(c, "select schemaname || '.' || tablename || ': ' || policyname from pg_catalog.pg_policies"
                    + " where schemaname in " + POLICY_SCHEMAS + " and 'public' = any(roles)")).isEmpty();
        }
    }

    @Test
    void noTableHasTwoPermissivePoliciesForTheSameRoleAndAction() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(names(c, """
                    select p.schemaname || '.' || p.tablename || ' ' || r.role || ' ' || a.action || ': ' || string_agg(p.policyname, ', ')
                    from pg_catalog.pg_policies p
                    cross join lateral unnest(p.roles) r(role)
                    cross join lateral unnest(case p.cmd when 'ALL' then array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] else array[p.cmd] end) a(action)
                    where p.permissive = 'PERMISSIVE' and p.schemaname in """ + POLICY_SCHEMAS + """
                    group by p.schemaname, p.tablename, r.role, a.action having count(*) > 1""")).isEmpty();
        }
    }

    @Test
    void noPolicyTrustsUserMetadataOrIsAlwaysTrueForWrites() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(names(c, "select schemaname || '.' || tablename || ': ' || policyname from pg_catalog.pg_policies"
                    + " where schemaname in " + POLICY_SCHEMAS
                    + " and (coalesce(qual, '') || coalesce(with_check, '')) ~ 'user_metadata|raw_user_meta_data'")).isEmpty();
            assertThat(names(c, "select schemaname || '.' || tablename || ': ' || policyname from pg_catalog.pg_policies"
                    + " where schemaname in " + POLICY_SCHEMAS + " and permissive = 'PERMISSIVE' and cmd <> 'SELECT'"
                    + " and (qual = 'true' or with_check = 'true' or (cmd = 'INSERT' and with_check is null))")).isEmpty();
        }
    }

    @Test
    void everyForeignKeyHasACoveringIndex() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(unindexedForeignKeys(c)).isEmpty();
        }
    }

    @Test
    void theForeignKeyCheckCatchesAnIndexThatDoesNotLeadWithTheKey() throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try {
                Postgrest.update(c, """
                        create table public.fk_probe (id int primary key, course_id uuid references public.courses (id),
                                                      note text, author_id uuid references public.profiles (id))""");
                Postgrest.update(c, "create index fk_probe_note_course on public.fk_probe (note, course_id)");
                Postgrest.update(c, "create index fk_probe_author on public.fk_probe (author_id, note)");

                assertThat(unindexedForeignKeys(c)).containsExactly("fk_probe: fk_probe_course_id_fkey");
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    @Test
    void everyColumnAPolicyFiltersOnLeadsAnIndex() throws Exception {
        try (Connection c = db.connect()) {
            Map<String, Boolean> filtered = policyFilterColumns(c);

            assertThat(filtered).as("the filter columns found (so the check is not vacuous)")
                    .containsKeys("submissions.student_id", "submissions.course_id", "enrollments.student_id", "messages.author_id",
                            "api_keys.user_id", "courses.instructor_id", "lesson_progress.course_id");
            assertThat(filtered).allSatisfy((column, indexed) -> assertThat(indexed).as(column + " leads an index").isTrue());
        }
    }

    @Test
    void everyFunctionInPublicAndPrivatePinsAnEmptySearchPath() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(names(c, """
                    select p.oid::regprocedure || case when p.prosecdef then ' (security definer)' else '' end
                    from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                    where n.nspname in ('public', 'private')
                      and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e')
                      and not coalesce('search_path=""' = any(p.proconfig), false)""")).isEmpty();
        }
    }

    @Test
    void onlyListedPublicFunctionsAreCallableByTheApiRoles() throws Exception {
        assertThat(PrivateSchemaInvariantsTest.executableIn(db, "public", "anon")).containsExactlyInAnyOrderElementsOf(PUBLIC_FOR_ANON);
        assertThat(PrivateSchemaInvariantsTest.executableIn(db, "public", "authenticated"))
                .containsExactlyInAnyOrderElementsOf(PUBLIC_FOR_AUTHENTICATED);
    }

    @Test
    void privateRelationsCarryNoGrantsAtAll() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(names(c, """
                    select c.relname || ' to ' || coalesce(nullif(a.grantee::regrole::text, '-'), 'PUBLIC') || ': ' || a.privilege_type
                    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                    cross join lateral aclexplode(c.relacl) a
                    where n.nspname = 'private' and a.grantee <> c.relowner""")).isEmpty();
            for (String role : List.of("anon", "authenticated")) {
                assertThat(names(c, """
                        select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = 'private' and c.relkind in ('r', 'p', 'v', 'm')
                          and (has_table_privilege(?, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
                               or has_any_column_privilege(?, c.oid, 'SELECT,INSERT,UPDATE,REFERENCES'))""", role, role))
                        .as(role).isEmpty();
            }
        }
    }

    @Test
    void noSequenceIsUsableByTheApiRoles() throws Exception {
        try (Connection c = db.connect()) {
            for (String role : List.of("anon", "authenticated")) {
                assertThat(names(c, """
                        select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                        where n.nspname in ('public', 'private')
                          and case when c.relkind = 'S' then has_sequence_privilege(?, c.oid, 'USAGE,SELECT,UPDATE') else false end""", role)).as(role).isEmpty();
            }
        }
    }

    @Test
    void noExtensionLivesInTheExposedSchema() throws Exception {
        try (Connection c = db.connect()) {
            assertThat(names(c, "select e.extname from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace"
                    + " where n.nspname = 'public'")).isEmpty();
        }
    }

    /** Foreign keys in public/private whose columns are not the leading columns (in any order) of a valid index. */
    static Set<String> unindexedForeignKeys(Connection c) throws SQLException {
        return names(c, """
                select con.conrelid::regclass || ': ' || con.conname
                from pg_catalog.pg_constraint con join pg_catalog.pg_class t on t.oid = con.conrelid
                join pg_catalog.pg_namespace n on n.oid = t.relnamespace
                where con.contype = 'f' and n.nspname in ('public', 'private')
                  and not exists (
                    select 1 from pg_catalog.pg_index i
                    where i.indrelid = con.conrelid and i.indisvalid
                      and (select array_agg(k order by k) from unnest((i.indkey::int2[])[0:cardinality(con.conkey) - 1]) k)
                        = (select array_agg(k order by k) from unnest(con.conkey) k))""");
    }

    /**
     * "table.column" of every ownership or membership filter in public's policies
     * ({@code <column> = ( SELECT auth.uid() ...)}, {@code <column> IN ( SELECT private.my_...()}),
     * mapped to whether some index leads with that column.
     */
    static Map<String, Boolean> policyFilterColumns(Connection c) throws SQLException {
        // col = (select auth.uid()), col in (select private.my_...()), and the array helpers' col = any (...private.x())
        Pattern filter = Pattern.compile(
                "\\((\\w+) (?:(?:=|IN) \\( SELECT (?:auth\\.uid|private\\.my_)|= ANY \\((?:\\(\\( SELECT )?private\\.\\w+_course_ids\\(\\))");
        Map<String, Boolean> out = new TreeMap<>();
        for (Map<String, Object> p : Postgrest.rows(c, """
                select tablename, coalesce(qual, '') || ' ' || coalesce(with_check, '') as expr
                from pg_catalog.pg_policies where schemaname = 'public'""")) {
            Matcher m = filter.matcher((String) p.get("expr"));
            while (m.find()) {
                out.put(p.get("tablename") + "." + m.group(1), (Boolean) Postgrest.scalar(c, """
                        select exists (select 1 from pg_catalog.pg_index i join pg_catalog.pg_attribute a
                                         on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                                       where i.indrelid = ('public.' || ?)::regclass and a.attname = ?)""",
                        p.get("tablename"), m.group(1)));
            }
        }
        return out;
    }

    /** The column compared with a bare {@code auth.uid()}: {@code (instructor_id = auth.uid())}. */
    private static final Pattern COMPARED_COLUMN = Pattern.compile("\\((\\w+) = $");

    /**
     * A bare {@code <column> = auth.uid()} is allowed where an earlier arm of the same policy already
     * compares that column with a wrapped value ({@code <column> = (select auth.uid())}, or
     * {@code <column> >= (select ...)} of a range): the planner evaluates the bare call while
     * estimating (so it sees whose rows they are), and the wrapped twin is what admits the caller's
     * rows at run time, so the bare call is only reached by rows the caller cannot see (20261206300100).
     */
    private static boolean besideItsWrappedTwin(String expr, Matcher call) {
        if (!call.group().equals("auth.uid()")) {
            return false;
        }
        Matcher column = COMPARED_COLUMN.matcher(expr.substring(0, call.start()));
        if (!column.find() || !expr.startsWith(")", call.end())) {
            return false;
        }
        return Pattern.compile("\\(" + column.group(1) + " (?:=|>=) \\( SELECT ")
                .matcher(expr.substring(0, column.start())).find();
    }

    /** Policies (as "schema.table: name") with a row-independent call not wrapped in {@code (select ...)}. */
    static Map<String, List<String>> unwrappedCalls(Connection c) throws SQLException {
        Map<String, List<String>> out = new TreeMap<>();
        for (Map<String, Object> p : Postgrest.rows(c, "select schemaname || '.' || tablename || ': ' || policyname as policy,"
                + " coalesce(qual, '') || ' ' || coalesce(with_check, '') as expr from pg_catalog.pg_policies where schemaname in " + POLICY_SCHEMAS)) {
            String expr = (String) p.get("expr");
            Matcher m = ROW_INDEPENDENT_CALL.matcher(expr);
            List<String> bare = new ArrayList<>();
            while (m.find()) {
                if (!WRAPPED.matcher(expr.substring(0, m.start())).find() && !besideItsWrappedTwin(expr, m)) {
                    bare.add(m.group());
                }
            }
            if (!bare.isEmpty()) {
                out.put((String) p.get("policy"), bare);
            }
        }
        return out;
    }

    private static Set<String> names(Connection c, String sql, Object... params) throws SQLException {
        return Postgrest.rows(c, sql, params).stream().map(r -> String.valueOf(r.values().iterator().next()))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
