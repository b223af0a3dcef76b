package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;

/**
 * An expected-outcome table kept as data: whitespace-separated columns, {@code #} comments, a header
 * line naming the key columns then one column per persona, and one row per (key..., persona) cell
 * holding {@code allow}, {@code deny} or {@code none}.
 */
record MatrixFile(String resource, List<String> keyColumns, List<String> personas, List<MatrixFile.Row> rows) {

    record Row(int line, List<String> key, Map<String, Outcome> expected) {
        String name() {
            return String.join(" ", key);
        }
    }

    /** Runs one cell: the statement of {@code row} as {@code persona}, returning what happened. */
    interface Cell {
        Outcome run(Row row, String persona) throws Exception;
    }

    /**
     * One dynamic test per cell, grouped by the first key column, each asserting the expected outcome and
     * naming the file line, so a failure reads like the row it broke.
     */
    Stream<DynamicContainer> dynamicTests(Cell cell) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        rows.forEach(r -> groups.computeIfAbsent(r.key().getFirst(), k -> new ArrayList<>()).add(r));
        return groups.entrySet().stream().map(group -> DynamicContainer.dynamicContainer(group.getKey(),
                group.getValue().stream().flatMap(row -> personas.stream().map(persona -> {
                    Outcome expected = row.expected().get(persona);
                    return DynamicTest.dynamicTest(row.name() + " as " + persona + " -> " + expected, () ->
                            assertThat(cell.run(row, persona))
                                    .as("%s as %s (%s line %d)", row.name(), persona, resource, row.line())
                                    .isEqualTo(expected));
                }))));
    }

    static MatrixFile read(String resource, List<String> keyColumns) {
        List<String> personas = null;
        List<Row> rows = new ArrayList<>();
        List<String> lines = lines(resource);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> cols = Arrays.asList(line.split("\\s+"));
            if (personas == null) {
                if (!cols.subList(0, keyColumns.size()).equals(keyColumns)) {
                    throw new IllegalStateException(resource + ":" + (i + 1) + ": header must start with " + keyColumns);
                }
                personas = List.copyOf(cols.subList(keyColumns.size(), cols.size()));
                continue;
            }
            if (cols.size() != keyColumns.size() + personas.size()) {
                throw new IllegalStateException(resource + ":" + (i + 1) + ": expected " + (keyColumns.size() + personas.size())
                        + " columns, found " + cols.size());
            }
            Map<String, Outcome> expected = new LinkedHashMap<>();
            for (int p = 0; p < personas.size(); p++) {
                String value = cols.get(keyColumns.size() + p);
                try {
                    expected.put(personas.get(p), Outcome.parse(value));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(resource + ":" + (i + 1) + ": '" + value + "' is not allow, deny or none", e);
                }
            }
            rows.add(new Row(i + 1, List.copyOf(cols.subList(0, keyColumns.size())), expected));
        }
        if (personas == null) {
            throw new IllegalStateException(resource + " has no header line");
        }
        return new MatrixFile(resource, keyColumns, personas, List.copyOf(rows));
    }

    /**
     * A companion file of statements: each line is the key columns, then the SQL (one line) that the
     * cell runs, e.g. {@code courses draft update update public.courses set ... returning id}.
     */
    static Map<List<String>, String> statements(String resource, int keyColumns) {
        Map<List<String>, String> out = new LinkedHashMap<>();
        List<String> lines = lines(resource);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", keyColumns + 1);
            if (parts.length != keyColumns + 1) {
                throw new IllegalStateException(resource + ":" + (i + 1) + ": expected " + keyColumns + " key columns and a statement");
            }
            List<String> key = List.of(parts).subList(0, keyColumns);
            if (out.put(List.copyOf(key), parts[keyColumns]) != null) {
                throw new IllegalStateException(resource + ":" + (i + 1) + ": " + key + " is listed twice");
            }
        }
        return out;
    }

    private static List<String> lines(String resource) {
        try (InputStream in = MatrixFile.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
