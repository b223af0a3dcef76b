package dev.gatehouse.support;

import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeded randomness for property tests. The seed is logged; rerun a failure with
 * {@code ./mvnw verify -Dgatehouse.test.seed=<seed>} to replay it exactly.
 */
public final class Seeds {
    private static final Logger log = LoggerFactory.getLogger(Seeds.class);

    private Seeds() {}

    public static Random random(String testName) {
        String configured = System.getProperty("gatehouse.test.seed");
        long seed = configured == null || configured.isBlank() || configured.startsWith("$") ? System.nanoTime() : Long.parseLong(configured);
        log.info("{}: seed {} (replay with -Dgatehouse.test.seed={})", testName, seed, seed);
        System.out.println(testName + ": seed " + seed + " (replay with -Dgatehouse.test.seed=" + seed + ")");
        return new Random(seed);
    }
}
