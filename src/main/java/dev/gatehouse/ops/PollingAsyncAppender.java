package dev.gatehouse.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import ch.qos.logback.core.util.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Logback's AsyncAppender with a writer that polls instead of being woken: the logging thread puts its
 * event in a bounded queue and goes on, and one platform thread writes what is queued to the attached
 * appenders every {@code pollInterval} (10 ms by default), then sleeps again. No logging thread wakes it.
 *
 * <p>Why not {@code ch.qos.logback.classic.AsyncAppender}: its worker waits on the queue, so each line
 * that finds it idle wakes it (a futex wake and a context switch for a line of about 100 bytes). For the
 * access log at 1,000 requests a second that was a thousand wake-ups a second and 5.5 % of the gateway's
 * CPU samples (bench/README.md, session 30), on cores the requests share. logstash-logback-encoder's ring
 * buffer appender can poll too, but its shaded LMAX Disruptor calls {@code sun.misc.Unsafe}, which JDK 24+
 * warns about at start-up and later JDKs will refuse.
 *
 * <p>The same guarantees as the AsyncAppender the access log used ({@code discardingThreshold 0},
 * {@code neverBlock false}): no event is ever dropped; when {@code queueSize} events wait (the console
 * slower than the request rate for a whole burst), the logging thread waits for room. {@link #stop()}
 * writes every queued event, waiting at most {@code maxFlushTime}, then stops the attached appenders.
 * An event is written at most about one poll interval after it was logged.
 */
public final class PollingAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent> implements AppenderAttachable<ILoggingEvent> {
    private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
    private int queueSize = 8192;
    private Duration pollInterval = Duration.buildByMilliseconds(10);
    private Duration maxFlushTime = Duration.buildBySeconds(2);
    private ArrayBlockingQueue<ILoggingEvent> queue;
    private Thread writer;
    private volatile boolean stopping;

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    public int getQueueSize() {
        return queueSize;
    }

    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    public Duration getPollInterval() {
        return pollInterval;
    }

    public void setMaxFlushTime(Duration maxFlushTime) {
        this.maxFlushTime = maxFlushTime;
    }

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        if (queueSize < 1) {
            addError("queueSize must be at least 1, not " + queueSize);
            return;
        }
        if (pollInterval.getMilliseconds() < 1 || pollInterval.getMilliseconds() > 1000) {
            addError("pollInterval must be between 1 ms and 1 s, not " + pollInterval);
            return;
        }
        if (!appenders.iteratorForAppenders().hasNext()) {
            addError("no appender to write to: add one with <appender-ref>");
            return;
        }
        queue = new ArrayBlockingQueue<>(queueSize);
        stopping = false;
        super.start();
        writer = Thread.ofPlatform().daemon().name("log-writer-" + getName()).start(this::write);
    }

    @Override
    protected void append(ILoggingEvent event) {
        // what the event reads from its thread (MDC, message arguments, thread name) is fixed now, before another thread writes it
        event.prepareForDeferredProcessing();
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(event); // never signals the writer: it does not wait on the queue
                break;
            } catch (InterruptedException e) {
                interrupted = true; // a line is not dropped for an interrupt; the flag is given back below
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The writer: every poll interval, everything queued, in order; after {@link #stop()}, what is left, then the appenders stop. */
    private void write() {
        List<ILoggingEvent> batch = new ArrayList<>(Math.min(queueSize, 1024));
        long pollNanos = TimeUnit.MILLISECONDS.toNanos(pollInterval.getMilliseconds());
        while (true) {
            boolean last = stopping; // read before draining: whatever was queued before stop() is in this drain or a later one
            while (queue.drainTo(batch, 1024) > 0) {
                for (ILoggingEvent event : batch) {
                    try {
                        appenders.appendLoopOnAppenders(event);
                    } catch (RuntimeException e) {
                        addError("an attached appender failed; the writer goes on with the next event", e); // the writer must not die
                    }
                }
                batch.clear();
            }
            if (last) {
                break;
            }
            LockSupport.parkNanos(this, pollNanos);
        }
        appenders.detachAndStopAllAppenders();
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop(); // events logged from now on are not accepted (UnsynchronizedAppenderBase drops them with a status warning)
        stopping = true;
        LockSupport.unpark(writer);
        try {
            writer.join(java.time.Duration.ofMillis(Math.max(maxFlushTime.getMilliseconds(), 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            addWarn("stopped with " + queue.size() + " queued event(s) not yet written after " + maxFlushTime);
        }
    }

    @Override
    public void addAppender(Appender<ILoggingEvent> appender) {
        appenders.addAppender(appender);
    }

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return appenders.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return appenders.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return appenders.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        appenders.detachAndStopAllAppenders();
    }

    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return appenders.detachAppender(appender);
    }

    @Override
    public boolean detachAppender(String name) {
        return appenders.detachAppender(name);
    }
}
