package dev.gatehouse.redaction;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shapes of the credentials this service handles, masked wherever text leaves the process for an
 * operator: JSON log lines ({@code ops.SecretMasker}), Sentry events ({@code ops.ErrorReports}), and the
 * reasons third parties give for a failure, which queues log and store ({@code jobs.Outcome#redacted}).
 * A second line of defence: the first is that no code passes a secret, a prompt or a completion to a
 * logger at all, which a test proves by sending them through every endpoint. Prompts and completions
 * have no shape, so only that first line can keep them out.
 */
public final class Secrets {
    public static final String MASK = "[redacted]";
    private static final Pattern SHAPES = Pattern.compile(String.join("|",
            "eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*", // a JWT (Supabase access tokens, service keys)
            "\\bgh_[A-Za-z0-9_-]{16,}", // a personal API key of this service
            "\\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}", // Stripe keys
            "\\bwhsec_[A-Za-z0-9+/=_-]{8,}", // Stripe and Standard Webhooks signing secrets
            "\\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}", // OpenAI, Anthropic and OpenAI-compatible provider keys
            "\\bre_[A-Za-z0-9_]{16,}", // Resend API keys
            "(?i)\\bbearer\\s+[A-Za-z0-9._~+/=-]{8,}")); // any bearer credential

    private Secrets() {}

    /** {@code text} with every credential-shaped part replaced by {@link #MASK}; the same instance when there is none. */
    public static String scrub(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = SHAPES.matcher(text);
        return m.find() ? m.replaceAll(MASK) : text;
    }

    public static boolean looksSecret(String text) {
        return text != null && SHAPES.matcher(text).find();
    }
}
