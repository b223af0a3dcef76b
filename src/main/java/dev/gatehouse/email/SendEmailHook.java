package dev.gatehouse.email;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import dev.gatehouse.db.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supabase Auth's Send Email hook: a verified delivery becomes one outbox row per email (two for a
 * secure email change), queued in one transaction and sent by the outbox worker, so the hook
 * answers in milliseconds, well inside Auth's 5 s budget.
 *
 * <p>Verify links are GoTrue's own: {@code {site_url}/verify?token={token_hash}&type={type}&redirect_to={redirect_to}},
 * where {@code site_url} is the payload's (Auth's external URL). Auth retries with a new
 * {@code webhook-id}, so a row's idempotency key is derived from the payload's stable fields (user,
 * action, token hash, recipient): a retry queues nothing new.
 */
public final class SendEmailHook {
    private static final Logger log = LoggerFactory.getLogger(SendEmailHook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSERT = """
            insert into private.email_outbox (to_email, user_id, template, data, idempotency_key)
            values (?, (select u.id from auth.users u where u.id = ?), ?, ?::jsonb, ?)
            on conflict (idempotency_key) do nothing""";
    private static final Map<String, String> NOTICES = Map.of(
            "password_changed_notification", "The password of your account was changed.",
            "email_changed_notification", "The email address of your account was changed.",
            "phone_changed_notification", "The phone number of your account was changed.",
            "identity_linked_notification", "A new sign-in method was linked to your account.",
            "identity_unlinked_notification", "A sign-in method was removed from your account.",
            "mfa_factor_enrolled_notification", "A new multi-factor authentication method was added to your account.",
            "mfa_factor_unenrolled_notification", "A multi-factor authentication method was removed from your account.");

    /** One email the hook queues. */
    record AuthEmail(String to, String template, ObjectNode data, String key) {}

    private final DataSource db;
    private final HookSignature signature;
    private final Runnable wakeOutbox;

    /** @param signature null when {@code SEND_EMAIL_HOOK_SECRET} is unset: every delivery is refused */
    public SendEmailHook(DataSource db, HookSignature signature, Runnable wakeOutbox) {
        this.db = db;
        this.signature = signature;
        this.wakeOutbox = wakeOutbox;
    }

    /** Verifies and queues one delivery; returns how many emails were newly queued (0 for a retry). */
    public int receive(String webhookId, String webhookTimestamp, String webhookSignature, byte[] body) {
        if (signature == null) {
            throw Refusal.unavailable("hook_not_configured", "SEND_EMAIL_HOOK_SECRET is not set; this service does not accept the Send Email hook.");
        }
        signature.verify(webhookId, webhookTimestamp, webhookSignature, body);
        JsonNode payload;
        try {
            payload = JSON.readTree(body);
        } catch (IOException e) {
            throw Refusal.badRequest(null, "The hook payload is not JSON.");
        }
        List<AuthEmail> emails = emails(payload);
        UUID userId = uuid(payload.path("user").path("id").asText(""));
        try (Connection c = db.getConnection()) {
            int queued = Transaction.call(c, () -> {
                int rows = 0;
                try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                    for (AuthEmail e : emails) {
                        ps.setString(1, e.to());
                        ps.setObject(2, userId);
                        ps.setString(3, e.template());
                        ps.setString(4, e.data().toString());
                        ps.setString(5, e.key());
                        rows += ps.executeUpdate();
                    }
                }
                return rows;
            });
            if (queued > 0) {
                wakeOutbox.run();
            }
            return queued;
        } catch (SQLException e) {
            log.error("send-email hook: cannot queue ({}: {})", e.getSQLState(), e.getMessage());
            throw new Refusal(503, "service_unavailable", "outbox_unavailable", null, "The email could not be queued; retry.", Map.of("Retry-After", "1"));
        }
    }

