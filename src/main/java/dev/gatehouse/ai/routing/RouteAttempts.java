package dev.gatehouse.ai.routing;

import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.TokenSource;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.config.RetryPolicy;
import dev.gatehouse.ai.provider.Upstream;
import dev.gatehouse.ai.provider.UpstreamFailure;
import dev.gatehouse.refusal.Refusal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry and fallback rules for one request, walked one attempt at a time: the route's
 * deployments in order, skipping those whose breaker is open; on a retryable failure the same
 * deployment again after Retry-After or a fully jittered exponential backoff, unless that wait would
 * pass the deadline, in which case the next deployment at once; on a caller error, nothing more.
 * Every attempt reports to its deployment's breaker exactly once.
 */
public final class RouteAttempts {
    private static final Logger log = LoggerFactory.getLogger(RouteAttempts.class);

    /** One try at one deployment, with the time it may take. */
    public record Attempt(RouteStep step, Duration timeout) {
        public Upstream upstream() {
            return step.upstream();
        }
    }

    private final ChatRequest request;
    private final List<RouteStep> steps;
    private final RetryPolicy policy;
    private final Duration breakerOpenFor;
    private final long startNanos;
    private final long deadlineNanos;
    private int stepIndex;
    private int triesOnStep;
    private int attempts;
    private long waitNanos;
    private RouteStep current;
    private long currentStartNanos;

    public RouteAttempts(ChatRequest request, List<RouteStep> steps, RetryPolicy policy, Duration breakerOpenFor, long startNanos) {
        this.request = request;
        this.steps = steps;
        this.policy = policy;
        this.breakerOpenFor = breakerOpenFor;
        this.startNanos = startNanos;
        this.deadlineNanos = startNanos + policy.deadline().toNanos();
    }

