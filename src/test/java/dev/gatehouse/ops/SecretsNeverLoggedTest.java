package dev.gatehouse.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.stripe.net.Webhook;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.email.HookSignature;
import dev.gatehouse.support.LogCapture;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.TwoDeploymentUpstream;
import dev.gatehouse.support.Users;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Secrets, prompts and completions never reach a log line: one run sends access tokens (valid,
 * forged, expired), personal API keys (valid and unknown), the Stripe secret key, both webhook signing
 * secrets, the provider and Resend keys, and prompts and completions carrying a marker through every
 * endpoint, with failures along the way (a provider refusing, Stripe refusing, Resend refusing, bad
 * signatures), and then searches everything logged, at every level of the service's own loggers.
 */
class SecretsNeverLoggedTest {
    private static final String MARK = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private static final String PROMPT = "PROMPT-" + MARK;
    private static final String COMPLETION = "COMPLETION-" + MARK;
    private static final String PROVIDER_KEY = "sk-proj-provider" + MARK;
    private static final String STRIPE_KEY = "sk_test_stripe" + MARK;
    private static final String RESEND_KEY = "re_resend" + MARK;
    private static final byte[] HOOK_KEY = ("hook-key-" + MARK).getBytes(StandardCharsets.UTF_8);
    private static final String HOOK_SECRET = "v1,whsec_" + Base64.getEncoder().encodeToString(HOOK_KEY);
    private static final String OPS_TOKEN = "ops-token-" + MARK + MARK;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void noTokenKeySecretPromptOrCompletionAppearsInAnyLogLine() throws Exception {
        List<String> secrets = new ArrayList<>(List.of(PROMPT, COMPLETION, PROVIDER_KEY, STRIPE_KEY, RESEND_KEY, HOOK_SECRET,
                Base64.getEncoder().encodeToString(HOOK_KEY), OPS_TOKEN, RunningService.STRIPE_WEBHOOK_SECRET, RunningService.SECRET));
        WireMockServer fakes = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        fakes.start();
        try (TestDatabase db = TestDatabase.migrated(); LogCapture logs = new LogCapture()) {
            // A provider that answers with the completion marker, and refuses our key for one model.
            fakes.stubFor(post(urlEqualTo("/ok/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/json").withBody(TwoDeploymentUpstream.completion(COMPLETION))));
            fakes.stubFor(post(urlEqualTo("/ok/v1/chat/completions")).withRequestBody(equalToJson("{\"stream\": true}", true, true))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream").withBody(stream(COMPLETION))));
            fakes.stubFor(post(urlEqualTo("/refusing/v1/chat/completions")).willReturn(aResponse().withStatus(401)
                    .withHeader("Content-Type", "application/json").withBody("""
                            {"error":{"message":"Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"""
                            .formatted(PROVIDER_KEY))));
            // Stripe and Resend refuse, quoting what they were sent as their real APIs partly do.
            fakes.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":{\"message\":\"Invalid API Key provided: " + STRIPE_KEY + "\",\"type\":\"invalid_request_error\"},"
                            + "\"statusCode\":401,\"name\":\"validation_error\",\"message\":\"API key is invalid: " + RESEND_KEY + "\"}")));
            Path config = Files.createTempFile("gateway-secrets", ".json");
            Files.writeString(config, """
                    {"providers": {"ok": {"kind": "openai", "base_url": "%1$s/ok/v1", "api_key_env": "UPSTREAM_KEY"},
                                   "refusing": {"kind": "openai", "base_url": "%1$s/refusing/v1", "api_key_env": "UPSTREAM_KEY"}},
                     "deployments": {"ok": {"provider": "ok", "model": "gpt-4o-mini"}, "refusing": {"provider": "refusing", "model": "gpt-4o-mini"}},
                     "routes": {"gpt-4o-mini": ["ok"], "claude-haiku": ["refusing"]}}""".formatted(fakes.baseUrl()));
            try (RunningService service = RunningService.start(db.dataSource(), Map.ofEntries(
                    Map.entry("GATEHOUSE_CONFIG", config.toString()), Map.entry("UPSTREAM_KEY", PROVIDER_KEY),
                    Map.entry("STRIPE_SECRET_KEY", STRIPE_KEY), Map.entry("STRIPE_API_BASE", fakes.baseUrl()),
                    Map.entry("RESEND_API_KEY", RESEND_KEY), Map.entry("RESEND_BASE_URL", fakes.baseUrl()),
                    Map.entry("SEND_EMAIL_HOOK_SECRET", HOOK_SECRET), Map.entry("GATEHOUSE_OPS_TOKEN", OPS_TOKEN)))) {
                AuthUser user = Users.signUp(db.dataSource(), "secrets");
                Users.subscribe(db.dataSource(), user.id(), Users.plan(db.dataSource(), 1000, null, 1000, 256, 4));
                String token = service.tokenFor(user);
                String forged = token.substring(0, token.lastIndexOf('.') + 1) + "forged" + MARK;
                String key = apiKey(db, user);
                String unknownKey = "gh_unknown" + MARK + MARK;
                secrets.addAll(List.of(token, token.substring(token.lastIndexOf('.') + 1), forged, key, unknownKey));

                for (String bearer : List.of(token, forged, key, unknownKey, "not-a-credential-" + MARK)) {
                    everyEndpoint(service, bearer);
                }
                String hookBody = """
                        {"user": {"id": "%s", "aud": "authenticated", "role": "authenticated", "email": "%s", "app_metadata": {}, "user_metadata": {}},
                         "email_data": {"email_action_type": "magiclink", "site_url": "https://ref.supabase.co/auth/v1", "token": "%s",
                                        "token_hash": "hash-%s", "redirect_to": "https://app.example.com"}}""".formatted(user.id(), user.email(), PROMPT, MARK);
                long now = Instant.now().getEpochSecond();
                send(service, "POST", "/hooks/auth/send-email", null, hookBody, "webhook-id", "msg_" + MARK, "webhook-timestamp", Long.toString(now),
                        "webhook-signature", HookSignature.sign(HOOK_KEY, "msg_" + MARK, now, hookBody.getBytes(StandardCharsets.UTF_8)));
                send(service, "POST", "/hooks/auth/send-email", null, hookBody, "webhook-id", "msg_x", "webhook-timestamp", Long.toString(now),
                        "webhook-signature", "v1," + HOOK_SECRET);
                String event = """
                        {"id":"evt_%s","object":"event","api_version":"2026-07-29.dahlia","created":1764000000,"livemode":false,"type":"customer.created",
                         "data":{"object":{"id":"cus_%s","object":"customer","description":"%s"}},"pending_webhooks":1,"request":{"id":null}}""".formatted(MARK, MARK, PROMPT);
                send(service, "POST", "/webhooks/stripe", null, event, "Stripe-Signature",
                        Webhook.Signature.generateSignatureHeader(event, RunningService.STRIPE_WEBHOOK_SECRET, Webhook.Util.getTimeNow()));
                send(service, "POST", "/webhooks/stripe", null, event, "Stripe-Signature", "t=1,v1=" + RunningService.STRIPE_WEBHOOK_SECRET);
                send(service, "GET", "/metrics", OPS_TOKEN, null);
                send(service, "GET", "/metrics", OPS_TOKEN + "x", null);
                send(service, "GET", "/status/data", OPS_TOKEN, null);
                // The welcome email of the new user and the hook's email go to Resend, which refuses the key.
                await().atMost(Duration.ofSeconds(20)).until(() -> fakes.getAllServeEvents().stream()
                        .anyMatch(e -> e.getRequest().getUrl().startsWith("/emails")));
            }

