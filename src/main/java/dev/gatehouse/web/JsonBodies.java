package dev.gatehouse.web;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Request bodies as the JSON endpoints accept them: {@code Content-Type: application/json} (a UTF-8 charset
 * allowed), exactly one JSON object, no field twice. Refusals say where the body went wrong (line and column,
 * or the repeated field), never the parser's own wording.
 */
final class JsonBodies {
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']{1,100})'");

    private final ObjectMapper json;

    JsonBodies(ObjectMapper json) {
        this.json = json;
    }

    /** The body as a JSON object, or a 415/400 refusal saying what to send. */
    JsonNode object(Context ctx) {
        requireJsonType(ctx.header("Content-Type"));
        byte[] bytes = bytes(ctx);
        if (bytes.length == 0) {
            throw Refusal.badRequest(null, "The request body is empty; send a JSON object.");
        }
        JsonNode node;
        try (JsonParser parser = json.createParser(bytes)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            node = json.readTree(parser);
            requireNothingAfter(parser);
        } catch (Refusal e) {
            throw e;
        } catch (StreamConstraintsException e) {
            throw Refusal.badRequest(null, "The request body nests or repeats too deeply to be read.");
        } catch (JsonProcessingException e) {
            Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
            if (duplicate.find()) {
                String field = duplicate.group(1);
                throw Refusal.badRequest(field, "The request body has the field '" + field + "' more than once" + at(e.getLocation()) + ".");
            }
            throw Refusal.badRequest(null, "The request body is not valid JSON" + at(e.getLocation()) + ".");
        } catch (IOException e) {
            throw Refusal.badRequest(null, "The request body could not be read.");
        }
        if (node == null || !node.isObject()) {
            throw Refusal.badRequest(null, "The request body must be a JSON object.");
        }
        return node;
    }

    /**
     * The body, read at its declared length when it has one within Javalin's limit: Javalin's own read copies
     * every body through a fresh 8 KiB buffer and a growing array. Without a length (chunked), or over the
     * limit, Javalin reads it and refuses what is too large with its 413. Nothing else reads a JSON body.
     */
    private static byte[] bytes(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared < 0 || declared > HttpApi.MAX_BODY_BYTES) {
            return ctx.bodyAsBytes();
        }
        try {
            return ctx.req().getInputStream().readNBytes((int) declared);
        } catch (IOException e) {
            throw Refusal.badRequest(null, "The request body could not be read.");
        }
    }

    /**
     * @throws Refusal 415 unless the media type is {@code application/json} with at most a UTF-8 charset
     */
    static void requireJsonType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw unsupported("The request has no Content-Type; send the body as JSON with Content-Type: application/json.");
        }
        String[] parts = contentType.split(";");
        if (!parts[0].strip().equalsIgnoreCase("application/json")) {
            throw unsupported("The Content-Type must be application/json; send the body as JSON.");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            String name = kv[0].strip().toLowerCase(Locale.ROOT);
            String value = kv.length < 2 ? "" : kv[1].strip().replace("\"", "").toLowerCase(Locale.ROOT);
            if (!name.equals("charset") || !(value.equals("utf-8") || value.equals("utf8"))) {
                throw unsupported("The Content-Type may name only charset=utf-8 besides application/json (JSON is UTF-8).");
            }
        }
    }

    /** Anything but whitespace after the first value (a second value, or garbage) makes the body ambiguous. */
    private static void requireNothingAfter(JsonParser parser) {
        JsonLocation where = parser.currentLocation();
        try {
            if (parser.nextToken() == null) {
                return;
            }
        } catch (IOException e) {
            // Unreadable trailing bytes are trailing data all the same.
        }
        throw Refusal.badRequest(null, "The request body must be exactly one JSON value; more data follows it" + at(where) + ".");
    }

    private static Refusal unsupported(String message) {
        return new Refusal(415, "invalid_request_error", "unsupported_media_type", null, message, Map.of());
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
