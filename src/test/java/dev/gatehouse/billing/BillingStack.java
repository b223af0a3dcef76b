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
        return new BillingStack(db, RunningService.start(db.dataSource(), env));
    }

    @Override
    public void close() {
        service.close();
        db.close();
    }
}
