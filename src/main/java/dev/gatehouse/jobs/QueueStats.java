package dev.gatehouse.jobs;

/**
 * One queue's health, for {@code /ready} and metrics.
 *
 * @param depth                   rows not yet finished (due, waiting for a retry, or held); a row scheduled
 *                                ahead and never tried is not counted until it falls due
 * @param oldestPendingAgeSeconds age of the oldest such row (from when it fell due, for a row not yet tried), 0 when there is none
 * @param dead                    rows given up
 */
public record QueueStats(long depth, double oldestPendingAgeSeconds, long dead) {}
