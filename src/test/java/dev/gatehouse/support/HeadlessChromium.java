package dev.gatehouse.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium through its chromedriver, for the browser tests. Without them (or a tool
 * a test names) the test is skipped locally, saying so; under {@code CI=true} it fails instead, since
 * {@code .ci/run} installs them.
 */
public final class HeadlessChromium {
    private HeadlessChromium() {}

    public static WebDriver start() throws IOException {
        Path chromium = required("chromium", "CHROME_BIN", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        Path driver = required("chromedriver", "CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(chromium.toFile());
        chrome.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", "--window-size=1280,1600",
                "--user-data-dir=" + Files.createTempDirectory("chromium-profile"));
        ChromeDriverService driverService = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(driverService, chrome);
    }

    public static Path required(String what, String env, String... candidates) {
        Optional<Path> found = Optional.ofNullable(System.getenv(env)).map(Path::of).filter(Files::isExecutable)
                .or(() -> java.util.Arrays.stream(candidates).map(Path::of).filter(Files::isExecutable).findFirst());
        if (found.isEmpty()) {
            missing(what + " (looked at $" + env + " and " + String.join(", ", candidates) + "; apt-get install chromium chromium-driver)");
        }
        return found.orElseThrow();
    }

    public static void missing(String what) {
        String message = "The browser test needs " + what + ".";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail(message + " CI=true, so this is a failure, not a skip: .ci/run installs it.");
        }
        Assumptions.abort(message + " Skipped locally; install it to run the browser test.");
    }
}
