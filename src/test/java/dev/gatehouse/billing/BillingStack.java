package dev.gatehouse.billing;

import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.sql.SQLException;
import java.util.Map;

/** A migrated database whose paid plans have Stripe prices, and the whole service running on it. */
record BillingStack(TestDatabase db, RunningService service) implements AutoCloseable {

    static BillingStack start(Map<String, String> env) throws SQLException {
        TestDatabase db = TestDatabase.migrated();
        Lifecycles.pricePlans(db.dataSource());
        // The outbox and job workers stay off: billing tests compare the outbox before and after a
        // webhook, and a worker marking rows sent meanwhile would change it.
        Map<String, String> withoutWorkers = new java.util.HashMap<>(Map.of("EMAIL_WORKER", "off", "JOBS_WORKER", "off"));
        withoutWorkers.putAll(env);
        return new BillingStack(db, RunningService.start(db.dataSource(), withoutWorkers));
    }

    @Override
    public void close() {
        service.close();
        db.close();
    }
}
