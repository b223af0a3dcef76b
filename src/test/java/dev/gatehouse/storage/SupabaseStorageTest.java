package dev.gatehouse.storage;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.binaryEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.gatehouse.config.Mode;
import dev.gatehouse.refusal.Refusal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Uploads to Supabase Storage's HTTP API, faked with WireMock in its wire format (requests, answers, errors, faults). */
class SupabaseStorageTest {
    private static final String KEY = "service-role-key-for-tests-0123456789";
    private static final String PATH = UUID.fromString("a0000000-0000-4000-8000-000000000001") + "/resume-1.pdf";
    private static final String URL = "/storage/v1/object/resumes/" + PATH;
    private static final byte[] PDF = "%PDF-1.7 test".getBytes(StandardCharsets.US_ASCII);

    private static WireMockServer storage;
    private static SupabaseStorage store;

    @BeforeAll
    static void start() {
        storage = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        storage.start();
        store = new SupabaseStorage(storage.baseUrl(), KEY);
    }

    @AfterAll
    static void stop() {
        storage.stop();
    }

    @BeforeEach
    void reset() {
        storage.resetAll();
    }

    @Test
    void anUploadSendsTheServiceKeyTheTypeAndTheBytesAndNeverOverwrites() {
        storage.stubFor(post(urlEqualTo(URL)).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"Id\":\"0f1e2d3c-4b5a-4968-8776-655443322110\",\"Key\":\"resumes/" + PATH + "\"}")));

        StoredObject stored = store.put("resumes", PATH, "application/pdf", PDF);

        assertThat(stored).isEqualTo(new StoredObject("resumes", PATH, PDF.length, "application/pdf"));
        storage.verify(postRequestedFor(urlEqualTo(URL))
                .withHeader("Authorization", equalTo("Bearer " + KEY)).withHeader("apikey", equalTo(KEY))
                .withHeader("x-upsert", equalTo("false")).withHeader("Content-Type", equalTo("application/pdf"))
                .withRequestBody(binaryEqualTo(PDF)));
    }

    @Test
    void aReplaceUpsertsSoARetriedJobWritesTheSameObjectAgain() {
        String certificate = "/storage/v1/object/certificates/" + PATH;
        storage.stubFor(post(urlEqualTo(certificate)).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"Id\":\"5a1b8b8e-2f5a-4a49-9d0e-1b2c3d4e5f60\",\"Key\":\"certificates/" + PATH + "\"}")));

        store.replace("certificates", PATH, "application/pdf", PDF);
        store.replace("certificates", PATH, "application/pdf", PDF);

        storage.verify(2, postRequestedFor(urlEqualTo(certificate)).withHeader("x-upsert", equalTo("true"))
                .withHeader("Authorization", equalTo("Bearer " + KEY)).withRequestBody(binaryEqualTo(PDF)));
    }

    @Test
    void theDevFolderRefusesToOverwriteOnPutAndOverwritesOnReplace() throws Exception {
        Path dir = Files.createTempDirectory("store");
        DirectoryStore folder = new DirectoryStore(dir);
        byte[] second = "%PDF-1.7 second".getBytes(StandardCharsets.US_ASCII);

        folder.put("resumes", PATH, "application/pdf", PDF);
        assertThatThrownBy(() -> folder.put("resumes", PATH, "application/pdf", second)).isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(Files.readAllBytes(dir.resolve("resumes").resolve(PATH))).isEqualTo(PDF);

        folder.replace("resumes", PATH, "application/pdf", second);
        assertThat(Files.readAllBytes(dir.resolve("resumes").resolve(PATH))).isEqualTo(second);
        try (var files = Files.list(dir.resolve("resumes").resolve(PATH).getParent())) {
            assertThat(files).as("no temporary file is left behind").hasSize(1);
        }
    }

    @Test
    void storagesOwnSizeAndTypeRefusalsReachTheCallerAs413And400() {
        storage.stubFor(post(urlEqualTo(URL)).willReturn(aResponse().withStatus(413).withHeader("Content-Type", "application/json")
                .withBody("{\"statusCode\":\"413\",\"error\":\"EntityTooLarge\",\"message\":\"The object exceeded the maximum allowed size\"}")));
        assertThatThrownBy(() -> store.put("resumes", PATH, "application/pdf", PDF))
                .isInstanceOfSatisfying(Refusal.class, e -> assertThat(e.status()).isEqualTo(413));

        storage.stubFor(post(urlEqualTo(URL)).willReturn(aResponse().withStatus(415).withHeader("Content-Type", "application/json")
                .withBody("{\"statusCode\":\"415\",\"error\":\"invalid_mime_type\",\"message\":\"mime type application/pdf is not supported\"}")));
        assertThatThrownBy(() -> store.put("resumes", PATH, "application/pdf", PDF))
                .isInstanceOfSatisfying(Refusal.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void aPolicyDenialAServerErrorOrAResetIsA502ThatStoresNothing() {
        for (var response : java.util.List.of(
                aResponse().withStatus(403).withHeader("Content-Type", "application/json")
                        .withBody("{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":\"new row violates row-level security policy\"}"),
                aResponse().withStatus(500).withBody("{\"statusCode\":\"500\",\"error\":\"internal\",\"message\":\"Internal Server Error\"}"),
                aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))) {
            storage.stubFor(post(urlEqualTo(URL)).willReturn(response));

            assertThatThrownBy(() -> store.put("resumes", PATH, "application/pdf", PDF))
                    .isInstanceOfSatisfying(Refusal.class, e -> {
                        assertThat(e.status()).isEqualTo(502);
                        assertThat(e.code()).isEqualTo("storage_unavailable");
                    });
        }
    }

    @Test
    void pathsThatCouldEscapeTheirFolderAreRejectedBeforeAnyRequest() {
        for (String bad : java.util.List.of("../other/resume.pdf", "a//b.pdf", "/abs.pdf", ".hidden", "a/..")) {
            assertThatThrownBy(() -> store.put("resumes", bad, "application/pdf", PDF)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(storage.getAllServeEvents()).isEmpty();
    }

    @Test
    void theEnvironmentPicksSupabaseWithAKeyTheDataDirInDevAndNothingInProduction() throws Exception {
        Path dir = Files.createTempDirectory("store");

        assertThat(ObjectStore.fromEnvironment(Map.of("SUPABASE_SERVICE_ROLE_KEY", KEY), Mode.PRODUCTION, dir, storage.baseUrl()))
                .isInstanceOf(SupabaseStorage.class);
        assertThat(ObjectStore.fromEnvironment(Map.of(), Mode.DEV, dir, null)).isInstanceOf(DirectoryStore.class);
        ObjectStore none = ObjectStore.fromEnvironment(Map.of(), Mode.PRODUCTION, dir, storage.baseUrl());
        assertThatThrownBy(() -> none.put("resumes", PATH, "application/pdf", PDF))
                .isInstanceOfSatisfying(Refusal.class, e -> assertThat(e.status()).isEqualTo(503));
    }
}
