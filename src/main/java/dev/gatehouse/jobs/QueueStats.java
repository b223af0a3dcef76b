package dev.gatehouse.jobs;

/**
 * One queue's health, for {@code /ready} and metrics.
 *
 * @param depth                   rows not yet finished (pending, waiting for a retry, or held)
 * @param oldestPendingAgeSeconds age of the oldest such row, 0 when there is none
 * @param dead                    rows given up
 */
public record QueueStats(long depth, double oldestPendingAgeSeconds, long dead) {}
