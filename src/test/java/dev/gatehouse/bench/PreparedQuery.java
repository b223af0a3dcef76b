package dev.gatehouse.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A bench query as PostgREST sends it with {@code db-prepared-statements = true} (its default): the
 * filter values as parameters ({@code $1}, {@code $2}, ...) and the statement prepared once per pooled
 * connection, then executed by every request that connection serves. PostgreSQL's plan cache then
 * plans the first five executions for their parameters (custom plans) and from the sixth may keep one
 * generic plan for every later request, whoever makes it; a statement without parameters gets its
 * generic plan at once. {@code PREPARE}/{@code EXECUTE} in SQL goes through the same plan cache as the
 * protocol-level prepare PostgREST's driver uses, and {@code EXPLAIN EXECUTE} reports what it cost.
 *
 * <p>Literals become parameters: uuids, and the one slug the bench filters on. Limits stay literal, as
 * PostgREST writes them.
 */
record PreparedQuery(String name, String prepare, String execute) {
    private static final Pattern LITERAL = Pattern.compile("'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|course-\\d+)'");

    static PreparedQuery of(String name, String sql) {
        Matcher m = LITERAL.matcher(sql);
        StringBuilder text = new StringBuilder();
        List<String> types = new ArrayList<>();
        List<String> values = new ArrayList<>();
        while (m.find()) {
            types.add(m.group(1).startsWith("course-") ? "text" : "uuid");
            values.add(m.group());
            m.appendReplacement(text, "\\$" + types.size());
        }
        m.appendTail(text);
        String params = types.isEmpty() ? "" : types.stream().collect(Collectors.joining(", ", "(", ")"));
        String args = values.isEmpty() ? "" : String.join(", ", values);
        return new PreparedQuery(name, "prepare " + name + params + " as " + text,
                "execute " + name + (args.isEmpty() ? "" : "(" + args + ")"));
    }

    void prepare(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(prepare);
        }
    }

    /** How the plan cache has served this statement so far on this connection, e.g. "generic 27, custom 5". */
    String plans(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select generic_plans, custom_plans from pg_prepared_statements where name = '" + name + "'")) {
            return rs.next() ? "generic " + rs.getLong(1) + ", custom " + rs.getLong(2) : "not prepared";
        }
    }

    static void deallocateAll(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("deallocate all");
        }
    }
}
