package dev.gatehouse.web;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;

/**
 * {@code GET /openapi.json} (the hand-written OpenAPI 3.1 document, {@code openapi/openapi.json}; {@code
 * OpenApiDocumentTest} fails when a registered route is missing from it) and {@code GET /docs}, Swagger UI
 * from the {@code org.webjars:swagger-ui} jar, served by the service itself: no CDN, so the page works
 * offline and its CSP allows only this origin. Every file is read once at start.
 */
public final class ApiDocs {
    static final String DOCUMENT = "openapi/openapi.json";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    /** The page's own policy: scripts and styles from this origin only (Swagger UI sets inline styles). */
    static final String DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
            + " connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private record Asset(byte[] bytes, String contentType) {}

    private final byte[] document;
    private final String etag;
    private final byte[] page;
    private final Map<String, Asset> assets;

    public ApiDocs() {
        document = resource(DOCUMENT);
        etag = "\"" + sha256(document).substring(0, 16) + "\"";
        page = resource("docs/index.html");
        String ui = WEBJAR + swaggerUiVersion() + "/";
        assets = Map.of(
                "swagger-ui-bundle.js", new Asset(resource(ui + "swagger-ui-bundle.js"), "text/javascript; charset=utf-8"),
                "swagger-ui.css", new Asset(resource(ui + "swagger-ui.css"), "text/css; charset=utf-8"),
                "favicon-32x32.png", new Asset(resource(ui + "favicon-32x32.png"), "image/png"),
                "favicon-16x16.png", new Asset(resource(ui + "favicon-16x16.png"), "image/png"),
                "init.js", new Asset(resource("docs/init.js"), "text/javascript; charset=utf-8"));
    }

    public void openapi(Context ctx) {
        ctx.header("Cache-Control", "public, max-age=300");
        ctx.header("ETag", etag);
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType("application/json").result(document);
    }

    public void page(Context ctx) {
        ctx.header("Content-Security-Policy", DOCS_CSP);
        ctx.header("Cache-Control", "public, max-age=300");
        ctx.contentType("text/html; charset=utf-8").result(page);
    }

    public void asset(Context ctx) {
        Asset a = assets.get(ctx.pathParam("file"));
        if (a == null) {
            ctx.status(404).json(ErrorBodies.body("No such file under /docs/assets.", "invalid_request_error", null, "not_found"));
            return;
        }
        ctx.header("Cache-Control", "public, max-age=86400");
        ctx.contentType(a.contentType()).result(a.bytes());
    }

    /** The webjar's version, from the pom.properties Maven puts in every jar, so upgrading the dependency needs no code change. */
    private static String swaggerUiVersion() {
        Properties p = new Properties();
        try (InputStream in = stream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] resource(String name) {
        try (InputStream in = stream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream stream(String name) {
        InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing from the jar: " + name);
        }
        return in;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
