package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code public.search_courses}: published courses only, title matches first, filters, keyset paging
 * that stays exact while courses are published between page requests, clamped page size, unaccented
 * matching, and the newest-first browse mode with its own cursor. Each test uses words no other uses.
 */
class CourseSearchTest {
    private static TestDatabase db;
    private static Postgrest api;
    private static Fixtures given;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        given = new Fixtures(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    record Hit(UUID id, String title, Float rank, Timestamp publishedAt) {}

    @Test
    void unpublishedCoursesAreNeverReturnedToAnyone() throws Exception {
        UUID published = given.course().title("Quokka fundamentals").category("quokka-cat").create();
        given.course().draft().title("Quokka secrets").category("quokka-cat").create();

        for (Persona who : List.of(Persona.anon(), Seed.student(), Seed.instructor(), Seed.admin())) {
            assertThat(ids(Search.query("quokka").run(who))).as(who.label()).containsExactly(published);
            assertThat(ids(Search.browse().with("category", "quokka-cat").run(who))).as(who.label()).containsExactly(published);
        }
    }

    @Test
    void aTitleMatchRanksAboveADescriptionOnlyMatch() throws Exception {
        UUID inDescription = given.course().title("Pet basics").description("Feeding a wombat and other marsupials.").create();
        UUID inTitle = given.course().title("Wombat care").description("Everything about burrows.").create();

        List<Hit> hits = Search.query("wombat").run(Persona.anon());

        assertThat(ids(hits)).containsExactly(inTitle, inDescription);
        assertThat(hits.get(0).rank()).isGreaterThan(hits.get(1).rank());
    }

    @Test
    void filtersNarrowByCategoryPriceRatingAndInstructor() throws Exception {
        Persona teacher = given.user("narwhal-teacher", "instructor");
        Persona other = given.user("narwhal-other", "instructor");
        UUID a = given.course().title("Narwhal A").category("narwhal-sea").priceCents(0).ratingAvg(4.5).taughtBy(teacher.userId()).create();
        UUID b = given.course().title("Narwhal B").category("narwhal-ice").priceCents(1000).ratingAvg(3.0).taughtBy(teacher.userId()).create();
        UUID c = given.course().title("Narwhal C").category("narwhal-sea").priceCents(5000).ratingAvg(2.0).taughtBy(other.userId()).create();
        UUID d = given.course().title("Narwhal D").category("narwhal-ice").priceCents(2500).ratingAvg(4.9).taughtBy(other.userId()).create();

        for (Search mode : List.of(Search.query("narwhal"), Search.browse())) {
            assertThat(ids(mode.copy().with("category", "narwhal-sea").run(Persona.anon()))).containsExactlyInAnyOrder(a, c);
            assertThat(ids(mode.copy().with("instructor_id", other.userId()).run(Persona.anon()))).containsExactlyInAnyOrder(c, d);
            assertThat(ids(mode.copy().with("instructor_id", teacher.userId()).with("min_price_cents", 500).run(Persona.anon())))
                    .containsExactly(b);
            assertThat(ids(mode.copy().with("instructor_id", other.userId()).with("max_price_cents", 3000).run(Persona.anon())))
                    .containsExactly(d);
            assertThat(ids(mode.copy().with("category", "narwhal-ice").with("min_rating", 4.0).run(Persona.anon()))).containsExactly(d);
            assertThat(ids(mode.copy().with("category", "narwhal-sea").with("min_price_cents", 1).with("max_price_cents", 4999)
                    .run(Persona.anon()))).isEmpty();
        }
    }

    @Test
    void keysetPagesReturnEveryMatchExactlyOnceInOneStableOrder() throws Exception {
        Set<UUID> created = new HashSet<>();
        for (int i = 0; i < 23; i++) {
            created.add(i % 3 == 0
                    ? given.course().title("Pangolin " + i).create()
                    : given.course().title("Course " + i).description("pangolin ".repeat(1 + i % 4) + "scales").create());
        }
        List<UUID> oneBigPage = ids(Search.query("pangolin").with("page_size", 100).run(Persona.anon()));

        List<UUID> paged = pageThrough(Search.query("pangolin"), 5, () -> {});

        assertThat(paged).hasSize(23).doesNotHaveDuplicates().containsExactlyElementsOf(oneBigPage);
        assertThat(Set.copyOf(paged)).isEqualTo(created);
    }

    @Test
    void pagingSkipsAndRepeatsNothingWhileCoursesArePublishedBetweenPages() throws Exception {
        Set<UUID> before = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            before.add(given.course().title(i % 2 == 0 ? "Axolotl " + i : "Amphibians " + i).description("axolotl gills").create());
        }
        int[] page = {0};

        List<UUID> paged = pageThrough(Search.query("axolotl"), 4, () -> {
            page[0]++;
            given.course().title("Axolotl late " + page[0]).description("axolotl axolotl").create(); // ranks above the rest
            given.course().title("Newts " + page[0]).description("an axolotl").create(); // ranks among the rest
        });

        assertThat(paged).doesNotHaveDuplicates().containsAll(before);
    }

