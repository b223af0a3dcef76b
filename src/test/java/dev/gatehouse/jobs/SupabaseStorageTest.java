package dev.gatehouse.jobs;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.binaryEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.io.IOException;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Certificates go to Supabase Storage's object API in its wire format, with the service key; its refusals fail the attempt. */
class SupabaseStorageTest {
    static final String PATH = "/storage/v1/object/certificates/a0000000-0000-4000-8000-000000000001/GH-AAAA-BBBB-CCCC-DDDD.pdf";

    @RegisterExtension
    static WireMockExtension storage = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    CertificateStore store() {
        return new CertificateStore.SupabaseStorage(CertificateStore.SupabaseStorage.defaultHttpClient(), storage.baseUrl(), "sb_secret_test_key");
    }

    @Test
    void uploadsThePdfWithTheServiceKeyAndUpsert() throws Exception {
        storage.stubFor(post(PATH).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"Id\":\"5a1b8b8e-2f5a-4a49-9d0e-1b2c3d4e5f60\",\"Key\":\"certificates/a0000000-0000-4000-8000-000000000001/GH-AAAA-BBBB-CCCC-DDDD.pdf\"}")));
        byte[] pdf = CertificatePdf.render("Sam Student", "Prompt Engineering Basics", LocalDate.of(2026, 12, 1), "GH-AAAA-BBBB-CCCC-DDDD", "https://x/certificates/GH-AAAA-BBBB-CCCC-DDDD");

        assertThatCode(() -> store().put("a0000000-0000-4000-8000-000000000001/GH-AAAA-BBBB-CCCC-DDDD.pdf", pdf)).doesNotThrowAnyException();

        storage.verify(postRequestedFor(urlEqualTo(PATH)).withHeader("Authorization", equalTo("Bearer sb_secret_test_key"))
                .withHeader("apikey", equalTo("sb_secret_test_key")).withHeader("x-upsert", equalTo("true"))
                .withHeader("Content-Type", equalTo("application/pdf")).withRequestBody(binaryEqualTo(pdf)));
    }

    @Test
    void aStorageRefusalFailsTheAttemptWithItsReason() {
        storage.stubFor(post(PATH).willReturn(aResponse().withStatus(403).withHeader("Content-Type", "application/json")
                .withBody("{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":\"new row violates row-level security policy\"}")));

        assertThatThrownBy(() -> store().put("a0000000-0000-4000-8000-000000000001/GH-AAAA-BBBB-CCCC-DDDD.pdf", new byte[] {1}))
                .isInstanceOf(IOException.class).hasMessageContaining("403").hasMessageContaining("row-level security");
    }
}
