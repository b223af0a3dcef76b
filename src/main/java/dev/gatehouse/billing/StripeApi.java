package dev.gatehouse.billing;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import com.stripe.model.Event;
import com.stripe.model.checkout.Session;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.EventListParams;
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

    /** Every event created at or after {@code since}, newest first, as raw JSON, paging through Stripe's Events API. */
    public void eachEventSince(Instant since, Consumer<String> sink) {
        EventListParams params = EventListParams.builder().setLimit(100L)
                .setCreated(EventListParams.Created.builder().setGte(since.getEpochSecond()).build()).build();
        call(() -> {
            for (Event e : client.v1().events().list(params).autoPagingIterable()) {
                sink.accept(e.getRawJsonObject().toString());
            }
            return null;
        });
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
