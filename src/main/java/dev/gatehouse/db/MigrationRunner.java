package dev.gatehouse.db;

import dev.gatehouse.db.SqlFiles.SqlFile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database to the schema in {@code supabase/migrations}.
 *
 * <ol>
 *   <li>On plain PostgreSQL only, the Supabase compatibility layer ({@code db/compat}) first. A real
 *       Supabase database is recognised by its own {@code auth} schema and is never touched.</li>
 *   <li>Every migration not yet applied, in version order, each in its own transaction together with
 *       its row in {@code supabase_migrations.schema_migrations}, the ledger the Supabase CLI keeps,
 *       so Gatehouse and {@code supabase db push} agree on what is applied.</li>
 *   <li>{@code supabase/seed.sql} when asked for and not yet applied (ledger {@code seed_files}).</li>
 * </ol>
 * A file changed after it was applied is refused by name: silently skipping it would leave the
 * database different from the code that describes it.
 */
public final class MigrationRunner {
    private static final Logger log = LoggerFactory.getLogger(MigrationRunner.class);
    private static final Pattern MIGRATION_NAME = Pattern.compile("^([0-9]+)_(.*)\\.sql$");
    private static final long LOCK_KEY = 0x6761746568L; // "gateh": one migrator at a time per database

    /** What a run did. */
    public record Report(boolean supabaseDetected, List<String> compatApplied, List<String> migrationsApplied, boolean seeded) {}

    /** A migration file as the CLI names it: {@code <version>_<name>.sql}. */
    public record Migration(String version, String name, String sql) {}

    private final List<SqlFile> compat;
    private final List<Migration> migrations;
    private final SqlFile seed;

    public MigrationRunner(List<SqlFile> compat, List<Migration> migrations, SqlFile seed) {
        this.compat = List.copyOf(compat);
        this.migrations = List.copyOf(migrations);
        this.seed = seed;
    }

    /** The files shipped with this build. */
    public static MigrationRunner bundled() {
        List<Migration> migrations = new ArrayList<>();
        for (SqlFile f : SqlFiles.list("supabase/migrations")) {
            Matcher m = MIGRATION_NAME.matcher(f.name());
            if (!m.matches()) {
                log.warn("skipping {}: migration files are named <version>_<name>.sql", f.name());
                continue;
            }
            migrations.add(new Migration(m.group(1), m.group(2), f.sql()));
        }
        migrations.sort((a, b) -> Long.compare(Long.parseLong(a.version()), Long.parseLong(b.version())));
        return new MigrationRunner(SqlFiles.list("db/compat"), migrations, SqlFiles.one("supabase/seed.sql"));
    }

    public List<Migration> migrations() {
        return migrations;
    }

    public Report migrate(Connection c, boolean applySeed) throws SQLException {
        return migrate(c, c, applySeed);
    }

    /**
     * On the embedded database: the compatibility layer as its superuser (supabase_admin), migrations and
     * seed on {@code c}, as {@code postgres} (trust authentication on loopback, so no password is needed).
     */
    public Report migrateEmbedded(Connection c, boolean applySeed) throws SQLException {
        DatabaseUrl same = new DatabaseUrl(c.getMetaData().getURL(), EmbeddedDatabase.SUPERUSER, null);
        try (Connection admin = Database.connect(EmbeddedDatabase.admin(same))) {
            return migrate(admin, c, applySeed);
        }
    }

    /**
     * @param compatAs the connection the compatibility layer is applied on: a superuser's, since it creates
     *                 Supabase's roles and schemas; migrations and seed run on {@code c} ({@code postgres},
     *                 which on Supabase is no superuser)
     */
    public Report migrate(Connection compatAs, Connection c, boolean applySeed) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("select pg_advisory_lock(" + LOCK_KEY + ")");
            try {
                return migrateLocked(compatAs, c, applySeed);
            } finally {
                c.setAutoCommit(true);
                s.execute("select pg_advisory_unlock(" + LOCK_KEY + ")");
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private Report migrateLocked(Connection compatAs, Connection c, boolean applySeed) throws SQLException {
        boolean supabase = isRealSupabase(c);
        List<String> compatApplied = List.of();
        if (!supabase && !compat.isEmpty()) {
            boolean autoCommit = compatAs.getAutoCommit();
            compatAs.setAutoCommit(true);
            try {
                compatApplied = applyCompat(compatAs);
                // What Supabase Realtime does for itself: a partition of realtime.messages for each coming day.
                try (Statement s = compatAs.createStatement()) {
                    s.execute("""
                            do $$ begin
                              if to_regprocedure('gatehouse_compat.ensure_realtime_partitions(integer)') is not null then
                                perform gatehouse_compat.ensure_realtime_partitions();
                              end if;
                            end $$""");
                }
            } finally {
                compatAs.setAutoCommit(autoCommit);
            }
        }
        ensureLedger(c);
        Map<String, List<String>> applied = appliedMigrations(c);
        List<String> done = new ArrayList<>();
        for (Migration m : migrations) {
            List<String> statements = SqlScript.statements(m.sql());
            List<String> recorded = applied.get(m.version());
            if (recorded != null) {
                if (!sameStatements(recorded, statements)) {
                    throw new MigrationException("migration " + m.version() + "_" + m.name() + ".sql was changed after it was applied;"
                            + " write a new migration instead of editing an applied one");
                }
                continue;
            }
            inTransaction(c, () -> {
                try (Statement s = c.createStatement()) {
                    s.execute(m.sql());
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "insert into supabase_migrations.schema_migrations (version, name, statements) values (?, ?, ?)")) {
                    ps.setString(1, m.version());
                    ps.setString(2, m.name());
                    ps.setArray(3, c.createArrayOf("text", statements.toArray()));
                    ps.executeUpdate();
                }
            }, "migration " + m.version() + "_" + m.name() + ".sql");
            done.add(m.version() + "_" + m.name());
            log.info("applied migration {}_{}", m.version(), m.name());
        }
        boolean seeded = applySeed && applySeed(c);
        return new Report(supabase, compatApplied, done, seeded);
    }

