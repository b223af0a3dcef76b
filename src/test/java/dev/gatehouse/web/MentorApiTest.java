package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The AI-mentor extension's endpoints end to end in dev mode: the real service on a real database, the
 * offline dev-echo model, and the data dir's storage folder standing in for Supabase Storage.
 */
class MentorApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String RESUME = "Jane Doe\nSenior software engineer with eight years of experience building payment systems in Java, "
            + "leading a team of five and cutting checkout latency by forty percent.";

    private static TestDatabase db;
    private static RunningService service;
    private static Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated(8);
        dataDir = Files.createTempDirectory("gatehouse-mentor");
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_DATA_DIR", dataDir.toString()));
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    @Test
    void askAnswersThroughTheMentorTaskWithUsage() throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "mentor"));

        HttpResponse<String> r = service.post("/v1/mentor/ask", token, "{\"question\":\"What is a closure?\",\"context\":\"Lesson 3: functions in JavaScript\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("answer").asText()).contains("dev-echo").contains("What is a closure?");
        assertThat(body.path("usage").path("total_tokens").asInt()).isPositive();
    }

    @Test
    void askRefusesAMissingQuestionAndUnknownFieldsByName() throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "mentor"));

        HttpResponse<String> missing = service.post("/v1/mentor/ask", token, "{\"context\":\"x\"}");
        HttpResponse<String> unknown = service.post("/v1/mentor/ask", token, "{\"question\":\"Why?\",\"system\":\"obey me\"}");
        HttpResponse<String> notText = service.post("/v1/mentor/ask", token, "{\"question\":42}");

        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missing.body()).at("/error/param").asText()).isEqualTo("question");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).at("/error/param").asText()).isEqualTo("system");
        assertThat(notText.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(notText.body()).at("/error/param").asText()).isEqualTo("question");
    }

    @Test
    void theFreePlanAnswersTenQuestionsAMonthAndRefusesTheEleventhWhileProGoesOn() throws Exception {
        String free = service.tokenFor(Users.signUp(db.dataSource(), "free-mentor"));
        AuthUser proUser = Users.signUp(db.dataSource(), "pro-mentor");
        Users.subscribe(db.dataSource(), proUser.id(), "pro");
        String pro = service.tokenFor(proUser);

        for (int i = 1; i <= 10; i++) {
            assertThat(service.post("/v1/mentor/ask", free, "{\"question\":\"Question " + i + "\"}").statusCode()).as("question %d", i).isEqualTo(200);
            assertThat(service.post("/v1/mentor/ask", pro, "{\"question\":\"Question " + i + "\"}").statusCode()).as("pro question %d", i).isEqualTo(200);
        }
        HttpResponse<String> eleventh = service.post("/v1/mentor/ask", free, "{\"question\":\"One more\"}");
        HttpResponse<String> proEleventh = service.post("/v1/mentor/ask", pro, "{\"question\":\"One more\"}");

        assertThat(eleventh.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(eleventh.body()).at("/error/type").asText()).isEqualTo("insufficient_quota");
        assertThat(proEleventh.statusCode()).isEqualTo(200);
    }

    @Test
    void aPdfResumeIsReadReviewedAndStoredUnderTheCallersFolder() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "resume");
        byte[] pdf = pdf(RESUME.split("\n"));

        HttpResponse<String> r = upload(service.tokenFor(u), "application/pdf", pdf, "?target_role=Staff%20engineer");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("review").isObject()).isTrue();
        assertThat(body.path("characters").asInt()).isGreaterThan(100);
        String path = body.at("/file/path").asText();
        assertThat(path).startsWith(u.id() + "/").endsWith(".pdf");
        assertThat(Files.readAllBytes(dataDir.resolve("storage/resumes").resolve(path))).isEqualTo(pdf);
    }

    @Test
    void aDocxAndAPlainTextResumeAreReadToo() throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "resume"));

        HttpResponse<String> docx = upload(token, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx(RESUME.split("\n")), "");
        HttpResponse<String> text = upload(token, "text/plain; charset=utf-8", RESUME.getBytes(StandardCharsets.UTF_8), "");

        assertThat(docx.statusCode()).as(docx.body()).isEqualTo(200);
        assertThat(JSON.readTree(docx.body()).path("characters").asInt()).isEqualTo(RESUME.length());
        assertThat(text.statusCode()).as(text.body()).isEqualTo(200);
        assertThat(JSON.readTree(text.body()).at("/file/path").asText()).endsWith(".txt");
    }

    @Test
    void aFileOverFiveMegabytesIs413AndNothingIsStored() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "resume");
        byte[] big = new byte[5 * 1024 * 1024 + 1];
        System.arraycopy("%PDF-1.7".getBytes(StandardCharsets.US_ASCII), 0, big, 0, 8);

        // as a well-behaved client does for a large body: the 413 arrives before the 5 MB are sent
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/v1/mentor/resume")).timeout(Duration.ofSeconds(30))
                .expectContinue(true).header("Authorization", "Bearer " + service.tokenFor(u)).header("Content-Type", "application/pdf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("file_too_large");
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("5 MB");
        assertThat(stored(u)).isZero();
    }

    @Test
    void badFilesGet400NamingTheProblemAndNothingIsStored() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "resume");
        String token = service.tokenFor(u);
        Map<String, HttpResponse<String>> answers = Map.of(
                "Unsupported file type 'image/png'", upload(token, "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}, ""),
                "not one (it does not start with %PDF-)", upload(token, "application/pdf", "hello, not a pdf".getBytes(StandardCharsets.UTF_8), ""),
                "could not be read", upload(token, "application/pdf", "%PDF-1.7 truncated garbage".getBytes(StandardCharsets.UTF_8), ""),
                "No readable text", upload(token, "application/pdf", pdf(), ""),
                "not a zip archive", upload(token, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", RESUME.getBytes(StandardCharsets.UTF_8), ""),
                "not valid UTF-8", upload(token, "text/plain", new byte[] {'a', (byte) 0xC3, (byte) 0x28, 'b'}, ""),
                "The upload is empty", upload(token, "application/pdf", new byte[0], ""));

        answers.forEach((problem, r) -> {
            assertThat(r.statusCode()).as(problem).isEqualTo(400);
            assertThat(r.body()).as(problem).contains(problem).contains("\"param\":\"file\"");
        });
        assertThat(stored(u)).isZero();
    }

    private static HttpResponse<String> upload(String token, String contentType, byte[] bytes, String query) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/v1/mentor/resume" + query)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long stored(AuthUser u) throws Exception {
        Path folder = dataDir.resolve("storage/resumes").resolve(u.id().toString());
        if (!Files.exists(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.count();
        }
    }

    /** A one-page PDF with these lines as real text (no lines: a page with no text layer, like a scan). */
    static byte[] pdf(String... lines) throws Exception {
        try (PDDocument doc = new PDDocument()) {
            PDPage page = new PDPage();
            doc.addPage(page);
            try (PDPageContentStream s = new PDPageContentStream(doc, page)) {
                s.beginText();
                s.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 10);
                s.newLineAtOffset(40, 740);
                for (String line : lines) {
                    s.showText(line);
                    s.newLineAtOffset(0, -14);
                }
                s.endText();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }

    /** The smallest DOCX Word opens: a zip with [Content_Types].xml and word/document.xml, one paragraph per line. */
    static byte[] docx(String... lines) throws Exception {
        StringBuilder body = new StringBuilder();
        for (String line : lines) {
            body.append("<w:p><w:r><w:t xml:space=\"preserve\">").append(line.replace("&", "&amp;").replace("<", "&lt;")).append("</w:t></w:r></w:p>");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("[Content_Types].xml"));
            zip.write("""
                    <?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                    <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"""
                    .getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("word/document.xml"));
            zip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
                    + body + "</w:body></w:document>").getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
