package dev.gatehouse.refusal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the service refuses, rendered in OpenAI's error shape
 * ({@code {"error":{"message","type","param","code"}}}) so existing SDKs raise their typed errors.
 */
public final class Refusal extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Map<String, String> headers;

    public Refusal(int status, String type, String code, String param, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.headers = Map.copyOf(headers);
    }

    public static Refusal badRequest(String param, String message) {
        return new Refusal(400, "invalid_request_error", null, param, message, Map.of());
    }

    public static Refusal unauthorized(String code, String message) {
        return new Refusal(401, "invalid_request_error", code, null, message,
                Map.of("WWW-Authenticate", "Bearer realm=\"gatehouse\""));
    }

    public static Refusal forbidden(String code, String message) {
        return new Refusal(403, "permission_error", code, null, message, Map.of());
    }

    public static Refusal notFound(String message) {
        return new Refusal(404, "invalid_request_error", "not_found", null, message, Map.of());
    }

    public static Refusal unavailable(String code, String message) {
        return new Refusal(503, "service_unavailable", code, null, message, Map.of());
    }

    /**
     * OpenAI's error body {@code {"error":{"message","type","param","code"}}}: what the HTTP edge
     * sends for a refusal, and what a stream sends as its last event when it fails mid-way.
     */
    public static Map<String, Object> body(String message, String type, String param, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
