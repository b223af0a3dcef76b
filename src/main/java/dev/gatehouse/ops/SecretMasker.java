package dev.gatehouse.ops;

import dev.gatehouse.redaction.Secrets;
import com.fasterxml.jackson.core.JsonStreamContext;
import net.logstash.logback.mask.ValueMasker;

/** Masks credential-shaped text in every string value of a JSON log line (logback.xml names it). */
public final class SecretMasker implements ValueMasker {
    @Override
    public Object mask(JsonStreamContext context, Object value) {
        if (value instanceof CharSequence text) {
            String s = text.toString();
            String scrubbed = Secrets.scrub(s);
            return scrubbed == s ? null : scrubbed; // null: leave the value as it is
        }
        return null;
    }
}
