package dev.gatehouse.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/**
 * Who a test request runs as: the Postgres role PostgREST would switch to and the verified claims it
 * would put in {@code request.jwt.claims} (with {@code role} inserted, as PostgREST does).
 */
public record Persona(String label, String role, UUID userId, String email) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Persona anon() {
        return new Persona("anon", "anon", null, null);
    }

    public static Persona serviceRole() {
        return new Persona("service_role", "service_role", null, null);
    }

    public static Persona user(String label, UUID id, String email) {
        return new Persona(label, "authenticated", id, email);
    }

    /** The claims of a Supabase access token for this persona, as PostgREST passes them on. */
    public String claimsJson() {
        ObjectNode c = JSON.createObjectNode();
        if (userId == null) {
            c.put("role", role);
            if (role.equals("service_role")) {
                c.put("iss", "supabase");
            }
            return c.toString();
        }
        c.put("sub", userId.toString());
        c.put("role", role);
        c.put("aud", "authenticated");
        c.put("email", email);
        c.put("phone", "");
        c.put("aal", "aal1");
        c.put("session_id", UUID.nameUUIDFromBytes(userId.toString().getBytes()).toString());
        c.put("is_anonymous", false);
        c.putObject("app_metadata").put("provider", "email").putArray("providers").add("email");
        c.putObject("user_metadata");
        long now = System.currentTimeMillis() / 1000;
        c.put("iat", now);
        c.put("exp", now + 3600);
        return c.toString();
    }

    @Override
    public String toString() {
        return label;
    }
}
