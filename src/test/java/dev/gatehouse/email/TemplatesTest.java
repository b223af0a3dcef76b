package dev.gatehouse.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Templates escape what users wrote: markup, quotes and bidi controls never reach an email as such. */
class TemplatesTest {
    private final Templates templates = new Templates();

    @Test
    void everyTemplateRendersASubjectHtmlAndTextEvenWithNoData() {
        for (String name : Templates.NAMES) {
            Templates.Rendered r = templates.render(name, Map.of("app_name", "Gatehouse"));
            assertThat(r.subject()).as(name).isNotBlank().doesNotContain("\n");
            assertThat(r.html()).as(name).startsWith("<!doctype html>").contains("<title>" + r.subject().replace("'", "&#39;"));
            assertThat(r.text()).as(name).isNotBlank().doesNotContain("<p>");
        }
    }

    @Test
    void aHostileNameIsEscapedInHtmlAndCannotReorderText() {
        String hostile = "<script>alert('x')</script> \"Bob\" & \u202Egnp.exe\u2066 \u200Fمرحبا";
        Templates.Rendered r = templates.render("welcome", Map.of("display_name", hostile, "app_name", "Gatehouse"));

        assertThat(r.html()).doesNotContain("<script>").contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
                .contains("&quot;Bob&quot; &amp;");
        assertThat(r.html() + r.text() + r.subject()).doesNotContain("\u202E").doesNotContain("\u2066");
        assertThat(r.text()).as("plain text is not HTML: shown as written, minus bidi controls")
                .contains("<script>alert('x')</script> \"Bob\" & gnp.exe \u200Fمرحبا");
    }

    @Test
    void aHostileCourseTitleCannotBreakTheSubjectOrTheMarkup() {
        Templates.Rendered r = templates.render("enrollment_created",
                Map.of("course_title", "Evil\r\nBcc: all@example.com <img src=x onerror=alert(1)>", "course_slug", "x\"><script>"));

        assertThat(r.subject()).doesNotContain("\n").doesNotContain("\r").startsWith("You are enrolled in Evil Bcc:");
        assertThat(r.html()).doesNotContain("<img").doesNotContain("\"><script>").contains("x&quot;&gt;&lt;script&gt;");
    }

    @Test
    void anUnknownTemplateIsRefused() {
        assertThat(templates.has("no_such_template")).isFalse();
        assertThatThrownBy(() -> templates.render("../secrets", Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
