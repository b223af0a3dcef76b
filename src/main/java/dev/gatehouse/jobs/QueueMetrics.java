package dev.gatehouse.jobs;

import java.util.Map;

/** What {@code /ready} and metrics read about the queues: each queue's depth, oldest pending age and dead rows. */
@FunctionalInterface
public interface QueueMetrics {
    QueueMetrics NONE = Map::of;

    /** Queue name → its stats; a queue whose stats cannot be read right now is left out. */
    Map<String, QueueStats> queueStats();
}