    /** Supabase's own schemas are present and were not made by our compatibility layer. */
    static boolean isRealSupabase(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select to_regclass('auth.users') is not null and to_regclass('gatehouse_compat.applied') is null")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private List<String> applyCompat(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("create schema if not exists gatehouse_compat");
            s.execute("comment on schema gatehouse_compat is 'Gatehouse: marks a plain PostgreSQL made to look like Supabase; never present on a real Supabase project'");
            s.execute("create table if not exists gatehouse_compat.applied (file text primary key, sha256 text not null, applied_at timestamptz not null default now())");
            s.execute("revoke all on schema gatehouse_compat from public");
        }
        Map<String, String> applied = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select file, sha256 from gatehouse_compat.applied")) {
            while (rs.next()) {
                applied.put(rs.getString(1), rs.getString(2));
            }
        }
        List<String> done = new ArrayList<>();
        for (SqlFile f : compat) {
            String hash = sha256(f.sql());
            String recorded = applied.get(f.name());
            if (recorded != null) {
                if (!recorded.equals(hash)) {
                    throw new MigrationException("compatibility file db/compat/" + f.name() + " was changed after it was applied to this database;"
                            + " recreate the dev database (delete the data dir) to pick up the change");
                }
                continue;
            }
            inTransaction(c, () -> {
                try (Statement s = c.createStatement()) {
                    s.execute(f.sql());
                }
                try (PreparedStatement ps = c.prepareStatement("insert into gatehouse_compat.applied (file, sha256) values (?, ?)")) {
                    ps.setString(1, f.name());
                    ps.setString(2, hash);
                    ps.executeUpdate();
                }
            }, "compatibility file db/compat/" + f.name());
            done.add(f.name());
        }
        return done;
    }

    private static void ensureLedger(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("create schema if not exists supabase_migrations");
            s.execute("create table if not exists supabase_migrations.schema_migrations (version text not null primary key)");
            s.execute("alter table supabase_migrations.schema_migrations add column if not exists statements text[]");
            s.execute("alter table supabase_migrations.schema_migrations add column if not exists name text");
            s.execute("create table if not exists supabase_migrations.seed_files (path text not null primary key, hash text not null)");
        }
    }

    private static Map<String, List<String>> appliedMigrations(Connection c) throws SQLException {
        Map<String, List<String>> out = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select version, statements from supabase_migrations.schema_migrations")) {
            while (rs.next()) {
                Array a = rs.getArray(2);
                out.put(rs.getString(1), a == null ? null : List.of((String[]) a.getArray()));
            }
        }
        return out;
    }

    /** Compares statements ignoring whitespace, since other tools may format the recorded text differently. */
    private static boolean sameStatements(List<String> recorded, List<String> current) {
        if (recorded == null) {
            return true; // recorded by a tool that keeps no statements: nothing to compare against
        }
        return squash(recorded).equals(squash(current));
    }

    private static String squash(List<String> statements) {
        return String.join(";", statements).replaceAll("\\s+", "");
    }

    private boolean applySeed(Connection c) throws SQLException {
        if (seed == null) {
            return false;
        }
        String path = "supabase/seed.sql";
        String hash = sha256(seed.sql());
        try (PreparedStatement ps = c.prepareStatement("select hash from supabase_migrations.seed_files where path = ?")) {
            ps.setString(1, path);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (!rs.getString(1).equals(hash)) {
                        log.warn("{} changed since it was applied; seeds are applied once, so the change is not applied to this database", path);
                    }
                    return false;
                }
            }
        }
        inTransaction(c, () -> {
            try (Statement s = c.createStatement()) {
                s.execute(seed.sql());
            }
            try (PreparedStatement ps = c.prepareStatement("insert into supabase_migrations.seed_files (path, hash) values (?, ?)")) {
                ps.setString(1, path);
                ps.setString(2, hash);
                ps.executeUpdate();
            }
        }, path);
        log.info("applied {}", path);
        return true;
    }

    private static void inTransaction(Connection c, Transaction.Work work, String what) {
        try {
            Transaction.run(c, work);
        } catch (SQLException e) {
            throw new MigrationException(what + " failed: " + e.getMessage(), e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
