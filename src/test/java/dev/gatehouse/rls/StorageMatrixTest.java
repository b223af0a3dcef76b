package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Bucket rules (DESIGN invariant 6) through {@code storage.objects}, cell by cell from
 * {@code rls/storage-matrix.txt}, plus the bucket rows whose limits the Storage API enforces.
 */
class StorageMatrixTest {
    static final MatrixFile MATRIX = MatrixFile.read("rls/storage-matrix.txt", List.of("bucket", "path", "op"));

    private static TestDatabase db;
    private static Postgrest api;
    private static Cast cast;
    private static Placeholders ids;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        Fixtures given = new Fixtures(db.dataSource());
        cast = Cast.create(given);
        ids = new Placeholders()
                .with("student", Seed.STUDENT)
                .with("free_course", Seed.FREE_COURSE)
                .with("paid_course", Seed.PAID_COURSE);
        given.storageObject("avatars", Seed.STUDENT + "/avatar.png", Seed.STUDENT);
        given.storageObject("course-materials", Seed.FREE_COURSE + "/syllabus.pdf", Seed.INSTRUCTOR);
        given.storageObject("homework", Seed.FREE_COURSE + "/" + Seed.STUDENT + "/answer.pdf", Seed.STUDENT);
        given.storageObject("certificates", Seed.STUDENT + "/certificate.pdf", null);
        given.storageObject("training-materials", Seed.STUDENT + "/deck.pdf", Seed.STUDENT);
        given.storageObject("call-recordings", Seed.STUDENT + "/call.mp3", Seed.STUDENT);
        given.storageObject("resumes", Seed.STUDENT + "/resume.pdf", Seed.STUDENT);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @TestFactory
    Stream<DynamicContainer> everyCellOfTheStorageMatrix() {
        return MATRIX.dynamicTests((row, persona) -> {
            Persona who = cast.get(persona);
            String name = ids.text(row.key().get(1), who.userId());
            return api.as(who, c -> storageApi(c, who, row.key().getFirst(), name, row.key().get(2)));
        });
    }

    @Test
    void everyBucketIsInTheMatrixWithEveryOperation() throws Exception {
        Map<String, Set<String>> covered = new TreeMap<>();
        MATRIX.rows().forEach(r -> covered.computeIfAbsent(r.key().getFirst(), b -> new TreeSet<>()).add(r.key().get(2)));

        assertThat(covered.keySet()).containsExactlyInAnyOrderElementsOf(buckets().keySet());
        covered.forEach((bucket, ops) -> assertThat(ops).as(bucket).containsExactlyInAnyOrderElementsOf(PolicyMatrixTest.OPERATIONS));
    }

