package dev.gatehouse.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The OpenAI JS SDK's browser build, made from npm at test time: {@code npm ci} of the versions pinned in
 * {@code src/test/browser/package-lock.json} into {@code target/browser-sdk}, then one esbuild bundle
 * ({@code openai.js}) that sets {@code window.OpenAI}. Built once per checkout and reused while the lock
 * file is unchanged.
 */
final class BrowserSdk {
    static final Path SOURCES = Path.of("src/test/browser");
    static final Path DIR = Path.of("target/browser-sdk");
    private static final Pattern STAINLESS = Pattern.compile("['\"`](X-Stainless-[A-Za-z-]+)['\"`]");

    private BrowserSdk() {}

    /** @return the folder holding {@code openai.js}, {@code page.html} and the SDK's node_modules */
    static synchronized Path build() throws IOException, InterruptedException {
        Files.createDirectories(DIR);
        for (String f : List.of("package.json", "package-lock.json", "sdk-entry.mjs", "build-sdk.mjs", "page.html")) {
            Files.copy(SOURCES.resolve(f), DIR.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Path stamp = DIR.resolve("built-from.lock");
        String lock = Files.readString(DIR.resolve("package-lock.json"));
        if (!Files.exists(DIR.resolve("openai.js")) || !Files.exists(stamp) || !Files.readString(stamp).equals(lock)) {
            run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
            run("node", "build-sdk.mjs");
            Files.writeString(stamp, lock);
        }
        return DIR;
    }

    /** The x-stainless-* header names the installed SDK's source sends, lower-cased. */
    static Set<String> stainlessHeaders() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(DIR.resolve("node_modules/openai"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".mjs")).toList()) {
                Matcher m = STAINLESS.matcher(Files.readString(f, StandardCharsets.UTF_8));
                while (m.find()) {
                    names.add(m.group(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    /** The installed SDK's version, from its package.json. */
    static String version() throws IOException {
        Matcher m = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(Files.readString(DIR.resolve("node_modules/openai/package.json")));
        return m.find() ? m.group(1) : "unknown";
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                .redirectOutput(DIR.resolve("build.log").toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in 5 minutes; see " + DIR.resolve("build.log"));
        }
        if (p.exitValue() != 0) {
            throw new UncheckedIOException(new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                    + Files.readString(DIR.resolve("build.log"))));
        }
    }
}
