package dev.gatehouse.ops;

/** Reads a Prometheus text scrape the way a query would: the sum of a metric's samples whose labels include the given pairs. */
final class Scrape {
    private Scrape() {}

    /** @param labels alternating names and values */
    static double sum(String scrape, String metric, String... labels) {
        return scrape.lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
                .filter(l -> matches(l, labels))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    static boolean has(String scrape, String metric, String... labels) {
        return scrape.lines().anyMatch(l -> (l.startsWith(metric + "{") || l.startsWith(metric + " ")) && matches(l, labels));
    }

    private static boolean matches(String line, String... labels) {
        String head = line.contains("}") ? line.substring(0, line.lastIndexOf('}') + 1) : "";
        for (int i = 0; i < labels.length; i += 2) {
            if (!head.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
                return false;
            }
        }
        return labels.length % 2 == 0;
    }
}