            String logged = logs.text();
            assertThat(logged).as("the capture saw the run").contains("/v1/chat/completions").contains("refused us");
            List<String> leaks = logged.lines().filter(line -> secrets.stream().anyMatch(line::contains)).toList();
            assertThat(leaks).as("log lines holding a secret, a prompt or a completion").isEmpty();
        } finally {
            fakes.stop();
        }
    }

    private void everyEndpoint(RunningService service, String bearer) throws Exception {
        String chat = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]%s}";
        send(service, "POST", "/v1/chat/completions", bearer, chat.formatted("gpt-4o-mini", ""));
        send(service, "POST", "/v1/chat/completions", bearer, chat.formatted("gpt-4o-mini", ",\"stream\":true"));
        send(service, "POST", "/v1/chat/completions", bearer, chat.formatted("claude-haiku", ""));
        send(service, "POST", "/v1/chat/completions", bearer, chat.formatted("no-such-model-" + PROMPT, ""));
        send(service, "POST", "/v1/chat/completions", bearer, "{\"model\":\"gpt-4o-mini\",\"messages\":\"" + PROMPT + "\"}");
        send(service, "GET", "/v1/models", bearer, null);
        send(service, "GET", "/v1/usage", bearer, null);
        send(service, "GET", "/v1/tasks", bearer, null);
        send(service, "POST", "/v1/tasks/mentor-answer", bearer, "{\"variables\":{\"question\":\"" + PROMPT + "\"}}");
        send(service, "POST", "/v1/tasks/prompt-enrichment", bearer, "{\"variables\":{\"raw_prompt\":\"" + PROMPT + "\"},\"stream\":true}");
        send(service, "POST", "/v1/tasks/homework-feedback", bearer, "{\"variables\":{\"wrong\":\"" + PROMPT + "\"}}");
        send(service, "POST", "/v1/mentor/ask", bearer, "{\"question\":\"" + PROMPT + "\",\"context\":\"" + PROMPT + "\"}");
        sendRaw(service, "/v1/mentor/resume", bearer, "text/plain", "Resume of " + PROMPT + "\nSkills: SQL");
        send(service, "POST", "/v1/sales/call-analyses", bearer, "{\"transcript\":\"Rep: " + PROMPT + "\",\"title\":\"" + PROMPT + "\"}");
        send(service, "POST", "/v1/import/prompts", bearer, "{\"prompts\":[{\"id\":\"p-" + MARK + "\",\"title\":\"t\",\"body\":\"" + PROMPT + "\"}]}");
        send(service, "POST", "/v1/import/sales", bearer, "{\"clients\":[{\"id\":3,\"name\":\"" + PROMPT + "\"}]}");
        send(service, "POST", "/v1/billing/checkout", bearer, "{\"plan\":\"pro\"}");
        send(service, "POST", "/v1/billing/portal", bearer, "{}");
        send(service, "GET", "/certificates/" + bearer, null, null);
        send(service, "GET", "/status/data", bearer, null);
        send(service, "GET", "/metrics", bearer, null);
        send(service, "GET", "/health", bearer, null);
        send(service, "GET", "/ready", bearer, null);
        send(service, "GET", "/no-such-route/" + bearer, bearer, null);
    }

    private void send(RunningService service, String method, String path, String bearer, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(service.baseUrl() + path.replace(" ", "%20"))).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
            if (!bearer.startsWith("ops-token-")) {
                b.header("x-request-id", bearer); // a credential sent as a trace id is refused by its shape, never logged
            }
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        http.send(b.build(), HttpResponse.BodyHandlers.discarding());
    }

    private void sendRaw(RunningService service, String path, String bearer, String type, String body) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + path)).header("Authorization", "Bearer " + bearer).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private static String stream(String content) {
        return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + content + "\"},\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                + "data: [DONE]\n\n";
    }

    private static String apiKey(TestDatabase db, AuthUser user) throws Exception {
        String key = "gh_" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(MARK.getBytes(StandardCharsets.UTF_8))).substring(0, 40);
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into public.api_keys (user_id, name, prefix, key_hash, scopes) values (?, 'secrets test', ?, ?, ?::text[])",
                    user.id(), key.substring(0, 11),
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8))), "{chat,tasks,models,usage,billing}");
        }
        return key;
    }
}
