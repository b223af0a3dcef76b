package dev.gatehouse.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency direction of docs/architecture.md, checked over the main sources: {@code cli} and
 * the wiring at the top, then {@code web}, then the domain packages, then {@code db}, {@code config}
 * and {@code refusal}. A reference counts whether it is an import or a qualified name in code;
 * comments and strings do not count.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/dev/gatehouse");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.gatehouse\\.([a-z]+(?:\\.[a-z]+)*)");
    private static final Set<String> EDGE = Set.of("web", "cli");
    private static final Set<String> BOTTOM = Set.of("db", "config", "refusal");

    /** Inside {@code ai}: each sub-package may use only those listed (and itself). The façade {@code ai} may use all. */
    private static final Map<String, Set<String>> AI_LAYERS = Map.of(
            "ai.config", Set.of(),
            "ai.chat", Set.of(),
            "ai.tasks", Set.of(),
            "ai.media", Set.of("ai.chat"),
            "ai.stream", Set.of("ai.chat"),
            "ai.provider", Set.of("ai.chat", "ai.config", "ai.stream"),
            "ai.routing", Set.of("ai.chat", "ai.config", "ai.provider"));

    record Reference(String fromPackage, Path file, String toPackage) {
        String top() {
            return toPackage.split("\\.")[0];
        }

        String fromTop() {
            return fromPackage.split("\\.")[0];
        }

        @Override
        public String toString() {
            return MAIN.relativize(file) + " -> dev.gatehouse." + toPackage;
        }
    }

    @Test
    void noDomainPackageReferencesTheWebEdgeOrTheCli() {
        List<String> violations = references().stream()
                .filter(r -> !r.fromPackage().isEmpty() && !EDGE.contains(r.fromTop()))
                .filter(r -> EDGE.contains(r.top()))
                .map(Reference::toString).toList();

        assertThat(violations).as("domain code must throw dev.gatehouse.refusal.Refusal and let web render it").isEmpty();
    }

    @Test
    void bottomPackagesReferenceNothingAboveThem() {
        List<String> violations = references().stream()
                .filter(r -> BOTTOM.contains(r.fromTop()))
                .filter(r -> !BOTTOM.contains(r.top()))
                .map(Reference::toString).toList();

        assertThat(violations).isEmpty();
    }

    @Test
    void theRefusalContractDependsOnNothing() {
        List<String> violations = references().stream()
                .filter(r -> r.fromTop().equals("refusal") && !r.top().equals("refusal"))
                .map(Reference::toString).toList();

        assertThat(violations).isEmpty();
    }

    @Test
    void aiSubPackagesDependOnlyDownward() {
        List<String> violations = new ArrayList<>();
        for (Reference r : references()) {
            String from = aiLayer(r.fromPackage());
            String target = aiLayer(r.toPackage());
            if (from == null || target == null || target.equals(from)) {
                continue;
            }
            Set<String> allowed = AI_LAYERS.get(from);
            if (allowed == null) {
                continue;
            }
            if (!allowed.contains(target)) {
                violations.add(r.toString());
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void everyAiSubPackageHasALayer() {
        Set<String> subPackages = new TreeSet<>();
        for (Reference r : references()) {
            if (r.fromPackage().startsWith("ai.")) {
                subPackages.add(aiLayer(r.fromPackage()));
            }
        }
        assertThat(subPackages).isNotEmpty();
        assertThat(AI_LAYERS.keySet()).as("a new ai sub-package needs its place in AI_LAYERS and docs/architecture.md")
                .containsAll(subPackages);
    }

    @Test
    void theCheckSeesAReferenceInCodeButNotInAComment() {
        String code = "package dev.gatehouse.ai;\n// dev.gatehouse.web.HttpApi\n/** {@link dev.gatehouse.cli.Args} */\nclass X { Object o = dev.gatehouse.web.ErrorBodies.class; String s = \"dev.gatehouse.cli\"; }";

        assertThat(referencedPackages(code)).containsExactly("web");
    }

    private static String aiLayer(String pkg) {
        if (!pkg.startsWith("ai.")) {
            return null;
        }
        String[] parts = pkg.split("\\.");
        return parts[0] + "." + parts[1];
    }

    private static List<Reference> references() {
        List<Reference> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String from = MAIN.relativize(file.getParent()).toString().replace('/', '.');
                for (String to : referencedPackages(Files.readString(file))) {
                    if (!to.equals(from)) {
                        out.add(new Reference(from, file, to));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(out).as("the scan found the sources").isNotEmpty();
        return out;
    }

    /** Packages named in code: comments, strings and the package line removed; a trailing class name dropped. */
    static Set<String> referencedPackages(String source) {
        String code = source
                .replaceAll("(?s)/\\*.*?\\*/", "")
                .replaceAll("//[^\n]*", "")
                .replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("(?m)^package [^;]+;", "");
        Set<String> packages = new TreeSet<>();
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) {
            packages.add(m.group(1));
        }
        return packages;
    }
}
