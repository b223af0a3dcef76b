package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * search_courses at 100,000 published courses that all match a broad term: the work one page costs
 * is bounded (counted as course rows Postgres reads, not timed, so a busy machine cannot flake it),
 * and paging through such a term ends after the documented number of candidates.
 */
class CourseSearchScaleTest {
    private static final int COURSES = 100_000;
    private static final String PAGE = """
            select id, rank from public.search_courses(query => ?, after_rank => ?::real, after_id => ?::uuid, page_size => 100)""";
    private static TestDatabase db;
    private static Postgrest api;

    @BeforeAll
    static void setUp() throws SQLException {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        try (Connection c = db.connect()) {
            Postgrest.update(c, """
                    insert into public.courses (instructor_id, slug, title, description, category, is_published, published_at)
                    select ?, 'sprawl-' || g, 'Sprawl topic ' || g, 'A sprawl of notes, part ' || g, 'cat-' || (g % 10), true,
                           now() - make_interval(secs => g)
                    from generate_series(1, ?) g""", Seed.INSTRUCTOR, COURSES);
            Postgrest.update(c, "analyze public.courses");
        }
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    /** Course rows read (sequentially or through any index) by what {@code work} runs, from Postgres' own counters. */
    private static long courseRowsRead(Postgrest.Work<?> work) throws SQLException {
        try (Connection c = db.connect()) {
            long before = rowsRead(c);
            api.as(Persona.anon(), work);
            return rowsRead(c) - before;
        }
    }

    private static long rowsRead(Connection c) throws SQLException {
        Postgrest.scalar(c, "select pg_stat_force_next_flush()");
        Postgrest.scalar(c, "select pg_stat_clear_snapshot()");
        return ((Number) Postgrest.scalar(c, """
                select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) from pg_stat_user_tables
                where relid = 'public.courses'::regclass""")).longValue();
    }

    private static List<Map<String, Object>> page(Connection c, Object afterRank, Object afterId) throws SQLException {
        return Postgrest.rows(c, PAGE, "sprawl", afterRank, afterId);
    }

    @Test
    void aPageOfABroadTermReadsAFewThousandCoursesNotEveryMatch() throws Exception {
        List<Map<String, Object>> first = new ArrayList<>();

        long read = courseRowsRead(c -> first.addAll(page(c, null, null)));

        assertThat(first).hasSize(100);
        assertThat(read).as("course rows read for one page, with %d matches", COURSES).isLessThan(10_000);
    }

    @Test
    void pagingABroadTermEndsAfterTheCandidateLimitWithEveryCandidateOnce() throws Exception {
        List<Object> seen = new ArrayList<>();
        Object afterRank = null;
        Object afterId = null;
        boolean ended = false;
        for (int guard = 0; guard < 12 && !ended; guard++) {
            Object rank = afterRank;
            Object id = afterId;
            List<Map<String, Object>> rows = api.as(Persona.anon(), c -> page(c, rank, id));
            rows.forEach(r -> seen.add(r.get("id")));
            ended = rows.size() < 100;
            afterRank = ended ? null : rows.getLast().get("rank");
            afterId = ended ? null : rows.getLast().get("id");
        }

        assertThat(ended).as("paging ended within 12 pages of 100").isTrue();
        assertThat(seen).hasSize(1_000);
        assertThat(new HashSet<>(seen)).hasSize(1_000);
    }
}
