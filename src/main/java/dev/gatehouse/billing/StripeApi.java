package dev.gatehouse.billing;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import com.fasterxml.jackson.databind.JsonNode;
import com.stripe.net.ApiResource;
import com.stripe.net.StripeResponse;
import com.stripe.model.checkout.Session;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.billingportal.SessionCreateParams;
import dev.gatehouse.refusal.Refusal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls the service makes to Stripe's API, through stripe-java (its pinned API version, its
 * retries with idempotency keys). The base URL comes from {@link BillingSettings#apiBase()}, so tests
 * run against WireMock speaking Stripe's wire format.
 */
public final class StripeApi {
    private static final Logger log = LoggerFactory.getLogger(StripeApi.class);
    private final StripeClient client;

    public StripeApi(BillingSettings settings) {
        this.client = StripeClient.builder().setApiKey(settings.secretKey()).setApiBase(settings.apiBase())
                .setConnectTimeout(5_000).setReadTimeout(20_000).setMaxNetworkRetries(2).build();
    }

    /** Creates the user's customer; the idempotency key makes two concurrent first checkouts get the same one. */
    String createCustomer(UUID userId, String email) {
        CustomerCreateParams.Builder p = CustomerCreateParams.builder().putMetadata("user_id", userId.toString());
        if (email != null) {
            p.setEmail(email);
        }
        return call(() -> client.v1().customers().create(p.build(),
                RequestOptions.builder().setIdempotencyKey("gatehouse-customer-" + userId).build()).getId());
    }

    Session createCheckout(com.stripe.param.checkout.SessionCreateParams params) {
        return call(() -> client.v1().checkout().sessions().create(params));
    }

    String createPortal(String customer, String returnUrl) {
        return call(() -> client.v1().billingPortal().sessions()
                .create(SessionCreateParams.builder().setCustomer(customer).setReturnUrl(returnUrl).build()).getUrl());
    }

    /**
     * Every event created at or after {@code since}, newest first, as the raw JSON Stripe sent (a raw
     * request, so the payload is exactly what a webhook would have carried), paging with {@code starting_after}.
     */
    public void eachEventSince(Instant since, Consumer<String> sink) {
        String after = null;
        boolean more = true;
        while (more) {
            String query = "created%5Bgte%5D=" + since.getEpochSecond() + "&limit=100" + (after == null ? "" : "&starting_after=" + after);
            StripeResponse page = call(() -> client.rawRequest(ApiResource.RequestMethod.GET, "/v1/events?" + query, null));
            if (page.code() != 200) {
                throw new IllegalStateException("Stripe's Events API answered " + page.code() + " (request " + page.requestId() + ")");
            }
            JsonNode list;
            try {
                list = StripeEvent.JSON.readTree(page.body());
            } catch (java.io.IOException e) {
                throw new IllegalStateException("Stripe's Events API answered a body that is not JSON (request " + page.requestId() + ")", e);
            }
            for (JsonNode e : list.path("data")) {
                sink.accept(e.toString());
                after = e.path("id").asText();
            }
            more = list.path("has_more").asBoolean(false) && after != null && !list.path("data").isEmpty();
        }
    }

    private interface StripeCall<T> {
        T run() throws StripeException;
    }

    private static <T> T call(StripeCall<T> c) {
        try {
            return c.run();
        } catch (ApiConnectionException e) {
            log.warn("Stripe unreachable: {}", e.getMessage());
            throw Refusal.unavailable("stripe_unavailable", "Stripe cannot be reached right now. Retry shortly.");
        } catch (StripeException e) {
            log.error("Stripe refused a request (status {}, request {}): {}", e.getStatusCode(), e.getRequestId(), e.getMessage());
            throw new Refusal(502, "api_error", "stripe_error", null,
                    "Stripe refused the request (Stripe request id " + e.getRequestId() + ").", Map.of());
        }
    }
}