    /** The next attempt to make, after any wait the last failure asked for; throws 502/503 when none is left. */
    public Attempt next() {
        while (true) {
            if (waitNanos > 0) {
                pause(waitNanos);
                waitNanos = 0;
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (stepIndex >= steps.size() || remaining <= 0) {
                throw exhausted(remaining <= 0);
            }
            RouteStep step = steps.get(stepIndex);
            if (triesOnStep >= policy.maxAttemptsPerDeployment()) {
                moveOn();
                continue;
            }
            if (!step.breaker().tryAcquirePermission()) {
                log.debug("{}: skipping deployment {}, its circuit breaker is {}", request.alias(), step.deployment().name(),
                        step.breaker().getState());
                moveOn();
                continue;
            }
            triesOnStep++;
            attempts++;
            current = step;
            currentStartNanos = System.nanoTime();
            return new Attempt(step, Duration.ofNanos(Math.min(step.deployment().attemptTimeout().toNanos(), remaining)));
        }
    }

    /** One try at one attempt: an answer, or the failure that decides what comes next. */
    @FunctionalInterface
    public interface Try<T> {
        T at(Attempt attempt) throws UpstreamFailure;
    }

    /**
     * Tries attempt after attempt until one answers, and returns that answer (its attempt is
     * {@link #current()}); throws the caller's 4xx or the 502/503 {@link #next()} throws. Anything
     * else thrown gives the attempt's permission back and is rethrown.
     */
    public <T> T untilAnswered(Try<T> attempt) {
        while (true) {
            Attempt next = next();
            T answer;
            try {
                answer = attempt.at(next);
            } catch (UpstreamFailure failure) {
                failed(failure);
                continue;
            } catch (RuntimeException e) {
                abandoned();
                throw e;
            }
            succeeded();
            return answer;
        }
    }

    /** The deployment of the latest attempt. */
    public Deployment current() {
        return current.deployment();
    }

    public void succeeded() {
        current.breaker().onSuccess(elapsedNanos(), TimeUnit.NANOSECONDS);
    }

    /** Records a failure before the first byte and decides what comes next; throws the caller's 4xx when the request was at fault. */
    public void failed(UpstreamFailure failure) {
        if (failure.kind() == UpstreamFailure.Kind.CALLER_ERROR) {
            // The provider is healthy: it answered, and correctly. Nothing to fall back from.
            current.breaker().onSuccess(elapsedNanos(), TimeUnit.NANOSECONDS);
            throw failure.callerError();
        }
        current.breaker().onError(elapsedNanos(), TimeUnit.NANOSECONDS, failure);
        logFailure(failure);
        if (!failure.kind().retrySameDeployment || triesOnStep >= policy.maxAttemptsPerDeployment()) {
            moveOn();
            return;
        }
        long wait = failure.retryAfter() != null ? failure.retryAfter().toNanos() : backoffNanos();
        // Compared with what is left, never as nanoTime() + wait: a provider's hint must not overflow into the past.
        if (wait >= deadlineNanos - System.nanoTime()) {
            moveOn();
        } else {
            waitNanos = wait;
        }
    }

    /** A failure after the caller received bytes: counted against the deployment, but nothing more is tried. */
    public void failedAfterFirstByte(UpstreamFailure failure) {
        current.breaker().onError(elapsedNanos(), TimeUnit.NANOSECONDS, failure);
        logFailure(failure);
    }

    /** The caller left: no fault of the provider's. */
    public void callerLeft() {
        current.breaker().onSuccess(elapsedNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The attempt ended in something other than an upstream answer or failure (a request the
     * dialect cannot express, a bug): the permission goes back, so a half-open breaker is not starved.
     */
    public void abandoned() {
        current.breaker().releasePermission();
    }

    public Usage usage(Outcome outcome, int promptTokens, int completionTokens, TokenSource source) {
        return new Usage(request.requestId(), request.alias(), outcome, current.deployment().name(),
                promptTokens, completionTokens, source, attempts, Duration.ofNanos(System.nanoTime() - startNanos));
    }

    public Usage failedUsage() {
        return Usage.failed(request, attempts, Duration.ofNanos(System.nanoTime() - startNanos));
    }

    private void moveOn() {
        stepIndex++;
        triesOnStep = 0;
    }

    /** Full jitter: uniform in [0, min(max, base * 2^(tries-1))]. */
    private long backoffNanos() {
        long ceiling = policy.baseBackoff().toNanos() << Math.min(triesOnStep - 1, 20);
        ceiling = Math.min(ceiling, policy.maxBackoff().toNanos());
        return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    private void pause(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Refusal.unavailable("request_interrupted", "The request was interrupted before a model answered; it was not charged.");
        }
    }

    private Refusal exhausted(boolean deadlinePassed) {
        if (attempts == 0) {
            log.warn("{}: no deployment available (none enabled, or every circuit breaker open)", request.alias());
            return new Refusal(503, "service_unavailable", "no_deployment_available", null,
                    "No provider is available for model '" + request.alias() + "' right now; the request was not charged. Retry later.",
                    Map.of("Retry-After", Long.toString(Math.max(1, breakerOpenFor.toSeconds()))));
        }
        log.warn("{}: every deployment failed after {} attempts{}", request.alias(), attempts,
                deadlinePassed ? " (deadline of " + policy.deadline().toMillis() + " ms reached)" : "");
        return new Refusal(502, "server_error", "upstream_error", null,
                "The model providers for '" + request.alias() + "' failed" + (deadlinePassed ? " to answer in time" : "")
                        + "; the request was not charged. Quote request id " + request.requestId() + " when reporting it.",
                Map.of());
    }

    private void logFailure(UpstreamFailure failure) {
        Deployment deployment = current.deployment();
        if (failure.kind() == UpstreamFailure.Kind.MISCONFIGURED) {
            log.error("{}: deployment {} refused us ({}): check its key ({}), model id '{}' and base URL", request.alias(),
                    deployment.name(), failure.getMessage(), deployment.provider().apiKeyEnv(), deployment.model());
        } else {
            log.warn("{}: deployment {} attempt {} failed: {} {}", request.alias(), deployment.name(), triesOnStep,
                    failure.kind(), failure.getMessage());
        }
    }

    private long elapsedNanos() {
        return System.nanoTime() - currentStartNanos;
    }
}
