package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.HeadlessChromium;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.TwoDeploymentUpstream;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator status page in headless Chromium: an admin opens it with their access token, the
 * charts are drawn by the uPlot the service serves (their canvases hold the series' colour), and when
 * the primary deployment starts failing (WireMock answering OpenAI's 500) its breaker opens and the
 * page, polling on its own, shows it as failing and draws its error rate.
 */
class StatusPageBrowserTest {
    /** The page's third series colour: deployments are sorted (backup, dev-echo, primary), so primary is drawn in #16a34a. */
    private static final int[] PRIMARY_RGB = {0x16, 0xa3, 0x4a};
    private static TestDatabase db;
    private static TwoDeploymentUpstream upstream;
    private static RunningService service;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        browser = HeadlessChromium.start();
        db = TestDatabase.migrated();
        upstream = new TwoDeploymentUpstream();
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_CONFIG", upstream.config().toString(),
                "UPSTREAM_KEY", TwoDeploymentUpstream.PROVIDER_KEY));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private static void chat(String token, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            assertThat(service.post("/v1/chat/completions", token, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .statusCode()).isEqualTo(200);
        }
    }

    private static WebElement row(String deployment) {
        return browser.findElement(By.cssSelector("#deployments tr[data-deployment='" + deployment + "']"));
    }

    /** Pixels of the canvas inside {@code chartId} within a small distance of {@code rgb}: the series line and points. */
    private static long pixelsOf(String chartId, int[] rgb) {
        Object n = ((JavascriptExecutor) browser).executeScript("""
                const c = document.querySelector('#' + arguments[0] + ' canvas');
                if (!c) { return -1; }
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4) {
                  if (d[i + 3] > 128 && Math.abs(d[i] - arguments[1]) < 40 && Math.abs(d[i + 1] - arguments[2]) < 40 && Math.abs(d[i + 2] - arguments[3]) < 40) { n++; }
                }
                return n;""", chartId, rgb[0], rgb[1], rgb[2]);
        return ((Number) n).longValue();
    }

    @Test
    void anAdminSeesDrawnChartsAndTheFailingDeploymentOnceItsBreakerOpens() throws Exception {
        AuthUser admin = Users.signUp(db.dataSource(), "status-admin");
        try (Connection c = db.connect()) {
            Postgrest.update(c, "update public.profiles set role = 'admin' where id = ?", admin.id());
        }
        AuthUser caller = Users.signUp(db.dataSource(), "status-caller");
        Users.subscribe(db.dataSource(), caller.id(), Users.plan(db.dataSource(), 1000, null, 1000, 256, 4));
        String token = service.tokenFor(caller);
        chat(token, 3);

        browser.get(service.baseUrl() + "/status#token=" + service.tokenFor(admin));
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(b -> !b.findElements(By.cssSelector("#deployments tr[data-deployment='primary']")).isEmpty());

        assertThat(browser.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token=");
        assertThat(row("primary").getAttribute("data-state")).isEqualTo("CLOSED");
        assertThat(row("primary").getText()).contains("ok");
        wait.until(b -> pixelsOf("chart-latency", PRIMARY_RGB) > 0);
        assertThat(pixelsOf("chart-latency", PRIMARY_RGB)).as("the primary's latency series is drawn").isPositive();
        assertThat(pixelsOf("chart-errors", PRIMARY_RGB)).as("no error yet, but a 0 % point is drawn").isPositive();

        upstream.failPrimary();
        chat(token, 6); // 4 failures open the breaker (50 % of 4 calls... all failed), then 2 skipped; all answered by backup

        wait.until(b -> "OPEN".equals(row("primary").getAttribute("data-state")));
        assertThat(row("primary").getText()).contains("failing (breaker open)");
        assertThat(row("backup").getText()).contains("ok");
        assertThat(row("primary").findElement(By.cssSelector(".state")).getAttribute("class")).contains("state-failing");
        assertThat(pixelsOf("chart-errors", PRIMARY_RGB)).as("the primary's error rate is drawn").isPositive();
        assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();
    }

    @Test
    void withoutACredentialThePageShowsOnlyItsLoginForm() {
        browser.get(service.baseUrl() + "/status");
        ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.navigate().refresh();

        new WebDriverWait(browser, Duration.ofSeconds(15)).until(b -> b.findElement(By.id("login")).isDisplayed());
        assertThat(browser.findElement(By.id("board")).isDisplayed()).isFalse();
        assertThat(browser.findElements(By.cssSelector("#deployments tr[data-deployment]"))).isEmpty();
    }
}
