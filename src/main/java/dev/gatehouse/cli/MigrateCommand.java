package dev.gatehouse.cli;

import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Settings;
import dev.gatehouse.db.MigrationException;
import dev.gatehouse.db.MigrationRunner;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

/** {@code migrate [--seed]}: brings DATABASE_URL (or the dev database) to the bundled migrations. */
public final class MigrateCommand {
    static final String HELP = """
            Usage: ./gatehouse migrate [--seed]

            Applies supabase/migrations (bundled in the jar) to DATABASE_URL, recording each in
            supabase_migrations.schema_migrations like the Supabase CLI. On plain PostgreSQL the
            Supabase compatibility layer is applied first; a real Supabase database is detected by its
            own auth schema and never touched. Without DATABASE_URL, migrates the dev database in
            GATEHOUSE_DATA_DIR.

              --seed   also apply supabase/seed.sql, once (recorded in supabase_migrations.seed_files)
            """;

    public int run(Args args, Map<String, String> env) {
        if (args.help()) {
            System.out.print(HELP);
            return 0;
        }
        args.allow(Set.of("seed"));
        Settings settings = Settings.load(env);
        boolean seed = args.flag("seed");
        try {
            return DevEnvironment.withDatabase(settings, false, c -> report(settings.embeddedDatabase()
                    ? MigrationRunner.bundled().migrateEmbedded(c, seed) : MigrationRunner.bundled().migrate(c, seed), seed));
        } catch (MigrationException e) {
            System.err.println("migrate: " + e.getMessage());
            return 1;
        } catch (SQLException e) {
            System.err.println("migrate: cannot connect to the database: " + e.getMessage());
            return 1;
        }
    }

    private static int report(MigrationRunner.Report r, boolean seed) {
        if (r.supabaseDetected()) {
            System.out.println("Supabase database detected: its auth, storage and realtime schemas were left as they are.");
        } else if (!r.compatApplied().isEmpty()) {
            System.out.println("Supabase compatibility layer applied: " + String.join(", ", r.compatApplied()));
        }
        System.out.println(r.migrationsApplied().isEmpty() ? "Migrations: up to date."
                : "Migrations applied: " + String.join(", ", r.migrationsApplied()));
        if (seed) {
            System.out.println(r.seeded() ? "Seed applied." : "Seed already applied; left as it is.");
        }
        return 0;
    }
}