    /** The emails a payload asks for, validated; a payload that cannot be mailed is a 400. */
    static List<AuthEmail> emails(JsonNode payload) {
        JsonNode user = payload.path("user");
        JsonNode d = payload.path("email_data");
        String action = text(d, "email_action_type");
        String userId = text(user, "id");
        String email = text(user, "email");
        if (action == null || userId == null || uuid(userId) == null) {
            throw Refusal.badRequest("email_data.email_action_type", "The payload needs user.id and email_data.email_action_type.");
        }
        String siteUrl = text(d, "site_url");
        String redirectTo = text(d, "redirect_to");
        List<AuthEmail> out = new ArrayList<>();
        switch (action) {
            case "signup", "invite", "magiclink", "recovery", "email" -> {
                String template = "auth_" + (action.equals("email") ? "magiclink" : action);
                out.add(email(address(email), template, action, userId, text(d, "token"), text(d, "token_hash"), siteUrl, redirectTo, null));
            }
            case "email_change" -> {
                String newEmail = text(user, "new_email") != null ? text(user, "new_email") : text(user, "email_new");
                String oldEmail = text(d, "old_email") != null ? text(d, "old_email") : email;
                String hashNew = text(d, "token_hash_new");
                String hash = text(d, "token_hash");
                Map<String, String> addresses = Map.of("old_email", String.valueOf(oldEmail), "new_email", String.valueOf(newEmail));
                if (hashNew != null && hash != null) {
                    // Secure email change: Supabase's documented quirk, the current address gets token + token_hash_new,
                    // the new address token_new + token_hash.
                    out.add(email(address(email), "auth_email_change", action, userId, text(d, "token"), hashNew, siteUrl, redirectTo, addresses));
                    out.add(email(address(newEmail), "auth_email_change", action, userId, text(d, "token_new"), hash, siteUrl, redirectTo, addresses));
                } else {
                    String token = text(d, "token_new") != null ? text(d, "token_new") : text(d, "token");
                    out.add(email(address(newEmail), "auth_email_change", action, userId, token, hash != null ? hash : hashNew, siteUrl, redirectTo, addresses));
                }
            }
            case "reauthentication" -> out.add(email(address(email), "auth_reauthentication", action, userId, text(d, "token"), null, null, null, null));
            default -> {
                String notice = NOTICES.get(action);
                if (notice == null) {
                    throw Refusal.badRequest("email_data.email_action_type", "Unsupported email_action_type '" + action + "'.");
                }
                AuthEmail e = email(address(email), "auth_notification", action, userId, null, null, null, null, null);
                e.data().put("notice", notice);
                out.add(new AuthEmail(e.to(), e.template(), e.data(), action + ":" + keyHash(userId, action, text(payload.path("metadata"), "uuid"), e.to())));
            }
        }
        return out;
    }

    private static AuthEmail email(String to, String template, String type, String userId, String token, String tokenHash,
            String siteUrl, String redirectTo, Map<String, String> extra) {
        ObjectNode data = JSON.createObjectNode();
        data.put("email", to);
        data.put("email_action_type", type);
        if (token != null) {
            data.put("token", token);
        }
        if (tokenHash != null) {
            if (siteUrl == null || !siteUrl.matches("https?://\\S+")) {
                throw Refusal.badRequest("email_data.site_url", "email_data.site_url must be Auth's http(s) URL to build the verify link.");
            }
            String url = siteUrl.replaceAll("/+$", "") + "/verify?token=" + enc(tokenHash) + "&type=" + enc(type)
                    + (redirectTo == null ? "" : "&redirect_to=" + enc(redirectTo));
            data.put("verify_url", url);
        } else if (token == null && !"auth_notification".equals(template)) {
            throw Refusal.badRequest("email_data.token_hash", "email_data needs token_hash (or token) for '" + type + "'.");
        }
        if (extra != null) {
            extra.forEach(data::put);
        }
        return new AuthEmail(to, template, data, "auth:" + type + ":" + keyHash(userId, type, tokenHash != null ? tokenHash : token, to));
    }

    private static String address(String email) {
        if (email == null || email.length() > 320 || !email.matches("[^@\\s]+@[^@\\s]+")) {
            throw Refusal.badRequest("user.email", "The payload has no usable email address for this email.");
        }
        return email;
    }

    private static String keyHash(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                sha.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }

    private static UUID uuid(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