    @Test
    void pageSizeIsClampedBetweenOneAndAHundred() throws Exception {
        try (Connection c = db.connect()) {
            Postgrest.update(c, """
                    insert into public.courses (instructor_id, slug, title, is_published)
                    select ?, 'ocelot-' || g, 'Ocelot ' || g, true from generate_series(1, 105) g""", Seed.INSTRUCTOR);
        }

        assertThat(Search.query("ocelot").with("page_size", 1000).run(Persona.anon())).hasSize(100);
        assertThat(Search.query("ocelot").with("page_size", 0).run(Persona.anon())).hasSize(1);
        assertThat(Search.query("ocelot").with("page_size", -7).run(Persona.anon())).hasSize(1);
        assertThat(Search.query("ocelot").run(Persona.anon())).as("default").hasSize(20);
        assertThat(Search.browse().with("page_size", 500).run(Persona.anon())).hasSize(100);
    }

    @Test
    void accentsAreIgnoredOnBothSides() throws Exception {
        UUID cafe = given.course().title("Café crème for baristas").create();
        UUID resume = given.course().title("Resume writing clinic").create();

        assertThat(ids(Search.query("cafe").run(Persona.anon()))).containsExactly(cafe);
        assertThat(ids(Search.query("CREME").run(Persona.anon()))).containsExactly(cafe);
        assertThat(ids(Search.query("résumé").run(Persona.anon()))).containsExactly(resume);
    }

    @Test
    void aQueryWithNothingSearchableReturnsNothingRatherThanEverything() throws Exception {
        assertThat(Search.query("!!! ::").run(Persona.anon())).isEmpty();
    }

    @Test
    void browsingWithoutAQueryListsNewestPublishedFirstWithItsOwnCursor() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        List<UUID> expected = new ArrayList<>();
        UUID newest = given.course().category("browse-only").publishedAt(t.plusSeconds(500)).create();
        UUID tieA = given.course().category("browse-only").publishedAt(t.plusSeconds(300)).create();
        UUID tieB = given.course().category("browse-only").publishedAt(t.plusSeconds(300)).create();
        List<UUID> older = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            older.add(given.course().category("browse-only").publishedAt(t.plusSeconds(100 - i)).create());
        }
        given.course().draft().category("browse-only").create();
        expected.add(newest);
        // ties go by id ascending; Postgres compares uuids bytewise, as their hex strings compare (UUID.compareTo is signed)
        expected.addAll(tieA.toString().compareTo(tieB.toString()) < 0 ? List.of(tieA, tieB) : List.of(tieB, tieA));
        expected.addAll(older);

        List<UUID> paged = pageThrough(Search.browse().with("category", "browse-only"), 3, () -> {});

        assertThat(paged).containsExactlyElementsOf(expected);
        assertThat(Search.browse().with("category", "browse-only").run(Persona.anon())).allSatisfy(h -> assertThat(h.rank()).isNull());
    }

    /** Requests page after page, each in its own request, passing the last row as the cursor; runs {@code between} after each page. */
    private static List<UUID> pageThrough(Search search, int pageSize, ThrowingRunnable between) throws Exception {
        List<UUID> all = new ArrayList<>();
        Hit last = null;
        for (int guard = 0; guard < 100; guard++) {
            Search next = search.copy().with("page_size", pageSize);
            if (last != null) {
                next = next.with("after_id", last.id()).with(search.isBrowse() ? "after_published_at" : "after_rank",
                        search.isBrowse() ? last.publishedAt() : last.rank());
            }
            List<Hit> page = next.run(Persona.anon());
            all.addAll(ids(page));
            if (page.size() < pageSize) {
                return all;
            }
            last = page.getLast();
            between.run();
        }
        throw new AssertionError("paging did not end after 100 pages");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static List<UUID> ids(List<Hit> hits) {
        return hits.stream().map(Hit::id).collect(Collectors.toList());
    }

    /** One call of search_courses with named arguments, as supabase-js .rpc() sends them. */
    static final class Search {
        private static final Map<String, String> TYPES = Map.of("query", "text", "category", "text", "min_price_cents", "integer",
                "max_price_cents", "integer", "min_rating", "numeric", "instructor_id", "uuid", "after_rank", "real",
                "after_id", "uuid", "page_size", "integer", "after_published_at", "timestamptz");
        private final Map<String, Object> args = new LinkedHashMap<>();

        static Search query(String text) {
            return new Search().with("query", text);
        }

        static Search browse() {
            return new Search();
        }

        Search with(String name, Object value) {
            if (!TYPES.containsKey(name)) {
                throw new IllegalArgumentException("search_courses has no argument " + name);
            }
            if (value == null) {
                args.remove(name);
            } else {
                args.put(name, value);
            }
            return this;
        }

        Search copy() {
            Search s = new Search();
            s.args.putAll(args);
            return s;
        }

        boolean isBrowse() {
            return !args.containsKey("query");
        }

        List<Hit> run(Persona who) throws SQLException {
            String call = args.keySet().stream().map(k -> k + " => ?::" + TYPES.get(k)).collect(Collectors.joining(", "));
            return api.as(who, c -> {
                try (PreparedStatement ps = c.prepareStatement("select id, title, rank, published_at from public.search_courses(" + call + ")")) {
                    int i = 1;
                    for (Object v : args.values()) {
                        ps.setObject(i++, v);
                    }
                    List<Hit> out = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(new Hit(rs.getObject(1, UUID.class), rs.getString(2), (Float) rs.getObject(3), rs.getTimestamp(4)));
                        }
                    }
                    return out;
                }
            });
        }
    }
}
