package dev.gatehouse.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Grouped}'s queue without a database: an answer completes on the lane that sent it (what is chained to
 * it runs there, not on the caller's thread), an item withdrawn while queued is never sent, and once closed an
 * item is sent alone on the caller's thread.
 */
class GroupedTest {
    private final List<String> sentAlone = new CopyOnWriteArrayList<>();
    private final List<List<String>> sentTogether = new CopyOnWriteArrayList<>();
    private final CountDownLatch laneBusy = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    private Grouped<String, String> grouped(boolean holdFirst) {
        return new Grouped<>("test item", 1, 8, item -> {
            sentAlone.add(item);
            if (holdFirst && item.equals("first")) {
                laneBusy.countDown();
                await(release);
            }
            return item.toUpperCase();
        }, items -> {
            sentTogether.add(items);
            return items.stream().map(String::toUpperCase).toList();
        });
    }

    /** Submits "first" and waits until the lane is sending it (and held there until {@link #release}). */
    private Grouped.Pending<String> laneHeld(Grouped<String, String> g) {
        Grouped.Pending<String> first = g.submit("first");
        await(laneBusy);
        return first;
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anAnswerCompletesOnTheLaneSoWhatIsChainedToItRunsThere() throws Exception {
        try (Grouped<String, String> g = grouped(true)) {
            Grouped.Pending<String> first = laneHeld(g);
            Grouped.Pending<String> second = g.submit("second");
            Grouped.Pending<String> third = g.submit("third");
            List<String> ranOn = new CopyOnWriteArrayList<>();
            second.answer().whenComplete((answer, failure) -> ranOn.add(Thread.currentThread().getName()));
            third.answer().whenComplete((answer, failure) -> ranOn.add(Thread.currentThread().getName()));
            release.countDown();

            assertThat(first.answer().get(10, TimeUnit.SECONDS)).isEqualTo("FIRST");
            assertThat(second.answer().get(10, TimeUnit.SECONDS)).isEqualTo("SECOND");
            assertThat(third.answer().get(10, TimeUnit.SECONDS)).isEqualTo("THIRD");
            assertThat(sentTogether).containsExactly(List.of("second", "third")); // queued behind the first: one round trip
            assertThat(ranOn).hasSize(2).allSatisfy(name -> assertThat(name).isEqualTo("test-item-0"));
        }
    }

    @Test
    void anItemWithdrawnWhileQueuedIsNeverSent() throws Exception {
        try (Grouped<String, String> g = grouped(true)) {
            Grouped.Pending<String> first = laneHeld(g);
            Grouped.Pending<String> second = g.submit("second");

            assertThat(second.withdraw()).isTrue();
            release.countDown();

            assertThat(first.answer().get(10, TimeUnit.SECONDS)).isEqualTo("FIRST");
            assertThat(first.withdraw()).as("already sent").isFalse();
            Grouped.Pending<String> third = g.submit("third");
            assertThat(third.answer().get(10, TimeUnit.SECONDS)).isEqualTo("THIRD");
            assertThat(sentAlone).containsExactly("first", "third");
            assertThat(sentTogether).isEmpty();
            assertThat(second.answer()).isNotDone();
        }
    }

    @Test
    void onceClosedAnItemIsSentAloneOnTheCallersThread() throws Exception {
        Grouped<String, String> g = grouped(false);
        g.close();
        List<String> ranOn = new CopyOnWriteArrayList<>();

        Grouped.Pending<String> late = g.submit("late");
        late.answer().whenComplete((answer, failure) -> ranOn.add(Thread.currentThread().getName()));

        assertThat(late.answer()).isCompletedWithValue("LATE");
        assertThat(late.withdraw()).isFalse();
        assertThat(ranOn).containsExactly(Thread.currentThread().getName());
    }
}
