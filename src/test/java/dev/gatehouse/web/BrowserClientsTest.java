package dev.gatehouse.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.HeadlessChromium;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The front-end examples in a real browser: headless Chromium (Debian's chromium + chromium-driver) loads a page
 * from a second origin, which calls the gateway with fetch (JSON, and a stream read chunk by chunk), with the
 * official OpenAI JS SDK (bundled from npm at test time), and reads Retry-After and
 * x-ratelimit-remaining-requests from a 429. The test asserts on what the page shows.
 *
 * <p>Without Chromium or npm the test is skipped locally, saying so; under {@code CI=true} it fails instead,
 * since {@code .ci/run} installs them.
 */
class BrowserClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> WORDS = List.of("Row", " level", " security", " keeps", " rows", " private", ".");

    private static TestDatabase db;
    private static WireMockServer upstream;
    private static HttpServer pages;
    private static RunningService service;
    private static WebDriver browser;
    private static String pageOrigin;

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.required("chromium", "CHROME_BIN", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        HeadlessChromium.required("chromedriver", "CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        requiredCommand("npm");
        Path sdk = BrowserSdk.build();

        pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pages.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring(1);
            Path file = List.of("page.html", "openai.js").contains(name) ? sdk.resolve(name) : null;
            if (file == null) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type", name.endsWith(".html") ? "text/html; charset=utf-8" : "text/javascript");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        pages.start();
        // Another origin than the gateway's (127.0.0.1:<gateway port>): another host name and port.
        pageOrigin = "http://localhost:" + pages.getAddress().getPort();

        upstream = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        upstream.start();
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).withRequestBody(equalToJson("{\"stream\": true}", true, true))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
                        .withBody(openAiStream()).withChunkedDribbleDelay(WORDS.size() + 2, 1500)));
        Path config = Files.createTempFile("gateway", ".json");
        Files.writeString(config, """
                {
                  "providers": {"openai": {"kind": "openai", "base_url": "%s/v1", "api_key_env": "UPSTREAM_KEY"}, "dev-echo": {"kind": "dev-echo"}},
                  "deployments": {"mini": {"provider": "openai", "model": "gpt-4o-mini"}, "dev-echo": {"provider": "dev-echo", "model": "dev-echo"}},
                  "routes": {"gpt-4o-mini": ["mini"], "dev-echo": ["dev-echo"]}
                }
                """.formatted(upstream.baseUrl()));
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_CONFIG", config.toString(), "UPSTREAM_KEY", "sk-test-browser-0123456789",
                "CORS_ORIGINS", pageOrigin));

        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.close();
        }
        if (db != null) {
            db.close();
        }
        if (upstream != null) {
            upstream.stop();
        }
        if (pages != null) {
            pages.stop(0);
        }
    }

    private static String openAiStream() {
        StringBuilder sse = new StringBuilder();
        for (String w : WORDS) {
            sse.append("data: {\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",")
                    .append("\"choices\":[{\"index\":0,\"delta\":{\"content\":").append(com.fasterxml.jackson.databind.node.TextNode.valueOf(w).toString()).append("},\"finish_reason\":null}]}\n\n");
        }
        sse.append("data: {\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",")
                .append("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        sse.append("data: {\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",")
                .append("\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}\n\n");
        return sse.append("data: [DONE]\n\n").toString();
    }

    private static void requiredCommand(String command) throws InterruptedException {
        try {
            if (new ProcessBuilder(command, "--version").redirectErrorStream(true).start().waitFor() == 0) {
                return;
            }
        } catch (IOException e) {
            // not installed: reported below
        }
        HeadlessChromium.missing(command + " (apt-get install nodejs npm)");
    }

    private static String shown(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    @Test
    void aPageOnAnotherOriginCallsTheGatewayWithFetchTheSdkAndReadsA429sHeaders() throws Exception {
        AuthUser active = Users.signUp(db.dataSource(), "browser");
        Users.subscribe(db.dataSource(), active.id(), Users.plan(db.dataSource(), 100, null, 100, 256, 4));
        AuthUser spent = Users.signUp(db.dataSource(), "browser-spent");
        Users.subscribe(db.dataSource(), spent.id(), Users.plan(db.dataSource(), 1, null, 100, 256, 4));
        String spentToken = service.tokenFor(spent);
        assertThat(service.post("/v1/chat/completions", spentToken,
                "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"the only one\"}]}").statusCode()).isEqualTo(200);

        browser.get(pageOrigin + "/page.html?gw=" + URLEncoder.encode(service.baseUrl(), StandardCharsets.UTF_8)
                + "&token=" + service.tokenFor(active) + "&spent=" + spentToken);
        new WebDriverWait(browser, Duration.ofSeconds(60)).until(b -> shown("status").equals("done"));

        assertThat(shown("errors")).isEmpty();
        assertThat(shown("fetch-json")).startsWith("200 ").contains("hello from fetch");
        assertThat(shown("fetch-json-request-id")).matches("req_[0-9a-f]{32}");
        assertThat(shown("fetch-stream")).isEqualTo(String.join("", WORDS));
        assertThat(Integer.parseInt(shown("fetch-stream-reads"))).as("reads of the stream").isGreaterThan(1);
        assertThat(shown("sdk")).contains("hello from the sdk");
        assertThat(shown("sdk-stream")).isEqualTo(String.join("", WORDS));
        JsonNode limited = JSON.readTree(shown("rate-limited"));
        assertThat(limited.get("status").asInt()).isEqualTo(429);
        assertThat(limited.get("code").asText()).isEqualTo("insufficient_quota");
        assertThat(limited.get("retryAfter").asText()).matches("[1-9][0-9]*");
        assertThat(limited.get("remaining").asText()).isEqualTo("0");
    }

    @Test
    void everyXStainlessHeaderInTheSdksSourceIsAllowedByThePreflight() throws Exception {
        var sent = BrowserSdk.stainlessHeaders();

        assertThat(sent).as("x-stainless-* headers in openai " + BrowserSdk.version()).isNotEmpty()
                .contains("x-stainless-lang", "x-stainless-runtime", "x-stainless-retry-count");
        assertThat(CrossOrigin.ALLOWED_HEADERS).containsAll(sent);
    }
}