    @Test
    void bucketsCarryTheirPublicFlagSizeLimitAndMimeTypes() throws Exception {
        Map<String, Bucket> buckets = buckets();

        assertThat(buckets).containsOnlyKeys("avatars", "course-materials", "homework", "certificates",
                "training-materials", "call-recordings", "resumes");
        assertThat(buckets.get("avatars")).isEqualTo(new Bucket(true, 2L * 1024 * 1024,
                List.of("image/png", "image/jpeg", "image/webp", "image/gif")));
        assertThat(buckets.get("course-materials")).isEqualTo(new Bucket(false, 50L * 1024 * 1024,
                List.of("application/pdf", "image/png", "image/jpeg", "image/webp", "image/gif", "video/mp4",
                        "application/zip", "application/x-zip-compressed", "text/plain", "text/markdown")));
        assertThat(buckets.get("homework")).isEqualTo(new Bucket(false, 20L * 1024 * 1024,
                List.of("application/pdf", "image/png", "image/jpeg", "image/webp", "image/gif", "text/plain",
                        "application/zip", "application/x-zip-compressed",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")));
        assertThat(buckets.get("certificates")).isEqualTo(new Bucket(false, 5L * 1024 * 1024, List.of("application/pdf")));
        assertThat(buckets.get("training-materials")).isEqualTo(new Bucket(false, 100L * 1024 * 1024,
                List.of("application/pdf", "video/mp4", "video/webm", "video/quicktime", "text/plain", "text/markdown",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")));
        assertThat(buckets.get("call-recordings")).isEqualTo(new Bucket(false, 100L * 1024 * 1024,
                List.of("audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/wav", "audio/x-wav", "audio/webm", "audio/ogg", "audio/flac")));
        assertThat(buckets.get("resumes")).isEqualTo(new Bucket(false, 5L * 1024 * 1024, List.of("application/pdf",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/plain")));
    }

    @Test
    void noBucketAcceptsScriptableImagesOrWildcards() throws Exception {
        for (Map.Entry<String, Bucket> b : buckets().entrySet()) {
            assertThat(b.getValue().mimeTypes()).as(b.getKey())
                    .doesNotContain("image/svg+xml", "text/html", "application/javascript")
                    .noneMatch(t -> t.contains("*"));
        }
    }

    @Test
    void onlyTheServiceWritesCertificates() throws Exception {
        String name = Seed.STUDENT + "/issued.pdf";

        Outcome service = api.as(Persona.serviceRole(), c -> storageApi(c, Persona.serviceRole(), "certificates", name, "insert"));
        Outcome owner = api.as(Seed.student(), c -> storageApi(c, Seed.student(), "certificates", name, "insert"));

        assertThat(service).isEqualTo(Outcome.ALLOW);
        assertThat(owner).isEqualTo(Outcome.DENY);
    }

    @Test
    void anObjectCannotBeMovedWhereItsOwnerCouldNotUpload() throws Exception {
        String avatar = Seed.STUDENT + "/avatar.png";
        for (String target : List.of(
                "bucket_id = 'certificates', name = '" + Seed.STUDENT + "/forged-certificate.pdf'",
                "name = '" + Seed.STUDENT2 + "/avatar.png'",
                "bucket_id = 'course-materials', name = '" + Seed.FREE_COURSE + "/planted.pdf'")) {
            Outcome moved = api.as(Seed.student(), c -> Outcome.observe(c,
                    "update storage.objects set " + target + " where bucket_id = 'avatars' and name = ?", avatar));

            assertThat(moved).as(target).isEqualTo(Outcome.DENY);
        }
    }

    @Test
    void usersCannotCreateOrChangeBuckets() throws Exception {
        for (Persona who : List.of(Persona.anon(), Seed.student(), Seed.admin())) {
            assertThat(Outcome.attempt(api, who, "insert into storage.buckets (id, name, public) values ('mine', 'mine', true)"))
                    .as(who.label()).isEqualTo(Outcome.DENY);
            assertThat(Outcome.attempt(api, who, "update storage.buckets set public = true, file_size_limit = null where id = 'homework'"))
                    .as(who.label()).isEqualTo(Outcome.NONE);
        }
    }

    @Test
    void aDirectDeleteWithoutTheStorageApiFlagIsRefusedEvenForTheOwner() throws Exception {
        Outcome outcome = api.as(Seed.student(), c -> Outcome.observe(c,
                "delete from storage.objects where bucket_id = 'avatars' and name = '" + Seed.STUDENT + "/avatar.png'"));

        assertThat(outcome).isEqualTo(Outcome.DENY);
    }

    /** One object operation as the Storage API performs it for {@code who}. */
    private static Outcome storageApi(Connection c, Persona who, String bucket, String name, String op) throws SQLException {
        String uid = who.userId() == null ? null : who.userId().toString();
        try (PreparedStatement ps = c.prepareStatement("""
                select set_config('request.jwt.claim.sub', coalesce(?, ''), true),
                       set_config('request.jwt.claim.role', ?, true),
                       set_config('storage.operation', ?, true),
                       set_config('storage.allow_delete_query', ?, true)""")) {
            ps.setString(1, uid);
            ps.setString(2, who.role());
            ps.setString(3, switch (op) {
                case "select" -> "storage.object.get_authenticated";
                case "insert" -> "storage.object.upload";
                case "update" -> "storage.object.upload_update";
                default -> "storage.object.delete";
            });
            ps.setString(4, op.equals("delete") ? "true" : "false");
            ps.execute();
        }
        String where = " where bucket_id = " + literal(bucket) + " and name = " + literal(name);
        return Outcome.observe(c, switch (op) {
            case "select" -> "select id from storage.objects" + where;
            case "insert" -> "insert into storage.objects (bucket_id, name, owner, owner_id, metadata) values ("
                    + literal(bucket) + ", " + literal(name) + ", " + literal(uid) + ", " + literal(uid)
                    + ", '{\"size\": 10, \"mimetype\": \"application/pdf\"}')";
            case "update" -> "update storage.objects set metadata = '{\"size\": 20}', owner = " + literal(uid)
                    + ", owner_id = " + literal(uid) + where;
            case "delete" -> "delete from storage.objects" + where;
            default -> throw new IllegalArgumentException("unknown operation " + op);
        });
    }

    private static String literal(String value) {
        return value == null ? "null" : "'" + value.replace("'", "''") + "'";
    }

    record Bucket(boolean isPublic, Long fileSizeLimit, List<String> mimeTypes) {}

    private static Map<String, Bucket> buckets() throws SQLException {
        Map<String, Bucket> out = new TreeMap<>();
        try (Connection c = db.connect()) {
            for (Map<String, Object> r : Postgrest.rows(c, "select id, public, file_size_limit, allowed_mime_types from storage.buckets")) {
                String[] types = r.get("allowed_mime_types") == null ? null : (String[]) ((Array) r.get("allowed_mime_types")).getArray();
                out.put((String) r.get("id"), new Bucket((Boolean) r.get("public"), (Long) r.get("file_size_limit"),
                        types == null ? null : Arrays.asList(types)));
            }
        }
        return out;
    }
}
