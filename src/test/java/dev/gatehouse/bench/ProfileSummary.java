package dev.gatehouse.bench;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A CPU profile (collapsed stacks) summed up for RESULTS.md: the share of samples that pass through
 * each library the profile named (inclusive, so a stack can count in several), and the
 * hottest frames by self time.
 */
final class ProfileSummary {
    private static final Map<String, String> BUCKETS = new LinkedHashMap<>();

    static {
        BUCKETS.put("Jetty", "org/eclipse/jetty/|org.eclipse.jetty.");
        BUCKETS.put("Javalin", "io/javalin/|io.javalin.");
        BUCKETS.put("OkHttp/Okio", "okhttp3/|okhttp3.|okio/|okio.");
        BUCKETS.put("Hikari+pgjdbc", "com/zaxxer/|com.zaxxer.|org/postgresql/|org.postgresql.");
        BUCKETS.put("Jackson", "com/fasterxml/|com.fasterxml.");
        BUCKETS.put("JWT", "com/auth0/|com.auth0.");
        BUCKETS.put("tokenizer", "com/knuddels/|com.knuddels.");
        BUCKETS.put("logging", "ch/qos/|ch.qos.|org/slf4j/|org.slf4j.");
        BUCKETS.put("GC", "G1|GCTaskThread|ConcurrentGCThread|WorkerThread::run");
        BUCKETS.put("JIT", "CompileBroker|C2Compiler|Compile::");
        BUCKETS.put("kernel/syscalls", "[k]|_[k]");
    }

    private ProfileSummary() {}

    static String of(String collapsed) {
        long total = 0;
        Map<String, Long> buckets = new LinkedHashMap<>();
        Map<String, Long> self = new HashMap<>();
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long n = Long.parseLong(line.substring(space + 1).strip());
            String stack = line.substring(0, space);
            total += n;
            for (var b : BUCKETS.entrySet()) {
                for (String marker : b.getValue().split("\\|")) {
                    if (stack.contains(marker)) {
                        buckets.merge(b.getKey(), n, Long::sum);
                        break;
                    }
                }
            }
            self.merge(stack.substring(stack.lastIndexOf(';') + 1), n, Long::sum);
        }
        StringBuilder out = new StringBuilder();
        out.append("samples: ").append(total).append("\n\n| library (inclusive) | share |\n| --- | --- |\n");
        long all = Math.max(total, 1);
        buckets.forEach((k, v) -> out.append("| ").append(k).append(" | ").append(pct(v, all)).append(" |\n"));
        out.append("\n| hottest frames (self) | share |\n| --- | --- |\n");
        self.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                .forEach(e -> out.append("| `").append(e.getKey().replace("|", "/")).append("` | ").append(pct(e.getValue(), all)).append(" |\n"));
        return out.toString();
    }

    private static String pct(long n, long total) {
        return String.format("%.1f%%", 100.0 * n / total);
    }
}
