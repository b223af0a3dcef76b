package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.refusal.Refusal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading the Authorization header and telling the kinds of credential apart, before anything is verified. */
class BearerCredentialsTest {
    static final String EXPECTED = "Authorization: Bearer <Supabase access token or gh_ API key>";
    static final String JWT = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjIn0.eyJzdWIiOiJ4In0.c2ln";

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t"})
    void missingHeaderIsRefusedNamingWhatToSend(String header) {
        Refusal e = Refusals.unauthorized("missing_authorization", () -> BearerCredentials.parse(header));

        assertThat(e.getMessage()).contains(EXPECTED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "Bearer   ", "bearer \t "})
    void emptyBearerIsRefused(String header) {
        Refusal e = Refusals.unauthorized("missing_authorization", () -> BearerCredentials.parse(header));

        assertThat(e.getMessage()).contains("empty").contains(EXPECTED);
    }

    @Test
    void basicSchemeIsRefusedWithoutEchoingTheCredentials() {
        Refusal e = Refusals.unauthorized("invalid_authorization_scheme",
                () -> BearerCredentials.parse("Basic YWRhOmh1bnRlcjI="));

        assertThat(e.getMessage()).contains("Only the Bearer scheme").contains(EXPECTED).doesNotContain("YWRhOmh1bnRlcjI=");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Token abc", "Bearer: abc", "Bearerabc", "ApiKey gh_abc"})
    void otherSchemesAreRefused(String header) {
        Refusals.unauthorized("invalid_authorization_scheme", () -> BearerCredentials.parse(header));
    }

    @ParameterizedTest
    @ValueSource(strings = {JWT, "gh_live_0123456789abcdef"})
    void bareCredentialWithoutSchemeIsRefusedWithAHint(String header) {
        Refusal e = Refusals.unauthorized("invalid_authorization_scheme", () -> BearerCredentials.parse(header));

        assertThat(e.getMessage()).contains("prefix it with 'Bearer '").doesNotContain(header);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "BeArEr "})
    void schemeIsCaseInsensitive(String scheme) {
        BearerCredentials credentials = BearerCredentials.parse(scheme + JWT);

        assertThat(credentials).isEqualTo(new BearerCredentials.AccessToken(JWT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"  Bearer " + JWT + "  ", "Bearer\t" + JWT, "Bearer    " + JWT, "\tBearer " + JWT + "\r\n"})
    void whitespaceAroundTheCredentialIsIgnored(String header) {
        BearerCredentials credentials = BearerCredentials.parse(header);

        assertThat(credentials).isEqualTo(new BearerCredentials.AccessToken(JWT));
    }

    @Test
    void ghPrefixedCredentialIsAPersonalApiKey() {
        BearerCredentials credentials = BearerCredentials.parse("Bearer gh_live_0123456789abcdef");

        assertThat(credentials).isEqualTo(new BearerCredentials.ApiKey("gh_live_0123456789abcdef"));
    }

    @Test
    void anyOtherCredentialIsTakenForAnAccessToken() {
        BearerCredentials credentials = BearerCredentials.parse("Bearer not-even-a-jwt");

        assertThat(credentials).isEqualTo(new BearerCredentials.AccessToken("not-even-a-jwt"));
    }

    @Test
    void supabasePublishableKeyIsRefusedWithWhatToSendInstead() {
        Refusal e = Refusals.unauthorized("supabase_key_not_accepted",
                () -> BearerCredentials.parse("Bearer sb_publishable_Xf7ohl6dV2nrpM3vA9K3ZQ_Gq1yAbCd"));

        assertThat(e.getMessage()).contains("publishable key").contains("session.access_token").contains("gh_ API key");
    }

    @Test
    void supabaseSecretKeyIsRefusedWithWhatToSendInstead() {
        Refusal e = Refusals.unauthorized("supabase_key_not_accepted",
                () -> BearerCredentials.parse("Bearer sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"));

        assertThat(e.getMessage()).contains("secret key").contains("session.access_token").doesNotContain("N7UND0Ug");
    }

    @Test
    void headerWithTwoCredentialsIsAmbiguousAndRefusedWith400() {
        Refusals.refused(400, "ambiguous_authorization", () -> BearerCredentials.parse("Bearer abc def"));
        Refusals.refused(400, "ambiguous_authorization", () -> BearerCredentials.parse("Bearer abc, Bearer def"));
        Refusals.refused(400, "ambiguous_authorization", () -> BearerCredentials.parse("Bearer abc,def"));
    }

    @Test
    void overlongCredentialIsRefused() {
        String huge = "Bearer " + "a".repeat(BearerCredentials.MAX_LENGTH + 1);

        Refusals.unauthorized("invalid_token", () -> BearerCredentials.parse(huge));
    }

    @Test
    void credentialsNeverAppearInTheirStringForm() {
        String token = BearerCredentials.parse("Bearer " + JWT).toString();
        String key = BearerCredentials.parse("Bearer gh_live_0123456789abcdef").toString();

        assertThat(token).doesNotContain(JWT).doesNotContain("eyJ");
        assertThat(key).doesNotContain("0123456789abcdef");
    }
}
