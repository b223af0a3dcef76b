package dev.gatehouse.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlScriptTest {
    @Test
    void splitsAtSemicolonsOutsideQuotesCommentsAndDollarBodies() {
        String sql = """
                -- header; not a statement
                create table a (t text default 'x;y', "we;ird" int);
                /* block; /* nested; */ still comment */
                create function f() returns int language plpgsql as $body$ begin return 1; end $body$;
                do $$ begin perform 1; end $$;
                select $1::int;
                """;

        assertThat(SqlScript.statements(sql)).hasSize(4)
                .satisfies(s -> assertThat(s.get(1)).contains("$body$ begin return 1; end $body$"))
                .satisfies(s -> assertThat(s.get(3)).isEqualTo("select $1::int"));
    }

    @Test
    void aFileOfOnlyCommentsHasNoStatements() {
        assertThat(SqlScript.statements("-- nothing here;\n/* or; here */\n")).isEmpty();
    }
}
