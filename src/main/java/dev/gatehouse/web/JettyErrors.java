package dev.gatehouse.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers itself, before a request reaches a route (a header block over the limit, a bad
 * request line or method, an ambiguous or malformed URI or path), in OpenAI's error shape instead of Jetty's
 * HTML page, so an SDK reads them like every other refusal. Jetty's own reason text is not echoed: it
 * describes the parser, not what the caller should do.
 */
final class JettyErrors extends ErrorHandler {
    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, MimeTypes.Type.APPLICATION_JSON_UTF_8.asString());

    JettyErrors() {
        setShowStacks(false);
        setShowCauses(false);
        setShowOrigin(false);
    }

    /** Errors with a request (bad URI or path, 4xx/5xx raised inside Jetty's handling). */
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(JSON);
        response.write(true, ByteBuffer.wrap(body(code)), callback);
    }

    /** Errors found while parsing, before a request exists (header too large, bad request line, bad method). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(JSON);
        return ByteBuffer.wrap(body(status));
    }

    static byte[] body(int status) {
        String code = switch (status) {
            case 400 -> "bad_request";
            case 405 -> "method_not_allowed";
            case 413 -> "request_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "request_headers_too_large";
            case 501 -> "not_implemented";
            default -> status >= 500 ? "server_error" : "invalid_request";
        };
        String message = switch (status) {
            case 400 -> "The request is malformed: its request line, URI, path or headers are not valid HTTP.";
            case 405 -> "This method is not allowed here.";
            case 413 -> "The request body is too large.";
            case 414 -> "The request URI is too long.";
            case 431 -> "The request headers are too large (at most " + HttpApi.MAX_HEADER_BYTES / 1024 + " KB in all).";
            case 501 -> "This HTTP method is not supported.";
            default -> HttpStatus.getMessage(status);
        };
        String type = status >= 500 ? "server_error" : "invalid_request_error";
        return ("{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\"" + code + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
