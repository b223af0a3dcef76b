package dev.gatehouse.support;

import dev.gatehouse.db.EmbeddedDatabase;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A second embedded PostgreSQL, major 15, beside {@link TestDatabase}'s (the pinned major, 17), for the tests that
 * drive PostgreSQL's client tools from outside the JVM: Debian 12, the CI machine, ships only client 15, and
 * pg_dump refuses a server newer than itself. zonky's 15.x binaries cannot share the test class path with the
 * 17.x ones (same artifact), so Maven's dependency plugin copies that jar to {@code target/pg15/} before the tests
 * (pom.xml, {@code pg15-binaries}) and surefire names it in {@code gatehouse.pg15.binaries}. Started on first use,
 * once per JVM, with Supabase's roles set up by {@link EmbeddedDatabase} like the main server; stopped at exit.
 */
public final class Postgres15 {
    /** zonky keys its extraction cache by the resolver: one instance. */
    private static final PgBinaryResolver BINARIES = Postgres15::archive;
    private static EmbeddedDatabase server;

    private Postgres15() {
    }

    /** The jar of zonky's 15.x binaries (surefire's property, else the one in target/pg15/), or why it is not there. */
    public static Path binariesJar() {
        String configured = System.getProperty("gatehouse.pg15.binaries", "");
        if (!configured.isBlank() && Files.isRegularFile(Path.of(configured))) {
            return Path.of(configured);
        }
        Path copied = Path.of("target", "pg15");
        if (configured.isBlank() && Files.isDirectory(copied)) {
            try (Stream<Path> jars = Files.list(copied)) {
                Optional<Path> jar = jars.filter(j -> j.getFileName().toString().endsWith(".jar")).max(Comparator.naturalOrder());
                if (jar.isPresent()) {
                    return jar.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("zonky's PostgreSQL 15 binaries jar is missing (gatehouse.pg15.binaries='" + configured
                + "'): run the tests through Maven, whose dependency plugin copies it to target/pg15/ (pom.xml, pg15-binaries)");
    }

    public static synchronized EmbeddedDatabase server() {
        if (server == null) {
            binariesJar();
            try {
                server = EmbeddedDatabase.start(Files.createTempDirectory("gatehouse-test-pg15"), false, () -> { }, BINARIES);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-pg15-stop"));
        }
        return server;
    }

    /** zonky's archive for this platform, e.g. {@code postgres-linux-x86_64.txz}, out of the copied jar. */
    private static InputStream archive(String system, String hardware) throws IOException {
        String entry = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + hardware + ".txz";
        try (ZipFile jar = new ZipFile(binariesJar().toFile())) {
            ZipEntry found = jar.getEntry(entry);
            if (found == null) {
                throw new IOException(binariesJar() + " has no " + entry + " (pom.xml's pg15-binaries copies the linux-amd64 build)");
            }
            try (InputStream in = jar.getInputStream(found)) {
                return new ByteArrayInputStream(in.readAllBytes());
            }
        }
    }
}
