package dev.gatehouse.bench;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Postgres CPU per admission and settlement, measured on one backend: one connection calls the
 * SQL in a loop and the backend's own CPU time is read from /proc, so other load on the machine
 * inflates it far less than it inflates latency. Variants alternate in blocks in one run: the
 * admission function as it was before issue 14 (recreated from its migration under another name),
 * the lean one, group admission, and settlement batches of 1 and of 20. Run:
 * {@code bench/admission-cost.sh [requests per block] [rounds]}.
 */
public final class AdmissionCostBench {
    private static final String BEFORE = "bench_ai_admit_before";

    private record Variant(String name, String admitFunction, int group, int settleBatch) {}

    public static void main(String[] args) throws Exception {
        int perBlock = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<Variant> variants = List.of(
                new Variant("before: ai_admit of 20261201200200, settled one by one", BEFORE, 1, 1),
                new Variant("before: ai_admit of 20261201200200, settled 20 at a time", BEFORE, 1, 20),
                new Variant("lean ai_admit, settled 20 at a time", "private.ai_admit", 1, 20),
                new Variant("lean ai_admit in groups of 16 (ai_admit_many), settled 20 at a time", "private.ai_admit", 16, 20),
                new Variant("before: admission alone", BEFORE, 1, 0),
                new Variant("lean: admission alone", "private.ai_admit", 1, 0));
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(Files.createTempDirectory("gatehouse-admission-bench"), false)) {
            var url = pg.url(EmbeddedDatabase.DATABASE);
            List<UUID> users = new ArrayList<>();
            try (Connection c = Database.connect(url)) {
                MigrationRunner.bundled().migrateEmbedded(c, true);
                try (Statement s = c.createStatement()) {
                    s.execute("""
                            insert into public.plans (id, name, monthly_request_limit, monthly_token_limit, requests_per_minute,
                              max_output_tokens, max_concurrent_streams, allowed_models, allowed_tasks, allow_raw_chat)
                            values ('bench', 'Bench', null, null, 100000000, 64, 1000, array['bench'], '{}', true)""");
                    s.execute(beforeFunction());
                }
                for (int i = 0; i < BenchServer.USERS; i++) {
                    AuthUser u = AuthUsers.signUp(c, "cost" + i + "@bench.example");
                    try (var ps = c.prepareStatement("""
                            insert into public.subscriptions (user_id, plan_id, status, current_period_start, current_period_end)
                            values (?, 'bench', 'active', now() - interval '1 day', now() + interval '29 days')""")) {
                        ps.setObject(1, u.id());
                        ps.executeUpdate();
                    }
                    users.add(u.id());
                }
            }
            try (Connection c = Database.connect(url)) {
                long backend;
                try (var rs = c.createStatement().executeQuery("select pg_backend_pid()")) {
                    rs.next();
                    backend = rs.getLong(1);
                }
                System.out.printf("one connection, %d users, %d requests per block, %d rounds; load average %s%n", users.size(), perBlock, rounds,
                        GatewayBench.loadAverage());
                for (Variant v : variants) {
                    measure(c, backend, v, users, perBlock / 4); // warm-up: plans cached, JIT of the driver
                }
                for (int round = 1; round <= rounds; round++) {
                    for (Variant v : variants) {
                        double us = measure(c, backend, v, users, perBlock);
                        System.out.printf("round %d | %-72s | Postgres %5.0f us/request | load %s%n", round, v.name(), us, GatewayBench.loadAverage());
                    }
                }
            }
        }
    }

    /** The admission function as migration 20261201200200 defined it, under {@link #BEFORE}. */
    private static String beforeFunction() throws Exception {
        String sql = new String(AdmissionCostBench.class.getResourceAsStream(
                "/supabase/migrations/20261201200200_admission_lock_order_and_ledger.sql").readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int start = sql.indexOf("create or replace function private.ai_admit(");
        int end = sql.indexOf("-- Settles admitted requests in one statement per kind");
        return sql.substring(start, end).replace("private.ai_admit(", BEFORE + "(");
    }

    /** Postgres CPU microseconds per request of one block. */
    private static double measure(Connection c, long backend, Variant v, List<UUID> users, int requests) throws Exception {
        List<UUID> admitted = new ArrayList<>();
        long cpu0 = ProcCpu.treeCpuNanos(backend);
        String one = "select admitted from " + v.admitFunction() + "(?, ?, 'bench', null, false, 8, 16, null)";
        String many = "select admitted from private.ai_admit_many(?, ?, ?, ?, ?, ?, ?, ?)";
        int n = 0;
        while (n < requests) {
            if (v.group() == 1) {
                try (var ps = c.prepareStatement(one)) {
                    UUID id = UUID.randomUUID();
                    ps.setObject(1, users.get(n % users.size()));
                    ps.setObject(2, id);
                    try (var rs = ps.executeQuery()) {
                        rs.next();
                    }
                    admitted.add(id);
                }
                n++;
            } else {
                int k = v.group();
                Object[] u = new Object[k];
                Object[] ids = new Object[k];
                for (int i = 0; i < k; i++) {
                    u[i] = users.get((n + i) % users.size());
                    ids[i] = UUID.randomUUID();
                    admitted.add((UUID) ids[i]);
                }
                try (var ps = c.prepareStatement(many)) {
                    ps.setArray(1, c.createArrayOf("uuid", u));
                    ps.setArray(2, c.createArrayOf("uuid", ids));
                    ps.setArray(3, c.createArrayOf("text", java.util.Collections.nCopies(k, "bench").toArray()));
                    ps.setArray(4, c.createArrayOf("text", new Object[k]));
                    ps.setArray(5, c.createArrayOf("bool", java.util.Collections.nCopies(k, false).toArray()));
                    ps.setArray(6, c.createArrayOf("int4", java.util.Collections.nCopies(k, 8).toArray()));
                    ps.setArray(7, c.createArrayOf("int4", java.util.Collections.nCopies(k, 16).toArray()));
                    ps.setArray(8, c.createArrayOf("uuid", new Object[k]));
                    try (var rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rs.getBoolean(1);
                        }
                    }
                }
                n += k;
            }
            if (v.settleBatch() > 0 && admitted.size() >= v.settleBatch()) {
                settle(c, admitted);
            }
        }
        if (v.settleBatch() > 0) {
            settle(c, admitted);
        }
        double us = (ProcCpu.treeCpuNanos(backend) - cpu0) / 1e3 / requests;
        settle(c, admitted); // admission-only blocks: settled outside the measurement, so reservations never pile up
        return us;
    }

    private static void settle(Connection c, List<UUID> ids) throws Exception {
        if (ids.isEmpty()) {
            return;
        }
        int k = ids.size();
        try (var ps = c.prepareStatement("select private.ai_settle_many(?, ?, ?, ?, ?, ?, ?)")) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            ps.setArray(2, c.createArrayOf("text", java.util.Collections.nCopies(k, "completed").toArray()));
            ps.setArray(3, c.createArrayOf("int4", java.util.Collections.nCopies(k, 8).toArray()));
            ps.setArray(4, c.createArrayOf("int4", java.util.Collections.nCopies(k, 1).toArray()));
            ps.setArray(5, c.createArrayOf("text", java.util.Collections.nCopies(k, "local").toArray()));
            ps.setArray(6, c.createArrayOf("int4", java.util.Collections.nCopies(k, 1).toArray()));
            ps.setArray(7, c.createArrayOf("text", java.util.Collections.nCopies(k, "upstream").toArray()));
            ps.executeQuery().close();
        }
        ids.clear();
    }
}
