package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The prompt library as its owner uses it through the Data API: body history and full-text search. */
class PromptLibraryTest {
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

    @Test
    void everyBodyEditAddsAVersionAndOtherEditsDoNot() throws Exception {
        UUID prompt = given.prompt(Seed.STUDENT, "Draft", "First body");

        api.asAndCommit(Seed.student(), c -> {
            Postgrest.update(c, "update public.prompts set title = 'Renamed', tags = '{sales}' where id = ?", prompt);
            Postgrest.update(c, "update public.prompts set body = 'Second body' where id = ?", prompt);
            Postgrest.update(c, "update public.prompts set body = 'Second body' where id = ?", prompt); // unchanged body
            return Postgrest.update(c, "update public.prompts set body = 'Third body', enriched_body = 'Third, enriched' where id = ?", prompt);
        });

        List<Map<String, Object>> history = api.as(Seed.student(), c -> Postgrest.rows(c,
                "select version, body from public.prompt_versions where prompt_id = ? order by version", prompt));
        assertThat(history).extracting(r -> r.get("body")).containsExactly("First body", "Second body", "Third body");
        assertThat(history).extracting(r -> r.get("version")).containsExactly(1, 2, 3);
        Object version = api.as(Seed.student(), c -> Postgrest.scalar(c, "select version from public.prompts where id = ?", prompt));
        assertThat(version).isEqualTo(3);
    }

    @Test
    void nobodyCanSetTheVersionCounterOrRewriteTheHistory() throws Exception {
        UUID prompt = given.prompt(Seed.STUDENT, "Counter", "Body");

        assertThat(Outcome.attempt(api, Seed.student(), "update public.prompts set version = 7 where id = ?", prompt)).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.student(), "insert into public.prompts (user_id, title, body, version) values (?, 't', 'b', 9)", Seed.STUDENT))
                .isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.student(), "update public.prompt_versions set body = 'rewritten' where prompt_id = ?", prompt))
                .isEqualTo(Outcome.DENY);
    }

    @Test
    void searchFindsOnlyTheCallersOwnPromptsTitleMatchesFirst() throws Exception {
        UUID inTitle = given.prompt(Seed.STUDENT, "Kubernetes rollout checklist", "Steps for a safe deploy.");
        UUID inBody = given.prompt(Seed.STUDENT, "Deploy notes", "Explain kubernetes probes to a beginner.");
        given.prompt(Seed.STUDENT, "Unrelated", "Write a haiku about autumn.");
        given.prompt(Seed.STUDENT2, "Kubernetes for student2", "Someone else's kubernetes prompt.");

        List<Map<String, Object>> hits = api.as(Seed.student(), c -> Postgrest.rows(c, "select * from public.search_prompts('kubernetes')"));

        assertThat(hits).extracting(r -> r.get("id")).containsExactly(inTitle, inBody);
        assertThat((String) hits.get(1).get("snippet")).containsIgnoringCase("kubernetes");
    }

    @Test
    void searchMatchesTagsAndRefusesAnAbsurdPageSize() throws Exception {
        UUID tagged = given.prompt(Seed.STUDENT, "Tagged", "Nothing in the body matches.");
        given.exec("update public.prompts set tags = '{negotiation}' where id = ?", tagged);

        List<Map<String, Object>> hits = api.as(Seed.student(), c -> Postgrest.rows(c, "select * from public.search_prompts('negotiation')"));

        assertThat(hits).extracting(r -> r.get("id")).containsExactly(tagged);
        String refusal = api.as(Seed.student(), c -> {
            try {
                Postgrest.rows(c, "select * from public.search_prompts('x', 1000)");
                return "accepted";
            } catch (java.sql.SQLException e) {
                return e.getSQLState();
            }
        });
        assertThat(refusal).isEqualTo("22023");
    }
}
