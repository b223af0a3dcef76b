package dev.gatehouse.rls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * The RLS benchmark's dataset ({@code bench/rls-data.sql}) and the ids of the people and courses in
 * it. Ids are md5 of a name, exactly as the SQL derives them, so queries can name them directly.
 */
public final class RlsDataset {
    public static final Path SCRIPT = Path.of("bench", "rls-data.sql");
    /** The instructor of the large course (and of courses 401, 801, 1201, 1601). */
    public static final int TEACHER = 1;
    /** A student of the large course and of two other courses. */
    public static final int STUDENT = 12_345;
    /** The course with 20,000 students at scale 1 (users 401..20400 are enrolled). */
    public static final int LARGE_COURSE = 1;

    private RlsDataset() {}

    /** Writes the dataset at {@code scale} (1 = 100k users, 1.5M progress rows), as the cluster superuser. */
    public static void generate(Connection superuser, double scale) throws SQLException {
        String sql;
        try {
            sql = Files.readString(SCRIPT);
        } catch (IOException e) {
            throw new UncheckedIOException("run from the repository root: cannot read " + SCRIPT, e);
        }
        try (Statement s = superuser.createStatement()) {
            s.execute("select set_config('rls_bench.scale', '" + scale + "', false)");
            s.execute(sql);
        }
    }

    public static UUID user(int n) {
        return id("user-" + n);
    }

    public static UUID course(int n) {
        return id("course-" + n);
    }

    /** The users at {@code scale}: the admin is the last one. */
    public static int users(double scale) {
        return (int) Math.round(100_000 * scale);
    }

    /** Courses instructor {@code n} (1..400) teaches. */
    public static List<UUID> taughtBy(int n) {
        return List.of(course(n), course(n + 400), course(n + 800), course(n + 1200), course(n + 1600));
    }

    /** Courses user {@code s} is enrolled in, as the SQL assigns them. */
    public static List<UUID> enrolledIn(int s) {
        return List.of(course(s >= 401 && s <= 20_400 ? 1 : (s * 7 % 1999) + 2),
                course(((s * 7 + 613) % 1999) + 2), course(((s * 7 + 2 * 613) % 1999) + 2));
    }

    private static UUID id(String name) {
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(name.getBytes(StandardCharsets.UTF_8));
            return UUID.fromString(HexFormat.of().formatHex(md5).replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
