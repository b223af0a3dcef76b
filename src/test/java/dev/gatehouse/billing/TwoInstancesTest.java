package dev.gatehouse.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stripe may deliver one event twice at once; behind a load balancer the copies land on different instances. */
class TwoInstancesTest {
    private static TestDatabase db;
    private static RunningService first;
    private static RunningService second;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated(16);
        Lifecycles.pricePlans(db.dataSource());
        first = RunningService.start(db.dataSource(), Map.of());
        second = RunningService.start(db.dataSource(), Map.of());
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        db.close();
    }

    @Test
    void theSameEventOnTwoInstancesAtOnceAppliesOnce() throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 15; round++) {
                UUID user = Users.signUp(db.dataSource(), "twice").id();
                String event = StripeObjects.event(StripeObjects.id("evt"), "checkout.session.completed", Lifecycles.T0,
                        StripeObjects.paymentSession(StripeObjects.id("cs_test"), StripeObjects.id("pi"), StripeObjects.id("cus"), user,
                                Lifecycles.PAID_COURSE, Lifecycles.PAID_COURSE_PRICE, "usd", "paid", Lifecycles.T0), null);
                CyclicBarrier together = new CyclicBarrier(2);
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                for (RunningService instance : List.of(first, second)) {
                    answers.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            together.await();
                            return StripeWire.deliver(instance, event);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, pool));
                }
                List<String> bodies = answers.stream().map(CompletableFuture::join).map(r -> r.statusCode() + " " + r.body()).toList();
                assertThat(bodies).as("round %d", round).containsExactlyInAnyOrder(
                        "200 {\"received\":true,\"duplicate\":false}", "200 {\"received\":true,\"duplicate\":true}");
                try (Connection c = db.connect()) {
                    assertThat(Postgrest.scalar(c, "select count(*) from public.payments where user_id = ?", user)).isEqualTo(1L);
                    assertThat(Postgrest.scalar(c, "select count(*) from public.enrollments where student_id = ?", user)).isEqualTo(1L);
                    assertThat(Postgrest.scalar(c, "select count(*) from private.email_outbox where user_id = ? and template = 'payment_receipt'", user))
                            .isEqualTo(1L);
                }
            }
        }
    }
}
