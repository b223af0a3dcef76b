package dev.gatehouse.rls;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names for fixture ids in matrix statements and storage paths: {@code :free_course}, {@code :submission},
 * and {@code :uid}, the id of the persona running the cell (SQL null for anon). An unknown name fails
 * loudly, so a typo in a data file cannot turn into a statement that tests nothing.
 */
final class Placeholders {
    // `::text` casts are not placeholders: a name must not follow another colon
    private static final Pattern NAME = Pattern.compile("(?<!:):([a-z][a-z0-9_]*)");

    private final Map<String, String> values = new LinkedHashMap<>();

    Placeholders with(String name, Object value) {
        values.put(name, value.toString());
        return this;
    }

    Placeholders withAll(Map<String, ?> named) {
        named.forEach(this::with);
        return this;
    }

    /** {@code template} with every placeholder replaced by a quoted SQL literal. */
    String sql(String template, UUID uid) {
        return replace(template, uid, true);
    }

    /** {@code template} with every placeholder replaced by its bare value (storage object names). */
    String text(String template, UUID uid) {
        return replace(template, uid, false);
    }

    private String replace(String template, UUID uid, boolean quote) {
        Matcher m = NAME.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = name.equals("uid") ? (uid == null ? null : uid.toString()) : values.get(name);
            if (value == null && !name.equals("uid")) {
                throw new IllegalArgumentException("unknown placeholder :" + name + " in: " + template);
            }
            String replacement = !quote ? String.valueOf(value) : value == null ? "null" : "'" + value.replace("'", "''") + "'";
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
