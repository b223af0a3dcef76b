package dev.gatehouse.email;

import com.samskivert.mustache.Escapers;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Email templates: for each template name, {@code email/templates/<name>.subject.mustache},
 * {@code <name>.html.mustache} and {@code <name>.txt.mustache} on the classpath; partials are
 * {@code _<partial>.mustache}. Every {@code {{value}}} in HTML is escaped; in every part, bidi
 * embedding, override and isolate controls are removed from values, so a hostile name cannot
 * reorder the text around it; subjects are one line.
 */
public final class Templates {
    /** Every template the triggers and the auth hook queue; checked at start so a missing file fails fast. */
    public static final List<String> NAMES = List.of(
            "welcome", "enrollment_created", "course_completed", "homework_feedback", "payment_receipt",
            "payment_failed", "refund_issued", "certificate_issued",
            "auth_signup", "auth_invite", "auth_magiclink", "auth_recovery", "auth_email_change", "auth_reauthentication",
            "auth_notification");
    private static final String ROOT = "email/templates/";
    private static final Pattern BIDI_CONTROLS = Pattern.compile("[\\u202A-\\u202E\\u2066-\\u2069]");

    public record Rendered(String subject, String html, String text) {}

    private record Parts(Template subject, Template html, Template text) {}

    private final Map<String, Parts> parts = new ConcurrentHashMap<>();
    private final Map<String, Template> smsParts = new ConcurrentHashMap<>();
    private static final Template NO_SMS = Mustache.compiler().compile("");
    private final Mustache.Compiler html;
    private final Mustache.Compiler plain;

    public Templates() {
        Mustache.TemplateLoader partials = name -> open("_" + name + ".mustache")
                .orElseThrow(() -> new IOException("no partial " + name));
        this.html = Mustache.compiler().withLoader(partials).defaultValue("")
                .withEscaper(raw -> Escapers.HTML.escape(neutralize(raw)));
        this.plain = Mustache.compiler().withLoader(partials).defaultValue("").escapeHTML(false)
                .withEscaper(Templates::neutralize);
        NAMES.forEach(this::compile);
    }

    /** The SMS text of a template ({@code <name>.sms.mustache}), or null when the template has none. */
    public String renderSms(String name, Map<String, Object> data) {
        Template sms = smsParts.computeIfAbsent(name, n -> open(n + ".sms.mustache").map(plain::compile).orElse(NO_SMS));
        return sms == NO_SMS ? null : sms.execute(data).strip();
    }

    public boolean has(String name) {
        return parts.containsKey(name) || open(name + ".subject.mustache").isPresent();
    }

    /** @throws IllegalArgumentException when there is no such template */
    public Rendered render(String name, Map<String, Object> data) {
        Parts p = parts.computeIfAbsent(name, this::compile);
        String subject = p.subject().execute(data).replaceAll("[\\r\\n]+", " ").strip();
        Map<String, Object> withSubject = new java.util.HashMap<>(data);
        withSubject.put("subject", subject);
        return new Rendered(subject, p.html().execute(withSubject), p.text().execute(withSubject));
    }

    static String neutralize(String raw) {
        return BIDI_CONTROLS.matcher(raw).replaceAll("");
    }

    private Parts compile(String name) {
        if (!name.matches("[a-z][a-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("no template " + name);
        }
        return new Parts(plain.compile(read(name + ".subject.mustache")), html.compile(read(name + ".html.mustache")),
                plain.compile(read(name + ".txt.mustache")));
    }

    private static Reader read(String file) {
        return open(file).orElseThrow(() -> new IllegalArgumentException("no template file " + ROOT + file));
    }

    private static Optional<Reader> open(String file) {
        InputStream in = Templates.class.getClassLoader().getResourceAsStream(ROOT + file);
        if (in == null) {
            return Optional.empty();
        }
        try (in) {
            return Optional.of(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
