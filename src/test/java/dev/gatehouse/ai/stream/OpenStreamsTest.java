package dev.gatehouse.ai.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stream watchdog's sweep: each deadline cancels the call (and says whether it was a timeout),
 * a silence counts only while the reader waits for the upstream, and the sweep runs only while a
 * stream is open. Calls are never executed: a cancel is what the watchdog does to them.
 */
class OpenStreamsTest {
    private static final OkHttpClient CLIENT = new OkHttpClient();
    private static final Duration LONG = Duration.ofSeconds(30);
    private OpenStreams streams;

    @AfterEach
    void stop() {
        if (streams != null) {
            streams.close();
        }
    }

    private static Call call() {
        return CLIENT.newCall(new Request.Builder().url("http://127.0.0.1:9/v1/chat/completions").build());
    }

    @Test
    void aLateFirstEventCancelsTheCallAsATimeout() {
        streams = new OpenStreams(LONG, Duration.ofMillis(200));
        Call call = call();
        OpenStreams.Watch watch = streams.open(call, Duration.ofMillis(200), LONG);

        await().atMost(Duration.ofSeconds(5)).until(call::isCanceled);
        assertThat(watch.timedOut()).isTrue();
    }

    @Test
    void aFirstEventInTimeStopsTheFirstEventDeadline() throws Exception {
        streams = new OpenStreams(LONG, Duration.ofMillis(200));
        Call call = call();
        OpenStreams.Watch watch = streams.open(call, Duration.ofMillis(200), LONG);
        watch.firstEvent();

        Thread.sleep(600); // three times the first-event deadline, 60 ticks
        assertThat(call.isCanceled()).isFalse();
        watch.close();
    }

    @Test
    void aSilenceCountsOnlyWhileTheReaderWaitsForTheUpstream() throws Exception {
        streams = new OpenStreams(LONG, Duration.ofMillis(200));
        Call call = call();
        OpenStreams.Watch watch = streams.open(call, LONG, Duration.ofMillis(200));
        watch.firstEvent();
        watch.waiting();
        watch.progressed(); // a line arrived; the reader now writes to a slow caller, which is no silence of the upstream

        Thread.sleep(600);
        assertThat(call.isCanceled()).as("time spent writing to the caller").isFalse();

        watch.waiting();
        await().atMost(Duration.ofSeconds(5)).until(call::isCanceled);
        assertThat(watch.timedOut()).isTrue();
    }

    @Test
    void aStreamPastItsMaximumDurationIsCancelledButNotAsATimeout() {
        streams = new OpenStreams(Duration.ofMillis(300), LONG);
        Call call = call();
        OpenStreams.Watch watch = streams.open(call, LONG, LONG);
        watch.firstEvent();

        await().atMost(Duration.ofSeconds(5)).until(call::isCanceled);
        assertThat(watch.timedOut()).isFalse();
    }

    @Test
    void theSweepRunsOnlyWhileAStreamIsOpenAndStartsAgainForTheNextOne() {
        streams = new OpenStreams(LONG, Duration.ofMillis(200));
        OpenStreams.Watch first = streams.open(call(), LONG, LONG);
        assertThat(streams.sweeping()).isTrue();
        first.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !streams.sweeping());

        Call late = call();
        OpenStreams.Watch second = streams.open(late, Duration.ofMillis(100), LONG);
        assertThat(streams.sweeping()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(late::isCanceled);
        assertThat(second.timedOut()).isTrue();
    }

    @Test
    void endingCancelsTheOpenStreamsAndEveryOneOpenedAfter() {
        streams = new OpenStreams(LONG, LONG);
        Call open = call();
        streams.open(open, LONG, LONG);

        streams.endAll();
        Call after = call();
        OpenStreams.Watch watch = streams.open(after, LONG, LONG);

        assertThat(open.isCanceled()).isTrue();
        assertThat(after.isCanceled()).isTrue();
        assertThat(watch.timedOut()).isFalse();
        assertThat(streams.ending()).isTrue();
    }

    @Test
    void theTickIsATwentiethOfTheShortestTimeoutWithinItsBounds() {
        assertThat(new OpenStreams(LONG, Duration.ofSeconds(2)).tick()).isEqualTo(Duration.ofMillis(100));
        assertThat(new OpenStreams(LONG, Duration.ofMinutes(10)).tick()).isEqualTo(OpenStreams.MAX_TICK);
        assertThat(new OpenStreams(LONG, Duration.ofMillis(50)).tick()).isEqualTo(OpenStreams.MIN_TICK);
        assertThat(new OpenStreams(Duration.ofSeconds(1), LONG).tick()).isEqualTo(Duration.ofMillis(50));
    }
}
